import EdgeStore
import Foundation
import SiteModel
import SyncContract
import Testing

@testable import EdgeSync

@Suite struct EdgeOutboxTests {
    let directory = TemporaryDirectory()
    let t0 = Date(timeIntervalSince1970: 1_795_600_000)

    private func start(_ store: EdgeStore, meter: Double = 1000) async throws -> SessionStartOutcome {
        try await store.startSession(
            SessionStart(
                stationId: "CP1", connectorId: 1, idTag: "TAG", meterStartWh: meter, timestamp: t0, authStatus: .accepted),
            receivedAt: t0)
    }

    @Test func everyChangeTheCloudHearsOfIsInTheOutboxOnceAndInOrder() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"), syncsToCloud: true)
        let started = try await start(store)
        _ = try await start(store)  // a charger's retry: no second message
        try await store.recordMeterValues(
            stationId: "CP1", connectorId: 1, transactionId: started.transactionId,
            samples: [
                MeterSample(
                    timestamp: t0.addingTimeInterval(60),
                    readings: [MeterReading(measurand: "Energy.Active.Import.Register", unit: "Wh", value: 1500)])
            ])
        _ = try await store.stopSession(
            SessionStop(
                stationId: "CP1", transactionId: started.transactionId, meterStopWh: 2000, timestamp: t0.addingTimeInterval(120)),
            receivedAt: t0)
        let entries = try await store.outbox(after: 0, limit: 100)
        #expect(entries.map(\.type) == ["session.start", "session.update", "session.stop"])
        #expect(entries.map(\.seq) == entries.map(\.seq).sorted())
        let stop = try UpEnvelope.decode(entries[2].envelope(site: "s", epoch: store.epoch))
        #expect(stop.epoch == store.epoch && UpEnvelope.isValidEpoch(store.epoch))
        guard case .sessionStop(let stopped) = stop.message else {
            Issue.record("not a stop: \(stop.message)")
            return
        }
        #expect(stopped.meterStartWh == 1000 && stopped.meterStopWh == 2000 && stopped.transactionId == started.transactionId)
    }

    @Test func aStoreIsNotMadeOnAClockThatCannotBeRightAndEachHasItsOwnEpoch() async throws {
        // Security review, finding 5: a board without a clock that boots before NTP would seed a new store's seqs and
        // transaction ids below those of the store it replaces.
        let path = directory.file("early.sqlite")
        #expect(throws: EdgeStoreError.self) {
            try EdgeStore(path: path, syncsToCloud: true, now: Date(timeIntervalSince1970: 86_400))
        }
        let made = try EdgeStore(path: path, syncsToCloud: true)
        let epoch = made.epoch
        try made.close()
        // An existing store opens whatever the clock says, with the epoch it was made with; another store has another.
        #expect(try EdgeStore(path: path, syncsToCloud: true, now: Date(timeIntervalSince1970: 86_400)).epoch == epoch)
        #expect(try EdgeStore(path: directory.file("other.sqlite")).epoch != epoch)
    }

    @Test func seqsStartFromTheClockSoAReplacedDatabaseNeverRepeatsThem() async throws {
        let before = Int64(Date().timeIntervalSince1970 * 1000) * 1000
        let store = try EdgeStore(path: directory.file("edge.sqlite"), syncsToCloud: true)
        _ = try await start(store)
        let seq = try #require(try await store.outbox(after: 0, limit: 1).first?.seq)
        #expect(seq > before)
    }

    @Test func acknowledgedMessagesLeaveAndFullOutboxesLoseSamplesOnly() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"), syncsToCloud: true)
        for index in 0..<30 {
            try await store.enqueue(.siteMeter(SiteMeterSample(time: t0.addingTimeInterval(Double(index)), meters: [])), at: t0)
            try await store.enqueue(
                .event(SiteEvent(station: "CP1", kind: "k\(index)", severity: "info", detail: "{}", time: t0)), at: t0)
        }
        let first = try await store.outbox(after: 0, limit: 2)
        #expect(try await store.acknowledge(first.map(\.seq)) == 2)
        #expect(try await store.acknowledge(first.map(\.seq)) == 0)
        #expect(try await store.thinOutbox(maxEntries: 40) == 18)
        let state = try await store.outboxState()
        #expect(state.count == 40 && state.samples == 11)
        // Only events left beyond the bound: kept all the same.
        #expect(try await store.thinOutbox(maxEntries: 10) == 11)
        #expect(try await store.outboxState().count == 29)
    }

    @Test func aStoreThatDoesNotSyncWritesNoOutbox() async throws {
        let store = try EdgeStore(path: directory.file("edge.sqlite"))
        _ = try await start(store)
        #expect(try await store.outbox(after: 0, limit: 10).isEmpty)
    }
}

@Suite struct OutboxWindowTests {
    let t0 = ContinuousClock.now

    @Test func sendsAtMostTheWindowAndResumesAsAcksArrive() {
        var window = OutboxWindow(size: 3, ackTimeout: .seconds(10))
        _ = window.sent([5, 6, 7], now: t0, readAt: 0)
        #expect(window.room == 0 && window.cursor == 7)
        window.acknowledged([6])
        #expect(window.room == 1)
        window.acknowledged([42])  // an ack of an older send: harmless
        #expect(window.room == 1)
    }

    @Test func aMessageWithoutItsAckIsOverdueEvenWhileLaterOnesAreAcknowledged() {
        var window = OutboxWindow(size: 10, ackTimeout: .seconds(10))
        #expect(!window.isOverdue(now: t0 + .seconds(60)), "nothing in flight is nothing overdue")
        _ = window.sent([1, 2], now: t0, readAt: 0)
        #expect(!window.isOverdue(now: t0 + .seconds(9)))
        // 2 is lost; 3, 4 and 5 are sent and acknowledged, again and again.
        window.acknowledged([1])
        for (offset, seq) in [(3, Int64(3)), (6, 4), (9, 5)] {
            _ = window.sent([seq], now: t0 + .seconds(offset), readAt: 0)
            window.acknowledged([seq])
        }
        #expect(window.isOverdue(now: t0 + .seconds(11)), "acks of other messages do not excuse a missing one")
        window.rewind()
        #expect(window.cursor == 0 && window.room == 10)
        #expect(!window.isOverdue(now: t0 + .seconds(11)))
        _ = window.sent([2], now: t0 + .seconds(11), readAt: window.generation)
        #expect(!window.isOverdue(now: t0 + .seconds(20)), "the resend starts its own wait")
    }

    @Test func aBatchReadBeforeARewindIsNotRecordedAfterIt() {
        var window = OutboxWindow(size: 10, ackTimeout: .seconds(10))
        let first = window.sent([1, 2], now: t0, readAt: window.generation)
        #expect(first)
        let readAt = window.generation
        window.rewind()  // while 3 and 4 were being read
        let late = window.sent([3, 4], now: t0, readAt: readAt)
        #expect(!late, "sending it would move the cursor past 1 and 2")
        #expect(window.cursor == 0 && window.room == 10)
    }
}
