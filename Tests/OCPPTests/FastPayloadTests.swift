import Foundation
import SeededRandom
import Testing
import WireJSON

@testable import OCPP

/// The fast MeterValues path must change speed only: whatever it accepts, `JSONDecoder` decodes to the same
/// value, and it must really be taken for the payloads chargers usually send.
@Suite struct FastPayloadTests {
    typealias Request = OCPP16.MeterValuesRequest

    private func fast(_ json: String) -> Request? {
        Array(json.utf8).withUnsafeBufferPointer { bytes in
            var reader = FastPayloadReader(bytes)
            guard let value = Request.fastDecode(&reader), reader.atEnd() else { return nil }
            return value
        }
    }

    /// `JSONDecoder` alone, with its errors classified as `PayloadCoder` does.
    private func reference(_ json: String) -> Result<Request, OCPPError> {
        do {
            return .success(try OCPPJSON.makeDecoder().decode(Request.self, from: Data(json.utf8)))
        } catch let error as DecodingError {
            return .failure(PayloadCoder.classify(error))
        } catch {
            return .failure(OCPPError(.formationViolation, "payload is not valid JSON"))
        }
    }

    @Test func typicalPayloadsTakeTheFastPath() throws {
        let seven =
            #"{"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2026-11-25T08:00:00.000Z","sampledValue":["#
            + #"{"value":"1037","measurand":"Energy.Active.Import.Register","unit":"Wh"},"#
            + #"{"value":"7360","measurand":"Power.Active.Import","unit":"W"},"#
            + #"{"value":"10.6","measurand":"Current.Import","phase":"L1","unit":"A"},"#
            + #"{"value":"231.0","measurand":"Voltage","phase":"L1-N","unit":"V"},"#
            + #"{"value":"57","measurand":"SoC","unit":"Percent","context":"Sample.Periodic","location":"EV"}]}]}"#
        let decoded = try #require(fast(seven))
        #expect(try reference(seven).get() == decoded)
        #expect(decoded.meterValue[0].sampledValue.count == 5)
        #expect(decoded.meterValue[0].sampledValue[3].phase == .l1N)
        #expect(
            fast(
                #" { "connectorId" : 0 , "meterValue" : [ { "sampledValue" : [ { "value" : "1" } ] , "timestamp" : "2026-11-25T08:00:00Z" } ] } "#
            ) != nil)
        #expect(fast(#"{"connectorId":2,"transactionId":null,"meterValue":[]}"#)?.transactionId == nil)
    }

    @Test func leavesWhatItIsNotSureOfToJSONDecoder() {
        let unsure = [
            #"{"connectorId":1.0,"meterValue":[]}"#,
            #"{"connectorId":01,"meterValue":[]}"#,
            #"{"connectorId":1,"connectorId":2,"meterValue":[]}"#,
            #"{"connectorId":1,"meterValue":[],"vendorExtra":true}"#,
            #"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-25T08:00:00Z","sampledValue":[{"value":"1\u0030"}]}]}"#,
            #"{"connectorId":99999999999999999999,"meterValue":[]}"#,
            #"{"connectorId":1,"meterValue":[],}"#,
            #"{"connectorId":1,"meterValue":[]} x"#,
        ]
        for json in unsure { #expect(fast(json) == nil, "\(json)") }
    }

    /// Eight thousand generated payloads, well-formed, odd and broken: the coder (fast path first) and `JSONDecoder`
    /// alone agree on every one, on the value or on the error code and field.
    @Test func agreesWithJSONDecoderOnGeneratedPayloads() {
        var random = SplitMix(seed: 0x6D65_7465_7273)
        let coder = PayloadCoder()
        var tookFastPath = 0
        for _ in 0..<8000 {
            var json = Self.payload(&random)
            if Int.random(in: 0..<6, using: &random) == 0, !json.isEmpty {
                var bytes = Array(json.utf8)
                let at = Int.random(in: 0..<bytes.count, using: &random)
                if Bool.random(using: &random) {
                    bytes.removeSubrange(at...)
                } else {
                    bytes[at] = Array(#"{}[],:" 0a\-.eE"#.utf8).randomElement(using: &random)!
                }
                json = String(decoding: bytes, as: UTF8.self)
            }
            if fast(json) != nil { tookFastPath += 1 }
            let viaCoder: Result<Request, OCPPError> = Result { () throws(OCPPError) in
                try coder.decode(Request.self, from: Array(json.utf8))
            }
            switch (viaCoder, reference(json)) {
            case (.success(let a), .success(let b)):
                #expect(a == b, "\(json)")
            case (.failure(let a), .failure(let b)):
                #expect(a.code == b.code && a.field == b.field, "\(json): \(a) vs \(b)")
            default:
                Issue.record("the paths disagree on \(json)")
            }
        }
        #expect(tookFastPath > 600)
    }

    private static func payload(_ r: inout SplitMix) -> String {
        func pick(_ options: [String]) -> String { options.randomElement(using: &r)! }
        func space() -> String { Int.random(in: 0..<8, using: &r) == 0 ? pick([" ", "\n", "\t ", "\r\n"]) : "" }
        func object(_ fields: [(String, String?)]) -> String {
            let present = fields.compactMap { key, value in value.map { "\(space())\"\(key)\"\(space()):\(space())\($0)" } }
            return "{" + present.shuffled(using: &r).joined(separator: ",") + space() + "}"
        }
        func maybe(_ value: String, absent: Int = 3) -> String? { Int.random(in: 0..<absent, using: &r) == 0 ? nil : value }
        func sampled() -> String {
            var fields: [(String, String?)] = [
                (
                    "value",
                    maybe(pick([#""12.5""#, #""0""#, #""-3""#, #""1\u0032""#, "12", "null", #""""#, #""zwölf""#]), absent: 12)
                ),
                (
                    "measurand",
                    maybe(
                        pick([#""Energy.Active.Import.Register""#, #""Current.Import""#, #""SoC""#, #""Energy""#, "null", "3"]))
                ),
                ("phase", maybe(pick([#""L1""#, #""L2-N""#, #""N""#, #""L4""#, "null"]))),
                ("unit", maybe(pick([#""Wh""#, #""kWh""#, #""A""#, #""Percent""#, #""Celsius""#, #""wh""#, "null"]))),
                ("context", maybe(pick([#""Sample.Periodic""#, #""Transaction.End""#, #""Periodic""#]), absent: 2)),
                ("format", maybe(pick([#""Raw""#, #""SignedData""#, #""raw""#]), absent: 2)),
                ("location", maybe(pick([#""Outlet""#, #""EV""#, #""Cable""#, #""Inlet""#, #""Car""#]), absent: 2)),
            ]
            if Int.random(in: 0..<30, using: &r) == 0 { fields.append(("value", #""7""#)) }
            if Int.random(in: 0..<30, using: &r) == 0 { fields.append(("extra", "{}")) }
            return object(fields)
        }
        func meterValue() -> String {
            let samples = (0..<Int.random(in: 0...4, using: &r)).map { _ in sampled() }
            return object([
                (
                    "timestamp",
                    maybe(
                        pick([#""2026-11-25T08:00:00Z""#, #""2026-11-25T09:00:00.5+01:00""#, #""noon""#, "0", "null"]), absent: 15
                    )
                ),
                ("sampledValue", maybe(pick(["[" + samples.joined(separator: ",") + "]", "{}", "null"]), absent: 15)),
            ])
        }
        let values = (0..<Int.random(in: 0...3, using: &r)).map { _ in meterValue() }
        return space()
            + object([
                (
                    "connectorId",
                    maybe(pick(["1", "0", "-2", "7", "1.0", "01", "\"1\"", "null", "1e0", "4294967296"]), absent: 15)
                ),
                ("transactionId", maybe(pick(["42", "null", "-1", "\"42\"", "42.5", "9223372036854775807"]), absent: 2)),
                ("meterValue", maybe(pick(["[" + values.joined(separator: ",") + "]", "[]", "{}", "null"]), absent: 15)),
            ]) + space()
    }
}
