import Foundation
import SiteModel
import SyncContract
import Testing

@Suite struct SyncContractTests {
    static let time = Date(timeIntervalSince1970: 1_795_600_000.125)  // exact in binary and in milliseconds

    static let everyMessage: [UpMessage] = [
        .presence(Presence(online: true, version: "x")),
        .stationBoot(
            StationBoot(
                station: "CP1", vendor: "V", model: "M", serialNumber: nil, firmwareVersion: "1.2", approval: "accepted",
                time: time)),
        .stationConnection(StationConnection(station: "CP1", connected: false, time: time, reason: "silent")),
        .connectorStatus(
            ConnectorStatusChange(
                station: "CP1", connector: 2, status: "Faulted", errorCode: "GroundFailure", info: "rcd", vendorId: "acme",
                vendorErrorCode: "E42", time: time)),
        .sessionStart(
            SessionStarted(
                station: "CP1", connector: 1, transactionId: 9, idTag: "T", authStatus: "Accepted", meterStartWh: 10,
                startTime: time)),
        .sessionUpdate(
            SessionProgress(
                station: "CP1", connector: 1, transactionId: 9, time: time, energyWh: 12.5, powerW: nil, currentA: 16, soc: 55)),
        .sessionStop(
            SessionStopped(
                station: "CP1", connector: 1, transactionId: 9, idTag: nil, meterStartWh: 10, startTime: time, meterStopWh: 99,
                stopTime: time, reason: "Local")),
        .siteMeter(
            SiteMeterSample(
                time: time, meters: [.init(name: "grid", role: "grid", currentA: [1, nil, 3], powerW: 5, energyImportWh: nil)])),
        .loadSummary(
            LoadSummary(
                time: time, mode: "dynamic", failsafe: false, gridLimitA: 63, gridCurrentA: [1, 2, nil], allocatedA: 32,
                charging: 2, waiting: 1)),
        .event(
            SiteEvent(station: nil, kind: "firmware_status", severity: "info", detail: #"{"status":"Installed"}"#, time: time)),
        .commandResult(
            CommandResult(id: "c1", station: "CP1", action: "Reset", outcome: .accepted, response: #"{"status":"Accepted"}"#)),
        .authRequest(AuthRequest(id: "a1", idTag: "CARD", station: "CP1")),
    ]

    @Test func everyUpMessageRoundTripsThroughItsEnvelope() throws {
        #expect(Set(Self.everyMessage.map(\.type)) == Set(UpMessage.Kind.allCases.map(\.rawValue)))
        for (index, message) in Self.everyMessage.enumerated() {
            let envelope = UpEnvelope(site: "site-1", seq: Int64(index + 1), timestamp: Self.time, message: message)
            let decoded = try UpEnvelope.decode(try envelope.encoded())
            #expect(decoded == envelope)
        }
    }

    @Test func commandOutcomesAreStringsOnTheWireAndAnUnknownOneIsKept() throws {
        let known: [CommandOutcome] = [
            .accepted, .rejected, .notConnected, .timeout, .expired, .invalid, .stationError, .invalidResponse, .failed,
        ]
        for outcome in known {
            #expect(CommandOutcome(rawValue: outcome.rawValue) == outcome)
            if case .unknown = outcome { Issue.record("\(outcome) is known") }
        }
        #expect(CommandOutcome.notConnected.rawValue == "not_connected")
        // A newer edge may send an outcome this cloud does not know: it is kept, not refused.
        let text = #"{"id":"c1","station":"CP1","action":"Reset","outcome":"deferred"}"#
        let result = try SyncJSON.decoder().decode(CommandResult.self, from: Data(text.utf8))
        #expect(result.outcome == .unknown("deferred"))
        let again = String(decoding: try SyncJSON.encoder().encode(result), as: UTF8.self)
        #expect(again.contains(#""outcome":"deferred""#))
    }

    @Test func theOutboxFormOfAnEnvelopeIsTheSameJSON() throws {
        let message = Self.everyMessage[4]
        let data = String(decoding: try message.encodedData(), as: UTF8.self)
        let bytes = UpEnvelope.encode(site: "s", seq: 5, timestamp: Self.time, type: message.type, data: data)
        #expect(try UpEnvelope.decode(bytes) == UpEnvelope(site: "s", seq: 5, timestamp: Self.time, message: message))
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""ts":"2026-11-25T"#))
    }

    @Test func badEnvelopesSayWhatIsWrong() {
        func reason(_ text: String) -> String {
            do {
                _ = try UpEnvelope.decode(Array(text.utf8))
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(reason("nope").contains("not JSON"))
        #expect(reason(#"{"v":2,"site":"s","seq":1,"ts":"2026-11-25T10:00:00Z","type":"event","data":{}}"#).contains("version 2"))
        #expect(reason(#"{"v":1,"site":"s","seq":1,"ts":"2026-11-25T10:00:00Z","type":"party","data":{}}"#).contains("'party'"))
        #expect(reason(#"{"v":1,"site":"s","seq":1,"ts":"yesterday","type":"event","data":{}}"#).contains("ISO 8601"))
        #expect(reason(#"{"v":1,"site":"s","ts":"2026-11-25T10:00:00Z","type":"event","data":{}}"#).contains("seq is missing"))
        #expect(reason(#"{"v":1,"site":"s","seq":-3,"ts":"2026-11-25T10:00:00Z","type":"event","data":{}}"#).contains("negative"))
        let wrongType =
            #"{"v":1,"site":"s","seq":1,"ts":"2026-11-25T10:00:00Z","type":"session.start","data":{"station":"c","connector":"one","transactionId":1}}"#
        #expect(reason(wrongType).contains("data.connector"))
    }

    @Test func topicsAreBuiltAndParsedPerSite() {
        #expect(SyncTopic.up(site: "a", type: "session.start") == "gridside/v1/a/up/session.start")
        #expect(SyncTopic.parse("gridside/v1/a/down/ack") == .init(site: "a", direction: .down, type: "ack"))
        #expect(SyncTopic.parse("gridside/v2/a/up/x") == nil)
        #expect(SyncTopic.parse("gridside/v1/a/up/") == nil)
        #expect(SyncTopic.parse("gridside/v1/a/sideways/x") == nil)
        #expect(SyncTopic.upFilter(sharedGroup: "cloud") == "$share/cloud/gridside/v1/+/up/#")
        #expect(SyncTopic.isValidSiteId("site-1.b_c"))
        #expect(!SyncTopic.isValidSiteId("a/b") && !SyncTopic.isValidSiteId("+") && !SyncTopic.isValidSiteId(""))
    }

    @Test func downMessagesRoundTrip() throws {
        let messages: [DownMessage] = [
            .ack(Ack(seqs: [1, 2, 1_795_600_000_000_000])),
            .ack(Ack(seqs: [3], at: Self.time)),
            .command(CommandRequest(id: "c", station: "CP", action: "Reset", payload: #"{"type":"Soft"}"#, expires: Self.time)),

            .authAnswer(AuthAnswer(id: "a", idTag: "T", status: "Accepted", expiry: Self.time)),
            .tokens(TokenList(version: 3, tokens: [.init(idTag: "T", status: "Blocked")])),
        ]
        for message in messages {
            #expect(try DownMessage.decode(type: message.type, try message.encoded()) == message)
        }
        #expect(throws: EnvelopeError.unknownType("dance")) { try DownMessage.decode(type: "dance", Array("{}".utf8)) }
    }

    @Test func datesNeedAZoneAndReadTheSameWhicheverWayTheyAreWritten() throws {
        let date = try #require(SyncJSON.parse("2026-11-25T10:00:00.125Z"))
        #expect(date.timeIntervalSince1970 == 1_795_600_800.125)
        #expect(SyncJSON.parse(SyncJSON.format(date)) == date)
        let odd = Date(timeIntervalSince1970: 1_795_600_632.4079999)
        #expect(SyncJSON.format(odd) == "2026-11-25T09:57:12.408Z", "rounded to the millisecond, not truncated")
        #expect(SyncJSON.parse(SyncJSON.format(odd)).map(SyncJSON.format) == SyncJSON.format(odd))
        #expect(SyncJSON.parse("2026-11-25T11:00:00.125+01:00") == date)
        #expect(SyncJSON.parse("2026-11-25T10:00:00Z") == date.addingTimeInterval(-0.125))
        for bad in ["2026-11-25T10:00:00", "2026-13-25T10:00:00Z", "2026-11-25 T10:00Z", "yesterday", ""] {
            #expect(SyncJSON.parse(bad) == nil, "\(bad)")
        }
    }
}
