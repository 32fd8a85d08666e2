import CloudStore
import Foundation
import GRDB
import SiteModel
import SyncContract
import Testing

@Suite struct CloudStoreTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_795_600_000)

    static func sessionMessages(site: String, transaction: Int = 7) -> [UpEnvelope] {
        let messages: [UpMessage] = [
            .sessionStart(
                SessionStarted(
                    station: "CP-\(site)", connector: 1, transactionId: transaction, idTag: "CARD", authStatus: "Accepted",
                    meterStartWh: 1000, startTime: t0)),
            .sessionUpdate(
                SessionProgress(
                    station: "CP-\(site)", connector: 1, transactionId: transaction, time: t0 + 600, energyWh: 3000, powerW: 7000,
                    currentA: 10, soc: 40)),
            .sessionUpdate(
                SessionProgress(
                    station: "CP-\(site)", connector: 1, transactionId: transaction, time: t0 + 1200, energyWh: 6000,
                    powerW: 6500, currentA: 9, soc: 60)),
            .sessionStop(
                SessionStopped(
                    station: "CP-\(site)", connector: 1, transactionId: transaction, idTag: "CARD", meterStartWh: 1000,
                    startTime: t0,
                    meterStopWh: 9000, stopTime: t0 + 3600, reason: "Local")),
        ]
        return messages.enumerated().map { UpEnvelope(site: site, seq: Int64($0.offset + 1), timestamp: t0, message: $0.element) }
    }

    static func permutations<T>(_ items: [T]) -> [[T]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { index in
            var rest = items
            let head = rest.remove(at: index)
            return permutations(rest).map { [head] + $0 }
        }
    }

    @Test func everyArrivalOrderOfASessionGivesTheSameSession() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let orders = Self.permutations(Array(0..<4))
        var results: [SessionView] = []
        for (index, order) in orders.enumerated() {
            let site = "site-\(index)"
            _ = try await store.addSite(id: site, name: site, at: Self.t0)
            let messages = Self.sessionMessages(site: site)
            for position in order {
                _ = try await store.apply([messages[position]], receivedAt: Self.t0)
            }
            results.append(try #require(try await store.session(site: site, transactionId: 7)))
        }
        for result in results {
            #expect(result.energyWh == 8000 && result.soc == 60 && !result.active && result.meterStartWh == 1000)
            #expect(result.startTime == Self.t0 && result.stopReason == "Local")
        }
    }

    @Test func aRepeatedBatchIsAcknowledgedButAppliedOnce() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s", name: "s", at: Self.t0)
        let messages = Self.sessionMessages(site: "s")
        let first = try await store.apply(messages, receivedAt: Self.t0)
        let again = try await store.apply(messages + messages, receivedAt: Self.t0)
        #expect(first.applied == 4 && first.duplicates == 0)
        #expect(again.applied == 0 && again.duplicates == 8)
        #expect(again.acknowledged["s"]?.sorted() == [1, 1, 2, 2, 3, 3, 4, 4])
        #expect(try await store.sessions(SessionFilter(site: "s")).items.count == 1)
        #expect(try await store.site(id: "s")?.lastSeq == 4)
    }

    @Test func aMessageThatCannotBeAppliedIsKeptAsAnErrorEventAndAcknowledged() async throws {
        let path = directory.file("cloud.sqlite")
        let store = try SQLiteRepository(path: path)
        _ = try await store.addSite(id: "s", name: "s", at: Self.t0)
        // A store that refuses one session, as a constraint the message breaks would: the rest of the batch applies.
        let saboteur = try DatabaseQueue(path: path)
        try await saboteur.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER refuse_666 BEFORE INSERT ON session WHEN NEW.transaction_id = 666
                    BEGIN SELECT RAISE(ABORT, 'session 666 refused'); END
                    """)
        }
        try saboteur.close()
        let batch = [7, 666, 8].enumerated().map { index, transaction in
            UpEnvelope(
                site: "s", seq: Int64(index + 1), timestamp: Self.t0,
                message: .sessionStart(
                    SessionStarted(
                        station: "CP", connector: 1, transactionId: transaction, idTag: "CARD", authStatus: "Accepted",
                        meterStartWh: 0, startTime: Self.t0)))
        }
        let outcome = try await store.apply(batch, receivedAt: Self.t0)
        #expect(outcome.acknowledged["s"] == [1, 2, 3], "acknowledged, so the edge does not resend it forever")
        let sessions = try await store.sessions(SessionFilter(site: "s")).items.map(\.transactionId)
        #expect(sessions.sorted() == [7, 8])
        let failures = try await store.events(EventFilter(site: "s", kind: "ingest_failed"))
        #expect(failures.count == 1)
        #expect(failures.first?.seq == 2 && failures.first?.severity == "error" && failures.first?.code == "session.start")
        #expect(failures.first?.detail.contains("session 666 refused") == true)
        let again = try await store.apply(batch, receivedAt: Self.t0)
        #expect(again.duplicates == 3 && again.applied == 0, "a resend is a repeat, not a second failure")
    }

    @Test func theSameSeqTwiceInOneBatchIsARepeat() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s", name: "s", at: Self.t0)
        // The same seq twice within one batch, with different content: the first wins, the second is a repeat.
        let a = UpEnvelope(
            site: "s", seq: 1, timestamp: Self.t0,
            message: .event(SiteEvent(station: nil, kind: "a", severity: "info", detail: "{}", time: Self.t0)))
        var b = a
        b.message = .event(SiteEvent(station: nil, kind: "b", severity: "info", detail: "{}", time: Self.t0))
        let outcome = try await store.apply([a, b], receivedAt: Self.t0)
        #expect(outcome.applied == 1 && outcome.duplicates == 1)
        #expect(try await store.events(EventFilter(site: "s")).map(\.kind) == ["a"])
    }

    @Test func sessionListsFilterScopeAndPage() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        for site in ["a", "b"] {
            _ = try await store.addSite(id: site, name: site, at: Self.t0)
            let starts = (1...30).map { n in
                UpEnvelope(
                    site: site, seq: Int64(n), timestamp: Self.t0,
                    message: .sessionStart(
                        SessionStarted(
                            station: "CP-\(site)", connector: 1, transactionId: n, idTag: n % 2 == 0 ? "EVEN" : "ODD",
                            authStatus: "Accepted", meterStartWh: 0, startTime: Self.t0 + Double(n) * 60)))
            }
            _ = try await store.apply(starts, receivedAt: Self.t0)
        }
        var seen: [String] = []
        var cursor: SessionCursor?
        repeat {
            let page = try await store.sessions(SessionFilter(limit: 7, after: cursor))
            seen += page.items.map { "\($0.site)\($0.transactionId)" }
            cursor = page.next.flatMap(SessionCursor.init(token:))
        } while cursor != nil
        #expect(seen.count == 60 && Set(seen).count == 60)
        #expect(
            try await store.sessions(SessionFilter(scope: Scope(sites: ["b"]), limit: 500)).items.allSatisfy { $0.site == "b" })
        #expect(try await store.sessions(SessionFilter(scope: Scope(), limit: 500)).items.isEmpty)
        #expect(try await store.sessions(SessionFilter(idTag: "EVEN", limit: 500)).items.count == 30)
        let window = try await store.sessions(SessionFilter(site: "a", from: Self.t0 + 600, to: Self.t0 + 900, limit: 500))
        #expect(window.items.map(\.transactionId) == [14, 13, 12, 11, 10])
    }
}

@Suite struct SiteSummaryTests {
    let directory = TemporaryDirectory()

    /// The home dashboard's counts: connectors by state, those of a disconnected station and of an offline site as
    /// inoperative, charging power of active sessions.
    @Test func connectorsAreCountedByStateAndUnreachableOnesAsInoperative() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let now = Date()
        var seq: Int64 = 0
        func envelope(_ site: String, _ message: UpMessage) -> UpEnvelope {
            seq += 1
            return UpEnvelope(site: site, seq: seq, timestamp: now, message: message)
        }
        func status(_ station: String, _ connector: Int, _ status: String) -> UpMessage {
            .connectorStatus(
                ConnectorStatusChange(
                    station: station, connector: connector, status: OpenEnum(rawValue: status), errorCode: "NoError", info: nil,
                    vendorId: nil,
                    vendorErrorCode: nil, time: now))
        }
        for site in ["a", "b"] { _ = try await store.addSite(id: site, name: site, at: now) }
        try await store.setPresence(site: "a", online: true, at: now)
        _ = try await store.apply(
            [
                envelope("a", .stationConnection(StationConnection(station: "A1", connected: true, time: now))),
                envelope("a", status("A1", 0, "Available")),  // the station itself: not a connector
                envelope("a", status("A1", 1, "Charging")), envelope("a", status("A1", 2, "Available")),
                envelope("a", .stationConnection(StationConnection(station: "A2", connected: true, time: now))),
                envelope("a", status("A2", 1, "Faulted")), envelope("a", status("A2", 2, "Reserved")),
                envelope("a", .stationConnection(StationConnection(station: "A3", connected: false, time: now))),
                envelope("a", status("A3", 1, "Charging")),
                envelope(
                    "a",
                    .sessionStart(
                        SessionStarted(
                            station: "A1", connector: 1, transactionId: 1, idTag: "T", authStatus: "Accepted", meterStartWh: 0,
                            startTime: now))),
                envelope(
                    "a",
                    .sessionUpdate(
                        SessionProgress(
                            station: "A1", connector: 1, transactionId: 1, time: now, energyWh: 10, powerW: 7400, currentA: 32,
                            soc: nil))),
                envelope("b", .stationConnection(StationConnection(station: "B1", connected: true, time: now))),
                envelope("b", status("B1", 1, "Charging")),
            ], receivedAt: now)
        _ = try await store.apply(
            [
                envelope(
                    "a",
                    .siteMeter(
                        SiteMeterSample(
                            time: now,
                            meters: [
                                .init(name: "grid", role: "grid", currentA: [20, 21, 19], powerW: 13_800, energyImportWh: nil)
                            ])))
            ], receivedAt: now)
        let summaries = Dictionary(uniqueKeysWithValues: try await store.siteSummaries(in: nil).map { ($0.site, $0) })
        let a = try #require(summaries["a"])
        #expect(a.stations == 3 && a.stationsOffline == 1)
        #expect(a.inUse == 1 && a.available == 1 && a.reserved == 1 && a.faulted == 1)
        #expect(a.inoperative == 2, "the faulted connector and the disconnected station's")
        #expect(a.activeSessions == 1 && a.powerW == 7400)
        #expect(a.gridPowerW == 13_800, "the grid meter's latest reading")
        // Site b's edge is not online: all its connectors are inoperative, whatever they last reported.
        let b = try #require(summaries["b"])
        #expect(!b.online && b.inUse == 0 && b.inoperative == 1 && b.stationsOffline == 1)
        #expect(try await store.siteSummaries(in: Scope(sites: ["b"])).map(\.site) == ["b"])
        let alerts = try await store.alerts(in: nil, limit: 10)
        #expect(Set(alerts.map(\.kind)) == ["siteOffline", "stationOffline", "faulted"])
        #expect(try await store.alerts(in: Scope(sites: ["a"]), limit: 10).allSatisfy { $0.site == "a" })
    }
}
