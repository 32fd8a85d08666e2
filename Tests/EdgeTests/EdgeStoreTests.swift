import Foundation
import GRDB
import SiteModel
import SyncContract
import Testing

@testable import EdgeStore

@Suite struct EdgeStoreTests {
    let directory = TemporaryDirectory()
    let t0 = Date(timeIntervalSince1970: 1_764_057_600)

    private func start(
        _ store: EdgeStore, station: String = "CP1", connector: Int = 1, meter: Double = 1000
    ) async throws -> SessionStartOutcome {
        try await store.startSession(
            SessionStart(
                stationId: station, connectorId: connector, idTag: "TAG1", meterStartWh: meter, timestamp: t0,
                authStatus: .accepted),
            receivedAt: t0)
    }

    @Test func retriedStartTransactionGetsSameTransactionId() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let first = try await start(store)
        let retry = try await start(store)
        #expect(first.wasRetry == false)
        #expect(retry == SessionStartOutcome(transactionId: first.transactionId, wasRetry: true))
        #expect(try await store.sessions().count == 1)
    }

    @Test func transactionIdsStayUniqueAcrossRestarts() async throws {
        let path = directory.file("edge.sqlite")
        var store: EdgeStore? = try EdgeStore(path: path)
        let before = try await start(store!, meter: 1)
        try store!.close()
        store = nil
        let reopened = try EdgeStore(path: path)
        let after = try await start(reopened, meter: 2)
        #expect(after.transactionId > before.transactionId)
        #expect(try await reopened.session(id: before.transactionId)?.meterStartWh == 1)
    }

    @Test func aCommandIsTakenOnceAndOneCutShortByAStopIsAnsweredAsFailed() async throws {
        // Security review, finding 11: at most once, and a command cut short by a crash is not left unanswered.
        let path = directory.file("commands.sqlite")
        var store: EdgeStore? = try EdgeStore(path: path, syncsToCloud: true)
        let command = CommandRequest(
            id: "c1", station: "CP1", action: "Reset", payload: #"{"type":"Soft"}"#, expires: Date().addingTimeInterval(60))
        #expect(try await store!.claimCommand(command) == .new)
        #expect(try await store!.claimCommand(command) == .inProgress)
        try store!.close()
        store = nil
        let reopened = try EdgeStore(path: path, syncsToCloud: true)
        #expect(try await reopened.finishInterruptedCommands(at: Date()) == 1)
        guard case .done(let result) = try await reopened.claimCommand(command) else {
            Issue.record("the repeat was not answered from the store")
            return
        }
        #expect(result.outcome == .failed && result.station == "CP1" && result.action == "Reset")
        #expect(try await reopened.finishInterruptedCommands(at: Date()) == 0)
        #expect(try await reopened.forgetCommands(expiredBefore: Date().addingTimeInterval(120)) == 1)
    }

    @Test func theWriteAheadLogIsKeptToASizeLimit() async throws {
        // Security review, finding 39: without journal_size_limit the WAL keeps its largest size for ever.
        let store = try EdgeStore(path: directory.file("wal.sqlite"))
        let limit = try await store.read { db in try Int.fetchOne(db, sql: "PRAGMA journal_size_limit") }
        #expect(limit == EdgeStore.walSizeLimit)
    }

    @Test func aNewStoresFirstTransactionIdRisesWithTheClockAndStaysAValidInt32PastTheYear2030() {
        // Security review, finding 35: seeded ten a second, the seed passed 2^31 on 2030-09-04.
        let day = 86_400.0
        var previous = -1
        for days in stride(from: 0.0, through: 365 * 30, by: 7) {  // to 2055
            let date = Date(timeIntervalSince1970: 1_750_000_000 + days * day)
            let seed = Schema.transactionIdSeed(at: date)
            #expect(seed > previous, "\(date)")
            #expect(seed + 100_000_000 <= Int(Int32.max), "\(date): \(seed)")
            previous = seed
        }
        // Stores made before 2027 were seeded as before, so a replacement made now still starts above them.
        let before = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(Schema.transactionIdSeed(at: before) == (1_790_000_000 - 1_700_000_000) * 10)
        #expect(
            Schema.transactionIdSeed(at: Date(timeIntervalSince1970: 1_900_000_000))
                > Schema.transactionIdSeed(at: Date(timeIntervalSince1970: 1_798_761_600)))
    }

    @Test func stopClosesTheSessionWithItsEnergyAndARetriedStopChangesNothing() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let started = try await start(store)
        let stop = SessionStop(
            stationId: "CP1", transactionId: started.transactionId, meterStopWh: 8500, timestamp: t0 + 3600, reason: "Local")
        let outcome = try await store.stopSession(stop, receivedAt: t0 + 3600)
        #expect(outcome == SessionStopOutcome(sessionId: started.transactionId, wasKnown: true, wasRetry: false))
        let retried = try await store.stopSession(
            SessionStop(stationId: "CP1", transactionId: started.transactionId, meterStopWh: 9999, timestamp: t0 + 7200),
            receivedAt: t0)
        #expect(retried.wasRetry)
        let session = try #require(try await store.session(id: started.transactionId))
        #expect(session.energyWh == 7500)
        #expect(session.stopReason == "Local")
        #expect(session.isActive == false)
    }

    @Test func stopOfATransactionNeverSeenIsRecordedOnceWithItsOwnId() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let begin = MeterSample(
            timestamp: t0,
            readings: [
                MeterReading(
                    measurand: Measurand.energyActiveImportRegister, unit: "Wh", value: 200, context: "Transaction.Begin")
            ])
        let stop = SessionStop(
            stationId: "CP9", transactionId: 4242, idTag: "TAG1", meterStopWh: 5200, timestamp: t0 + 60, samples: [begin])
        let outcome = try await store.stopSession(stop, receivedAt: t0 + 61)
        #expect(outcome == SessionStopOutcome(sessionId: 4242, wasKnown: false, wasRetry: false))
        #expect(try await store.stopSession(stop, receivedAt: t0 + 62).wasRetry)
        let sessions = try await store.sessions(stationId: "CP9")
        #expect(sessions.count == 1)
        #expect(sessions[0].recordedFrom == "stop")
        #expect(sessions[0].energyWh == 5000)
    }

    @Test func stopNamingAnotherStationsTransactionGetsANewSession() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let theirs = try await start(store, station: "CP1")
        let outcome = try await store.stopSession(
            SessionStop(stationId: "CP2", transactionId: theirs.transactionId, meterStopWh: 10, timestamp: t0), receivedAt: t0)
        #expect(outcome.wasKnown == false)
        #expect(outcome.sessionId != theirs.transactionId)
        #expect(try await store.session(id: theirs.transactionId)?.isActive == true)
        #expect(try await store.session(id: outcome.sessionId)?.chargerTransactionId == theirs.transactionId)
    }

    @Test func meterValuesKeepTheLatestReadingsAndLateSamplesDoNotOverwriteThem() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let started = try await start(store)
        func sample(_ at: Date, energy: Double, soc: Double) -> MeterSample {
            MeterSample(
                timestamp: at,
                readings: [
                    MeterReading(measurand: Measurand.energyActiveImportRegister, unit: "Wh", value: energy),
                    MeterReading(measurand: Measurand.powerActiveImport, phase: "L1", unit: "W", value: 3000),
                    MeterReading(measurand: Measurand.powerActiveImport, phase: "L2", unit: "W", value: 3100),
                    MeterReading(measurand: Measurand.currentImport, phase: "L1", unit: "A", value: 13),
                    MeterReading(measurand: Measurand.currentImport, phase: "L2", unit: "A", value: 14),
                    MeterReading(measurand: Measurand.soc, unit: "Percent", value: soc),
                ])
        }
        try await store.recordMeterValues(
            stationId: "CP1", connectorId: 1, transactionId: started.transactionId,
            samples: [sample(t0 + 600, energy: 3000, soc: 40)])
        try await store.recordMeterValues(
            stationId: "CP1", connectorId: 1, transactionId: started.transactionId,
            samples: [sample(t0 + 300, energy: 2000, soc: 30)])
        let session = try #require(try await store.session(id: started.transactionId))
        #expect(session.energyWh == 2000)
        #expect(session.lastPowerW == 6100)
        #expect(session.lastCurrentA == 14)
        #expect(session.lastSoC == 40)
        #expect(try await store.samples(sessionId: started.transactionId).count == 2)
    }

    @Test func newSessionOnAConnectorClosesAnOlderOneWhoseStopWasLost() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let lost = try await start(store, meter: 1000)
        try await store.recordMeterValues(
            stationId: "CP1", connectorId: 1, transactionId: lost.transactionId,
            samples: [
                MeterSample(
                    timestamp: t0 + 60,
                    readings: [MeterReading(measurand: Measurand.energyActiveImportRegister, unit: "Wh", value: 1800)])
            ])
        let next = try await store.startSession(
            SessionStart(
                stationId: "CP1", connectorId: 1, idTag: "TAG2", meterStartWh: 2500, timestamp: t0 + 3600, authStatus: .accepted),
            receivedAt: t0 + 3600)
        let closed = try #require(try await store.session(id: lost.transactionId))
        #expect(closed.isActive == false)
        #expect(closed.stopReason == SessionRecord.supersededReason)
        #expect(closed.energyWh == 800)
        #expect(try await store.sessions(active: true).map(\.id) == [next.transactionId])

        // The lost stop turns up after all: its values replace the edge's estimate, once.
        let late = SessionStop(
            stationId: "CP1", transactionId: lost.transactionId, meterStopWh: 2400, timestamp: t0 + 1800, reason: "EVDisconnected"
        )
        #expect(try await store.stopSession(late, receivedAt: t0 + 3700).wasRetry == false)
        #expect(try await store.stopSession(late, receivedAt: t0 + 3701).wasRetry == true)
        let replaced = try #require(try await store.session(id: lost.transactionId))
        #expect(replaced.energyWh == 1400)
        #expect(replaced.stopReason == "EVDisconnected")
    }

    @Test func queuedOlderStartDoesNotCloseANewerSession() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let newer = try await store.startSession(
            SessionStart(
                stationId: "CP1", connectorId: 1, idTag: "TAG2", meterStartWh: 5000, timestamp: t0 + 3600, authStatus: .accepted),
            receivedAt: t0 + 3600)
        _ = try await start(store, meter: 1000)
        #expect(try await store.session(id: newer.transactionId)?.isActive == true)
    }

    @Test func stopWithAnIdBeyondTheSequenceDoesNotMoveIt() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let before = try await start(store, meter: 1)
        for hostile in [Int(Int32.max) + 1, Int.max] {
            let outcome = try await store.stopSession(
                SessionStop(stationId: "CP7", transactionId: hostile, meterStopWh: 10, timestamp: t0), receivedAt: t0)
            #expect(outcome.sessionId != hostile)
            #expect(try await store.session(id: outcome.sessionId)?.chargerTransactionId == hostile)
        }
        let after = try await start(store, meter: 2)
        #expect(after.transactionId <= Int(Int32.max))
        #expect(after.transactionId < before.transactionId + 10)
    }

    @Test func freshStoreStartsTransactionIdsFromTheClock() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let first = try await start(store)
        #expect(first.transactionId > 600_000_000)
        #expect(first.transactionId <= Int(Int32.max))
    }

    @Test func meterValuesNamingAnotherStationsSessionAreNotAttachedToIt() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let theirs = try await start(store, station: "CP1")
        let sample = MeterSample(
            timestamp: t0 + 60,
            readings: [MeterReading(measurand: Measurand.energyActiveImportRegister, unit: "Wh", value: 99_999)])
        try await store.recordMeterValues(
            stationId: "CP2", connectorId: 1, transactionId: theirs.transactionId, samples: [sample])
        try await store.recordMeterValues(
            stationId: "CP1", connectorId: 2, transactionId: theirs.transactionId, samples: [sample])
        #expect(try await store.samples(sessionId: theirs.transactionId).isEmpty)
        #expect(try await store.session(id: theirs.transactionId)?.lastEnergyWh == 1000)
    }

    /// Many concurrent writers share commits, and every one of them is durable when it returns.
    @Test func concurrentWritesAreGroupCommittedAndAllDurable() async throws {
        let path = directory.file("edge.sqlite")
        let batches = BatchCounter()
        let store = try EdgeStore(path: path) { size, _ in batches.record(size) }
        let t0 = self.t0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<500 {
                group.addTask {
                    _ = try await store.startSession(
                        SessionStart(
                            stationId: "CP\(index)", connectorId: 1, idTag: "T", meterStartWh: 0, timestamp: t0,
                            authStatus: .accepted),
                        receivedAt: t0)
                }
            }
            try await group.waitForAll()
        }
        try store.close()
        #expect(batches.commits < 500)
        #expect(batches.operations == 500)
        #expect(try await EdgeStore(path: path).sessions(limit: 1000).count == 500)
    }

    /// A write that throws inside a shared batch is rolled back alone: what it wrote before throwing is gone, and
    /// every other write of the batch is durable.
    @Test func aFailingWriteInABatchFailsOnlyItsCaller() async throws {
        struct Refused: Error {}
        let path = directory.file("edge.sqlite")
        let batches = BatchCounter()
        let store = try EdgeStore(path: path) { size, _ in batches.record(size) }
        try await store.write { db in try db.execute(sql: "CREATE TABLE probe (n INTEGER NOT NULL)") }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<300 {
                group.addTask {
                    do {
                        try await store.write { db in
                            try db.execute(sql: "INSERT INTO probe (n) VALUES (?)", arguments: [index])
                            if index % 100 == 50 { throw Refused() }
                        }
                        return (index, true)
                    } catch is Refused {
                        return (index, false)
                    }
                }
            }
            return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        try store.close()
        #expect(outcomes.filter { !$0.value }.keys.sorted() == [50, 150, 250])
        #expect(batches.commits < 301)
        let reopened = try EdgeStore(path: path)
        let stored = try await reopened.write { db in try Int.fetchAll(db, sql: "SELECT n FROM probe ORDER BY n") }
        #expect(stored == (0..<300).filter { $0 % 100 != 50 })
    }

    @Test func tokensOfOneSourceAreReplacedTogether() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        try await store.replaceTokens(
            source: "config",
            with: [
                TokenRecord(idTag: "A", status: .accepted, source: "config"),
                TokenRecord(idTag: "B", status: .blocked, source: "config"),
            ])
        try await store.replaceTokens(source: "config", with: [TokenRecord(idTag: "A", status: .accepted, source: "config")])
        #expect(try await store.tokens().map(\.idTag) == ["A"])
        #expect(try await store.token(idTag: "B") == nil)
        // A token to be asked of the cloud first keeps that mark.
        try await store.replaceTokens(
            source: "cloud", with: [TokenRecord(idTag: "R", status: .accepted, source: "cloud", askFirst: true)])
        #expect(try await store.token(idTag: "R")?.askFirst == true)
        #expect(try await store.token(idTag: "A")?.askFirst == false)
    }
}

final class BatchCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var sizes: [Int] = []
    func record(_ size: Int) { lock.withLock { sizes.append(size) } }
    var commits: Int { lock.withLock { sizes.count } }
    var operations: Int { lock.withLock { sizes.reduce(0, +) } }
}

@Suite struct ReadingsJSONTests {
    @Test func handWrittenReadingsJSONDecodesBackToTheSameReadings() throws {
        let readings = [
            MeterReading(
                measurand: Measurand.energyActiveImportRegister, unit: "Wh", value: 12_345.678, context: "Sample.Periodic"),
            MeterReading(measurand: Measurand.currentImport, phase: "L2", unit: "A", value: -0.5, location: "Outlet"),
            MeterReading(measurand: Measurand.energyActiveImportRegister, unit: "Wh", value: nil, signedData: "AB\"C\\D\n\u{1}é"),
            MeterReading(measurand: Measurand.soc, unit: "Percent", value: 1e-7),
        ]
        let json = ReadingsJSON.encode(readings)
        #expect(try JSONDecoder().decode([MeterReading].self, from: Data(json.utf8)) == readings)
        #expect(ReadingsJSON.encode([]) == "[]")
    }
}

@Suite struct RetentionTests {
    let directory = TemporaryDirectory()

    @Test func oldSamplesStatusesAndEventsGoAndSessionsStay() async throws {
        // Security review, finding 7: nothing the edge recorded was ever removed.
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        let now = Date()
        let old = now.addingTimeInterval(-500 * 86_400)
        func insert(_ index: Int, chargerTime: Date) async throws {
            try await store.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO meter_sample (station_id, connector_id, timestamp, readings) VALUES ('CP1', 1, ?, '[]');
                        INSERT INTO event (station_id, kind, detail, timestamp) VALUES ('CP1', 'data_transfer', '{}', ?);
                        INSERT INTO status_log (station_id, connector_id, status, timestamp, received_at)
                            VALUES ('CP1', 1, 'Available', ?, ?);
                        INSERT INTO session (station_id, connector_id, id_tag, meter_start_wh, start_time, recorded_from,
                            created_at)
                            VALUES ('CP1', 1, 'T\(index)', 0, ?, 'start', ?)
                        """,
                    arguments: StatementArguments(Array(repeating: chargerTime.stored, count: 6)))
            }
        }
        // Two rows recorded now (the retention run then notes how far each table had come).
        for index in 0..<2 { try await insert(index, chargerTime: old) }
        #expect(try await store.prune(before: now.addingTimeInterval(-400 * 86_400), now: now) == 0)
        // One recorded later by a charger whose clock says 1970: it stays, as it was recorded after the note.
        try await insert(2, chargerTime: Date(timeIntervalSince1970: 0))
        // A run on a clock that says 2000 (a box that booted before NTP) notes nothing that would later look ancient.
        #expect(try await store.prune(before: Date(timeIntervalSince1970: 0), now: Date(timeIntervalSince1970: 946_684_800)) == 0)
        let marks = try await store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM retention_mark") }
        #expect(marks == 3, "one note per table, from the first run only")
        // 500 days on, what was noted then is past the retention.
        let later = now.addingTimeInterval(500 * 86_400)
        #expect(try await store.prune(before: later.addingTimeInterval(-400 * 86_400), now: later, batch: 1) == 6)
        let left = try await store.pool.read { db in
            try ["meter_sample", "event", "status_log", "session"].map {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1
            }
        }
        #expect(left == [1, 1, 1, 3], "the recent rows, and every session")
        #expect(try await store.prune(before: later.addingTimeInterval(-400 * 86_400), now: later) == 0, "nothing twice")
        func noteTimes() async throws -> [Double] {
            try await store.pool.read { try Double.fetchAll($0, sql: "SELECT DISTINCT at FROM retention_mark ORDER BY at") }
        }
        // A run on a clock an hour behind the last note notes nothing; a run after the clock ran ten years ahead and
        // was set right forgets that note, so notes go on.
        _ = try await store.prune(before: Date(timeIntervalSince1970: 0), now: later.addingTimeInterval(-3600))
        #expect(try await noteTimes() == [now.stored, later.stored])
        let ahead = later.addingTimeInterval(10 * 365 * 86_400)
        _ = try await store.prune(before: Date(timeIntervalSince1970: 0), now: ahead)
        #expect(try await noteTimes() == [now.stored, later.stored, ahead.stored])
        let setRight = later.addingTimeInterval(7200)
        _ = try await store.prune(before: Date(timeIntervalSince1970: 0), now: setRight)
        #expect(try await noteTimes() == [now.stored, later.stored, setRight.stored])
    }
}
