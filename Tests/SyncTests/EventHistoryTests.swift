import CloudCore
import CloudNotify
import CloudReports
import CloudStore
import Foundation
import Logging
import Pricing
import ServerSupport
import SiteModel
import SyncContract
import Synchronization
import Testing

/// The event history people read, over a real SQLite store: a status change in words with the status it left (read
/// by ingest), filters by the charger's own vendor code, paging through any range in both orders with every line
/// once, and the whole filter as CSV however long.
@Suite struct EventHistoryTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    func store(statuses: Int) async throws -> SQLiteRepository {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "s1", at: Self.t0)
        let cycle: [ConnectorStatus] = [.available, .charging, .faulted]
        var envelopes: [UpEnvelope] = []
        for index in 0..<statuses {
            let status = cycle[index % cycle.count]
            let time = Self.t0 + Double(index)
            let change = ConnectorStatusChange(
                station: "CP\(index % 2)", connector: 2, status: .known(status),
                errorCode: status == .faulted ? "GroundFailure" : "NoError", info: nil, vendorId: "ACME",
                vendorErrorCode: status == .faulted ? "E\(index % 4)" : nil, time: time)
            envelopes.append(
                UpEnvelope(site: "s1", epoch: "e", seq: Int64(index + 1), timestamp: time, message: .connectorStatus(change)))
        }
        // One message at a time, as a site sends them: each status change sees the one before it.
        for envelope in envelopes { _ = try await store.apply([envelope], receivedAt: envelope.timestamp) }
        return store
    }

    @Test func aStatusChangeIsToldInWordsWithTheStatusItLeft() async throws {
        let store = try await store(statuses: 6)
        let events = try await store.events(EventFilter(limit: 10, ascending: true))
        // CP0 and CP1 take turns, each going its own way through Available, Charging and Faulted.
        #expect(
            events.map { EventWords.describe($0) } == [
                "Connector 2: Available", "Connector 2: Charging",
                "Connector 2: Available → Faulted, GroundFailure, vendor code E2", "Connector 2: Charging → Available",
                "Connector 2: Faulted → Charging", "Connector 2: Available → Faulted, GroundFailure, vendor code E1",
            ])
        let german = ["status": "Anschluss {connector}: {previous} → {status}", "vendorCode": "Herstellercode {vendorErrorCode}"]
        let fault = try #require(events.first { $0.kind == "status" && $0.detail.contains("Faulted") })
        #expect(EventWords.describe(fault, phrases: german).hasPrefix("Anschluss 2: "))
        #expect(EventWords.describe(fault, phrases: german).hasSuffix("GroundFailure, Herstellercode E2"))
        let unknown = EventView(
            site: "s1", seq: 1, time: Self.t0, station: nil, connector: nil, kind: "security_event", severity: "warning",
            code: nil, detail: #"{"type":"FirmwareUpdated","techInfo":"v2"}"#)
        #expect(EventWords.describe(unknown) == "techInfo: v2, type: FirmwareUpdated")
    }

    @Test func pagesGoThroughAnyRangeInBothOrdersWithEveryLineOnce() async throws {
        let store = try await store(statuses: 250)
        for ascending in [false, true] {
            var filter = EventFilter(limit: 40, ascending: ascending)
            var seen: [Int64] = []
            while true {
                let page = try await store.events(filter)
                seen += page.map(\.seq)
                guard page.count == filter.limit, let last = page.last else { break }
                filter.after = try #require(EventCursor("\(last.cursor)"))
            }
            #expect(seen.count == 250 && Set(seen).count == 250)
            #expect(seen == (ascending ? seen.sorted() : seen.sorted(by: >)))
        }
        let vendor = try await store.events(EventFilter(limit: 1000, vendorCode: "E3"))
        #expect(!vendor.isEmpty && vendor.allSatisfy { $0.detail.contains(#""vendorErrorCode":"E3""#) })
        #expect(EventCursor("12.3") == nil && EventCursor("x.3.s1") == nil)
        #expect(EventCursor("9223372036854775807.0.s1") == nil, "a time the store cannot hold is no cursor, not a trap")
        #expect(EventCursor("1780000000000.7.site.with.dots")?.site == "site.with.dots")
    }

    @Test func theWholeFilterIsOneCSVPageByPage() async throws {
        let store = try await store(statuses: 120)
        var export = EventExport(repository: store, filter: EventFilter(severity: "error", limit: 100))
        export.pageSize = 7
        var text = ""
        let count = try await export.csv { text += $0 }
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)
        #expect(count == 40 && lines.count == 41)
        #expect(lines[0] == "time,site,station,connector,kind,severity,code,vendor_code,words,detail")
        #expect(lines[1].contains(",status,error,GroundFailure,E"))
    }

    @Test func aPricedSessionAndAPendingBootAreLinesRulesHearOf() async throws {
        let store = try await store(statuses: 0)
        func stop(_ transaction: Int, endWh: Double, seq: Int64) -> UpEnvelope {
            UpEnvelope(
                site: "s1", epoch: "e", seq: seq, timestamp: Self.t0 + 3600,
                message: .sessionStop(
                    SessionStopped(
                        station: "CP1", connector: 1, transactionId: transaction, idTag: "CARD-1", meterStartWh: 1000,
                        startTime: Self.t0, meterStopWh: endWh, stopTime: Self.t0 + 3600, reason: "Local")))
        }
        // 11 kWh in an hour is plausible; 900 MWh is not (more than the fleet's maximum power could give).
        _ = try await store.apply([stop(1, endWh: 12_000, seq: 1), stop(2, endWh: 900_001_000, seq: 2)], receivedAt: Self.t0)
        let boot = StationBoot(
            station: "CP-NEW", vendor: "ACME", model: "Wallbox 22", serialNumber: nil, firmwareVersion: "1.0",
            approval: .known(.pending), time: Self.t0 + 10)
        _ = try await store.apply(
            [UpEnvelope(site: "s1", epoch: "e", seq: 3, timestamp: Self.t0 + 10, message: .stationBoot(boot))],
            receivedAt: Self.t0)
        for transaction in [1, 2] {
            let price = SessionPrice(
                currency: "EUR", exclVat: ExactDecimal("3.5")!, inclVat: ExactDecimal("4.165")!, tariff: "t", tariffVersion: 1,
                final: true)
            try await store.setSessionPrice(site: "s1", transactionId: transaction, price: price, idle: nil, at: Self.t0 + 4000)
            // Priced once: a second pricing changes nothing and adds no line.
            try await store.setSessionPrice(site: "s1", transactionId: transaction, price: price, idle: nil, at: Self.t0 + 4001)
        }
        let ended = try await store.events(EventFilter(kind: "session_ended", limit: 10))
            .sorted { EventWords.fields($0.detail)["transactionId"] ?? "" < EventWords.fields($1.detail)["transactionId"] ?? "" }
        #expect(ended.map(\.severity) == ["info", "warning"])
        #expect(EventWords.describe(ended[0]) == "Session 1 ended: 11.000 kWh, 4.165 EUR")
        #expect(EventWords.describe(ended[1]).hasPrefix("Session 2 ended: 4.165 EUR (implausible energy: meter 1000 Wh"))
        let pending = try #require(try await store.events(EventFilter(kind: "boot", limit: 1)).first)
        #expect(
            pending.severity == "warning"
                && EventWords.describe(pending) == "Booted: ACME Wallbox 22, firmware 1.0, waits for approval")
        func lines(_ events: [EventView]) -> [HistoryEvent] {
            events.map {
                HistoryEvent(
                    position: 1, site: $0.site, at: $0.time, station: $0.station, connector: $0.connector, kind: $0.kind,
                    severity: $0.severity, code: $0.code, detail: $0.detail)
            }
        }
        #expect(Classification.classify(lines(ended)[0]).map(\.event) == [.sessionEnded])
        #expect(Classification.classify(lines(ended)[1]).map(\.event) == [.sessionEnded, .suspiciousSession])
        #expect(
            Classification.classify(lines(ended)[0]).first?.summary == "CP1 connector 1: session 1 ended, 11.000 kWh, 4.165 EUR")
        #expect(Classification.classify(lines([pending])[0]).map(\.event) == [.stationPending])
        // Each session's end is told, however soon after another at the same station (no quiet period for them).
        try await store.saveRule(
            NotificationRule(id: "ended", name: "Ended", events: [.sessionEnded], quietMinutes: 15, createdAt: Self.t0))
        try await Notifier(repository: store, webhooks: NotifierTests.Hook(), logger: Logger(label: "test")).tick(
            now: Self.t0 + 5000)
        let told = try await store.notifications(in: nil, organization: nil, alsoRules: [], before: nil, limit: 10)
        #expect(told.map(\.event) == [.sessionEnded, .sessionEnded] && told.allSatisfy { $0.count == 1 })
    }

    @Test func aSitesStatementIsALineAndItsMailLinksIt() async throws {
        let store = try await store(statuses: 0)
        try await store.addOrganization(id: "acme", name: "ACME", at: Self.t0)
        _ = try await store.addSite(id: "s2", name: "s2", at: Self.t0)
        for (kind, subject, sessions) in [(StatementRecord.Kind.site, "s1", 3), (.customer, "acme", 3), (.site, "s2", 0)] {
            let statement = StatementRecord(
                id: "2026-05-\(kind.rawValue)-\(subject)", month: "2026-05", kind: kind, subject: subject, createdAt: Self.t0,
                summary: #"{"sessions":\#(sessions)}"#, csv: "")
            #expect(try await store.addStatement(statement))
            #expect(!(try await store.addStatement(statement)), "made once")
        }
        let lines = try await store.events(EventFilter(kind: "statement_ready", limit: 10))
        #expect(lines.map(\.site) == ["s1"] && EventWords.describe(lines[0]) == "The statement for 2026-05 is ready")
        try await store.saveRule(
            NotificationRule(
                id: "statements", name: "Statements", events: [.statementReady], emails: ["accounts@fleet.test"],
                createdAt: Self.t0))
        let mailbox = NotifierTests.Mailbox()
        let notifier = Notifier(
            repository: store, settings: NotifierSettings(linkBase: "https://cloud.test"), webhooks: NotifierTests.Hook(),
            mailer: mailbox, logger: Logger(label: "test"))
        try await notifier.tick(now: Self.t0 + 1)
        let mailed = try #require(mailbox.sent.withLock { $0["accounts@fleet.test"] })
        #expect(mailed.event == .statementReady && mailed.summary == "site s1: the statement for 2026-05 is ready")
        #expect(mailed.fields["link"] == "https://cloud.test/statements/2026-05-site-s1")
        #expect(mailed.fields["csv"] == "https://cloud.test/statements/2026-05-site-s1/csv")
    }

    @Test func theFilterIsReadFromAQueryNamingWhatIsWrong() throws {
        func filter(_ query: String) throws -> EventFilter {
            let pairs = query.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
            return try Requests.eventFilter(
                Query(parameters: Dictionary(uniqueKeysWithValues: pairs.map { ($0[0], $0[1]) })), scope: nil, limit: 100)
        }
        let read = try filter("order=oldest&vendorCode=E42&from=2026-12-01&to=2026-12-01&after=1780000000000.7.s1")
        #expect(read.ascending && read.vendorCode == "E42" && read.after?.seq == 7)
        #expect(read.to?.timeIntervalSince(try #require(read.from)) == 86_400, "the whole day")
        for (query, name) in [("order=sideways", "order"), ("after=nope", "after"), ("severity=loud", "severity")] {
            #expect(throws: Problem.self, "\(name)") { try filter(query) }
        }
    }
}
