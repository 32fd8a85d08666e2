import Foundation
import OCPP
import Testing

struct OCPP16MessageTests {
    private static func decode<Message: Decodable>(_ type: Message.Type, _ json: String) throws -> Message {
        try OCPPJSON.makeDecoder().decode(type, from: Data(json.utf8))
    }

    private static func keys(of data: Data) throws -> Set<String> {
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Set(object.keys)
    }

    @Test(arguments: OCPP16Samples.all)
    func everyActionRoundTripsThroughJSON(sample: Sample) throws {
        #expect(try sample.roundTrip())
    }

    @Test func samplesCoverRequestAndResponseOfEveryActionInBothVariants() {
        let actions = Set((OCPP16.stationInitiated + OCPP16.csmsInitiated).map { $0.action })
        let expected = actions.union(actions.map { $0 + "Response" })
        #expect(expected.count == 62)
        for variant in ["full", "minimal"] {
            let names = OCPP16Samples.all.filter { $0.variant == variant }.map(\.name)
            #expect(names.count == 62, "\(variant)")
            #expect(Set(names) == expected, "\(variant)")
        }
    }

    /// Writes `<name>.<variant>.json` for every sample when `GRIDSIDE_OCPP_FIXTURES` names a directory, for the
    /// Python test that validates them against the official schemas.
    @Test func samplesAreWrittenAsFixturesWhenAsked() throws {
        guard let path = ProcessInfo.processInfo.environment["GRIDSIDE_OCPP_FIXTURES"], !path.isEmpty else { return }
        let directory = URL(fileURLWithPath: path, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for sample in OCPP16Samples.all {
            try sample.json().write(to: directory.appendingPathComponent("\(sample.name).\(sample.variant).json"))
        }
    }

    @Test func catalogueListsEveryActionOfEachDirection() throws {
        #expect(OCPP16.stationInitiated.count == 12)
        #expect(OCPP16.csmsInitiated.count == 20)
        let directions: [(MessageDirection, [any OCPPRequest.Type])] = [
            (.fromStation, OCPP16.stationInitiated), (.toStation, OCPP16.csmsInitiated),
        ]
        for (direction, types) in directions {
            let actions = types.map { $0.action }
            #expect(Set(actions).count == actions.count, "\(direction)")
            for type in types {
                let found = try #require(OCPP16.requestType(forAction: type.action, direction: direction))
                #expect(ObjectIdentifier(found) == ObjectIdentifier(type))
            }
        }
        let all = Set((OCPP16.stationInitiated + OCPP16.csmsInitiated).map { $0.action })
        #expect(all.count == 31)
        #expect(OCPP16.requestType(forAction: "DataTransfer", direction: .fromStation) != nil)
        #expect(OCPP16.requestType(forAction: "DataTransfer", direction: .toStation) != nil)
        #expect(OCPP16.requestType(forAction: "Heartbeat", direction: .toStation) == nil)
        #expect(OCPP16.requestType(forAction: "Reset", direction: .fromStation) == nil)
        #expect(OCPP16.requestType(forAction: "SignCertificate", direction: .fromStation) == nil)
    }

    @Test func omittedOptionalFieldsAreNotEncodedAsNull() throws {
        for sample in OCPP16Samples.all where sample.variant == "minimal" {
            let text = String(decoding: try sample.json(), as: UTF8.self)
            #expect(!text.contains("null"), "\(sample): \(text)")
        }
        let boot = try OCPPJSON.makeEncoder().encode(
            OCPP16.BootNotificationRequest(chargePointVendor: "Alfen", chargePointModel: "Eve Double"))
        #expect(try Self.keys(of: boot) == ["chargePointVendor", "chargePointModel"])
        let stop = try OCPPJSON.makeEncoder().encode(
            OCPP16.StopTransactionRequest(meterStop: 10, timestamp: OCPP16Samples.now, transactionId: 1))
        #expect(try Self.keys(of: stop) == ["meterStop", "timestamp", "transactionId"])
    }

    @Test func fullSamplesHaveAtLeastTheFieldsOfMinimalOnes() throws {
        func countFields(in json: Any) -> Int {
            switch json {
            case let object as [String: Any]: object.count + object.values.map(countFields).reduce(0, +)
            case let array as [Any]: array.map(countFields).reduce(0, +)
            default: 0
            }
        }
        func fieldCount(of sample: Sample) throws -> Int {
            countFields(in: try JSONSerialization.jsonObject(with: sample.json()))
        }
        let minimal = Dictionary(
            uniqueKeysWithValues: try OCPP16Samples.all.filter { $0.variant == "minimal" }.map {
                ($0.name, try fieldCount(of: $0))
            })
        for sample in OCPP16Samples.all where sample.variant == "full" {
            #expect(try fieldCount(of: sample) >= minimal[sample.name] ?? .max, "\(sample)")
        }
        let boot = try #require(OCPP16Samples.all.first { $0.name == "BootNotification" && $0.variant == "full" })
        #expect(try Self.keys(of: boot.json()).count == 9)
    }

    @Test func payloadsWithoutFieldsAreEmptyObjects() throws {
        let encoder = OCPPJSON.makeEncoder()
        #expect(try encoder.encode(OCPP16.HeartbeatRequest()) == Data("{}".utf8))
        #expect(try encoder.encode(OCPP16.ClearCacheRequest()) == Data("{}".utf8))
        #expect(try encoder.encode(OCPP16.GetLocalListVersionRequest()) == Data("{}".utf8))
        #expect(try encoder.encode(OCPP16.StatusNotificationResponse()) == Data("{}".utf8))
        #expect(try encoder.encode(OCPP16.MeterValuesResponse()) == Data("{}".utf8))
        #expect(try Self.decode(OCPP16.HeartbeatRequest.self, "{}") == OCPP16.HeartbeatRequest())
        #expect(throws: DecodingError.self) { try Self.decode(OCPP16.HeartbeatRequest.self, "[]") }
        #expect(throws: DecodingError.self) { try Self.decode(OCPP16.StatusNotificationResponse.self, "null") }
    }

    @Test func overlongIdTagIsRejected() throws {
        #expect(throws: DecodingError.self) {
            try Self.decode(OCPP16.AuthorizeRequest.self, #"{"idTag":"0123456789ABCDEF01234"}"#)
        }
        let overlong = "0123456789ABCDEF01234"
        #expect(throws: CiStringTooLong.self) { try CiString20(overlong) }
        let twenty = try Self.decode(OCPP16.AuthorizeRequest.self, #"{"idTag":"0123456789ABCDEF0123"}"#)
        #expect(twenty.idTag.value == "0123456789ABCDEF0123")
    }

    @Test func unknownEnumValueIsRejected() {
        #expect(throws: DecodingError.self) {
            try Self.decode(
                OCPP16.StatusNotificationRequest.self, #"{"connectorId":1,"errorCode":"NoError","status":"Broken"}"#)
        }
        #expect(throws: DecodingError.self) {
            try Self.decode(OCPP16.ResetRequest.self, #"{"type":"soft"}"#)
        }
    }

    @Test func missingRequiredFieldIsRejected() {
        #expect(throws: DecodingError.self) {
            try Self.decode(
                OCPP16.StartTransactionRequest.self, #"{"connectorId":1,"idTag":"04A1B2C3D4","meterStart":0}"#)
        }
    }

    @Test func sampledValueIsTextAndChargingLimitIsANumber() throws {
        #expect(throws: DecodingError.self) {
            try Self.decode(OCPP16.SampledValue.self, #"{"value":1245.2}"#)
        }
        let period = try Self.decode(OCPP16.ChargingSchedulePeriod.self, #"{"startPeriod":0,"limit":16}"#)
        #expect(period == OCPP16.ChargingSchedulePeriod(startPeriod: 0, limit: 16.0))
    }

    @Test func enumRawValuesAreTheSchemaStrings() {
        #expect(OCPP16.Measurand.energyActiveImportRegister.rawValue == "Energy.Active.Import.Register")
        #expect(OCPP16.Phase.l1N.rawValue == "L1-N")
        #expect(OCPP16.ChargePointStatus.suspendedEV.rawValue == "SuspendedEV")
        #expect(OCPP16.ChargePointErrorCode.allCases.count == 16)
        #expect(OCPP16.Measurand.allCases.count == 22)
        #expect(OCPP16.UnitOfMeasure.allCases.count == 18)
    }

    @Test func datesAreWrittenInUTCWithMilliseconds() throws {
        let data = try OCPPJSON.makeEncoder().encode(OCPP16.HeartbeatResponse(currentTime: OCPP16Samples.now))
        #expect(String(decoding: data, as: UTF8.self) == #"{"currentTime":"2025-11-24T16:00:00.123Z"}"#)
    }

    @Test func chargerStopTransactionDecodes() throws {
        let json = """
            {"transactionId":1042,"idTag":"04A1B2C3D4","timestamp":"2025-11-24T17:00:00Z","meterStop":1251300,
             "reason":"EVDisconnected","transactionData":[{"timestamp":"2025-11-24T15:00:00+00:00","sampledValue":[
             {"value":"1239.100","context":"Transaction.Begin","measurand":"Energy.Active.Import.Register",
              "unit":"kWh"}]}]}
            """
        let stop = try Self.decode(OCPP16.StopTransactionRequest.self, json)
        #expect(
            stop
                == OCPP16.StopTransactionRequest(
                    idTag: "04A1B2C3D4", meterStop: 1_251_300, timestamp: Date(timeIntervalSince1970: 1_764_003_600),
                    transactionId: 1042, reason: .evDisconnected,
                    transactionData: [
                        OCPP16.MeterValue(
                            timestamp: Date(timeIntervalSince1970: 1_763_996_400),
                            sampledValue: [
                                OCPP16.SampledValue(
                                    value: "1239.100", context: .transactionBegin,
                                    measurand: .energyActiveImportRegister, unit: .kWh)
                            ])
                    ]))
    }
}
