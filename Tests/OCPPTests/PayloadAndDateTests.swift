import Foundation
import OCPP
import Testing
import WireJSON

@Suite struct PayloadCodingTests {
    let coder = PayloadCoder()

    private func code(_ json: String) -> OCPPErrorCode? {
        do {
            _ = try coder.decode(OCPP16.StartTransactionRequest.self, from: Array(json.utf8))
            return nil
        } catch {
            return error.code
        }
    }

    @Test func schemaViolationsMapToTheirErrorCodes() {
        #expect(code(#"{"idTag":"A","meterStart":0,"timestamp":"2026-11-25T08:00:00Z"}"#) == .occurenceConstraintViolation)
        #expect(
            code(#"{"connectorId":"one","idTag":"A","meterStart":0,"timestamp":"2026-11-25T08:00:00Z"}"#)
                == .typeConstraintViolation)
        #expect(
            code(#"{"connectorId":1,"idTag":"012345678901234567890","meterStart":0,"timestamp":"2026-11-25T08:00:00Z"}"#)
                == .propertyConstraintViolation)
        #expect(code(#"{"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"yesterday"}"#) == .propertyConstraintViolation)
        #expect(
            code(#"{"connectorId":1,"idTag":null,"meterStart":0,"timestamp":"2026-11-25T08:00:00Z"}"#)
                == .occurenceConstraintViolation)
        #expect(code(#"[]"#) == .formationViolation)
        #expect(code(#"{"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"2026-11-25T08:00:00Z"}"#) == nil)
    }

    /// MeterValues decodes through hand-written code; it must classify errors exactly as the synthesized code does.
    @Test func meterValuesViolationsKeepTheirCodesAndFieldPaths() {
        func failure(_ sampled: String, timestamp: String = "2026-11-25T08:00:00Z") -> OCPPError? {
            let json = #"{"connectorId":1,"meterValue":[{"timestamp":"\#(timestamp)","sampledValue":[\#(sampled)]}]}"#
            do {
                _ = try coder.decode(OCPP16.MeterValuesRequest.self, from: Array(json.utf8))
                return nil
            } catch {
                return error
            }
        }
        #expect(failure(#"{"value":"1","measurand":"Energy.Sideways"}"#)?.code == .propertyConstraintViolation)
        #expect(
            failure(#"{"value":"1","measurand":"Energy.Sideways"}"#)?.reason.contains("meterValue[0].sampledValue[0].measurand")
                == true)
        #expect(failure(#"{"value":"1","unit":"kWh"}"#) == nil)
        #expect(failure(#"{"value":"1","unit":"parsecs"}"#)?.code == .propertyConstraintViolation)
        #expect(failure(#"{"value":1}"#)?.code == .typeConstraintViolation)
        #expect(failure(#"{"unit":"Wh"}"#)?.code == .occurenceConstraintViolation)
        #expect(failure(#"{"value":"1","phase":7}"#)?.code == .typeConstraintViolation)
        #expect(failure(#"{"value":"1"}"#, timestamp: "noon")?.code == .propertyConstraintViolation)
        #expect(failure(#"{"value":"1"}"#, timestamp: "noon")?.reason.contains("meterValue[0].timestamp") == true)
    }

    @Test func reasonNamesTheField() throws {
        do {
            _ = try coder.decode(
                OCPP16.StatusNotificationRequest.self,
                from: Array(#"{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}"#.utf8))
            Issue.record("expected a failure")
        } catch {
            #expect(error.code == .propertyConstraintViolation)
            #expect(error.reason.contains("status"))
        }
    }
}

@Suite struct RFC3339Tests {
    @Test func parsesWhatChargersSend() throws {
        let reference = Date(timeIntervalSince1970: 1_764_057_600)  // 2025-11-25T08:00:00Z
        #expect(RFC3339.parse("2025-11-25T08:00:00Z") == reference)
        #expect(RFC3339.parse("2025-11-25T08:00:00.000Z") == reference)
        #expect(RFC3339.parse("2025-11-25T09:30:00+01:30") == reference)
        #expect(RFC3339.parse("2025-11-25T08:00:00") == reference)
        #expect(abs(RFC3339.parse("2025-11-25T08:00:00.123456Z")!.timeIntervalSince(reference) - 0.123456) < 1e-6)
        #expect(RFC3339.parse("2025-13-25T08:00:00Z") == nil)
        #expect(RFC3339.parse("2026-02-31T08:00:00Z") == nil)
        #expect(RFC3339.parse("2026-04-31T08:00:00Z") == nil)
        #expect(RFC3339.parse("2024-02-29T08:00:00Z") != nil)
        #expect(RFC3339.parse("2100-02-29T08:00:00Z") == nil)
        #expect(RFC3339.parse("2025-11-25 garbage") == nil)
        #expect(RFC3339.parse("") == nil)
    }

    @Test func formatsUTCWithMilliseconds() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_764_057_600.25)) == "2025-11-25T08:00:00.250Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
    }
}
