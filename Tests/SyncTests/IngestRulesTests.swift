import CloudStore
import Foundation
import SiteModel
import SyncContract
import Testing

/// The pure half of ingest: what each message means, before any store keeps it.
@Suite struct IngestRulesTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_795_600_000)

    static func envelope(_ message: UpMessage, seq: Int64 = 1) -> UpEnvelope {
        UpEnvelope(site: "s", seq: seq, timestamp: t0, message: message)
    }

    static func status(_ status: OpenEnum<ConnectorStatus>, error: String?) -> UpMessage {
        .connectorStatus(
            ConnectorStatusChange(
                station: "CP1", connector: 2, status: status, errorCode: error, info: nil, vendorId: "ACME",
                vendorErrorCode: "E42", time: t0))
    }

    static func history(_ changes: [IngestChange]) -> [HistoryEntry] {
        changes.compactMap { if case .history(let entry) = $0 { entry } else { nil } }
    }

    @Test func aFaultIsAnErrorAnotherErrorCodeAWarningAndAnUnknownStateIsKeptNotRefused() throws {
        let faulted = Self.history(IngestRules.changes(Self.envelope(Self.status(.known(.faulted), error: "GroundFailure"))))
        #expect(faulted.map(\.severity) == [.known(.error)])
        #expect(faulted.first?.code == "GroundFailure" && faulted.first?.connector == 2)
        #expect(faulted.first?.detail.contains(#""vendorErrorCode":"E42""#) == true)
        let erring = Self.history(IngestRules.changes(Self.envelope(Self.status(.known(.charging), error: "HighTemperature"))))
        #expect(erring.map(\.severity) == [.known(.warning)])
        let newer = IngestRules.changes(Self.envelope(Self.status("Occupied", error: "NoError")))
        #expect(newer.contains(.stationKnown("CP1")))
        #expect(Self.history(newer).map(\.severity) == [.known(.info)])
        #expect(Self.history(newer).first?.detail.contains(#""status":"Occupied""#) == true)
    }

    @Test func anAcceptedApprovalOrRegistrationIsInEffectAtOnceAndARefusalIsOnlyALine() throws {
        func result(_ action: String, _ outcome: CommandOutcome, response: String?) -> UpEnvelope {
            Self.envelope(
                .commandResult(CommandResult(id: "c1", station: "CP1", action: action, outcome: outcome, response: response)))
        }
        let approved = IngestRules.changes(
            result(StationApprovalChange.action, .accepted, response: #"{"approval":"rejected"}"#))
        #expect(approved.contains(.approval(station: "CP1", .known(.rejected))))
        let registered = IngestRules.changes(result(StationRegistration.action, .accepted, response: "{}"))
        #expect(registered.contains(.stationKnown("CP1")) && registered.contains(.approval(station: "CP1", .known(.accepted))))
        let refused = IngestRules.changes(
            result(StationApprovalChange.action, .rejected, response: #"{"approval":"accepted"}"#))
        #expect(!refused.contains { if case .approval = $0 { true } else { false } })
        #expect(Self.history(refused).map(\.severity) == [.known(.warning)])
    }

    @Test func aLoadSummaryIsKeptAndLeavesALineOnlyInFailsafeAndTheRulesArePure() {
        func summary(failsafe: Bool) -> UpEnvelope {
            Self.envelope(
                .loadSummary(
                    LoadSummary(
                        time: Self.t0, mode: "meter", failsafe: failsafe, gridLimitA: 40, gridCurrentA: nil, allocatedA: 0,
                        charging: 0, waiting: 0)))
        }
        #expect(Self.history(IngestRules.changes(summary(failsafe: false))).isEmpty)
        #expect(IngestRules.changes(summary(failsafe: false)).count == 1, "the sample itself")
        #expect(Self.history(IngestRules.changes(summary(failsafe: true))).map(\.kind) == ["load_failsafe"])
        let start = Self.envelope(
            .sessionStart(
                SessionStarted(
                    station: "CP1", connector: 1, transactionId: 3, idTag: "CARD", authStatus: "Accepted", meterStartWh: 0,
                    startTime: nil)))
        #expect(IngestRules.changes(start) == IngestRules.changes(start))
        #expect(
            IngestRules.changes(start).last
                == .sessionStarted(
                    SessionStarted(
                        station: "CP1", connector: 1, transactionId: 3, idTag: "CARD", authStatus: .known(.accepted),
                        meterStartWh: 0, startTime: nil), sortAt: Self.t0),
            "a start without its time sorts at the envelope's")
    }

    @Test func aValueANewerEdgeSendsIsKeptAsItCameAndWrittenBackTheSame() async throws {
        let json = #"{"detail":"{}","kind":"tamper","severity":"critical","station":"CP1","time":"2026-11-25T10:00:00.000Z"}"#
        let event = try SyncJSON.decoder().decode(SiteEvent.self, from: Data(json.utf8))
        #expect(event.severity == .unknown("critical"))
        #expect(OpenEnum<TokenStatus>.unknown("Accepted") == .known(.accepted), "equal when the wire says the same")
        #expect(OpenEnum<TokenStatus>.unknown("Accepted").known == .accepted)
        #expect(String(decoding: try SyncJSON.encoder().encode(event), as: UTF8.self) == json)

        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s", name: "s", at: Self.t0)
        _ = try await store.apply(
            [Self.envelope(.event(event)), Self.envelope(Self.status("Occupied", error: "NoError"), seq: 2)],
            receivedAt: Self.t0)
        let kept = try await store.events(EventFilter(site: "s"))
        #expect(Set(kept.map(\.severity)) == ["critical", "info"])
        let station = try #require(try await store.station(site: "s", id: "CP1"))
        #expect(station.connectors.map(\.status) == ["Occupied"])
    }
}
