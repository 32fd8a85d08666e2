import CloudStore
import Foundation
import SiteModel
import SyncContract
import Testing

/// Security review, finding 5: an edge store that replaced a lost one, on a wrong clock, sent seqs the cloud had
/// applied already (acknowledged as repeats, then deleted by the edge: lost), and its news looked older than the old
/// store's. Each store now has an epoch, sent in every envelope.
@Suite struct StoreEpochTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_796_100_000)

    static func boot(epoch: String?, seq: Int64, vendor: String) -> UpEnvelope {
        UpEnvelope(
            site: "s", epoch: epoch, seq: seq, timestamp: t0 + Double(seq),
            message: .stationBoot(
                StationBoot(
                    station: "CP1", vendor: vendor, model: "M", serialNumber: nil, firmwareVersion: nil, approval: "accepted",
                    time: t0 + Double(seq))))
    }

    func store() async throws -> SQLiteRepository {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s", name: "S", at: Self.t0)
        return store
    }

    func replacements(_ store: SQLiteRepository) async throws -> [EventView] {
        try await store.events(EventFilter(site: "s", kind: "store_replaced"))
    }

    @Test func anEdgeUpgradedToEpochsDoesNotApplyItsResendsTwice() async throws {
        let store = try await store()
        _ = try await store.apply((1...3).map { Self.boot(epoch: nil, seq: $0, vendor: "Old") }, receivedAt: Self.t0)
        // The same store after an upgrade: its first epoch, and a resend of seq 3 among new messages.
        let outcome = try await store.apply(
            [Self.boot(epoch: "e1", seq: 3, vendor: "Old"), Self.boot(epoch: "e1", seq: 4, vendor: "New")], receivedAt: Self.t0)
        #expect(outcome.duplicates == 1 && outcome.applied == 1)
        #expect(outcome.acknowledged["s"] == [3, 4])
        #expect(try await replacements(store).isEmpty, "the same store, not a replaced one")
        #expect(try await store.station(site: "s", id: "CP1")?.vendor == "New")
    }

    @Test func aReplacedStoreWhoseSeqsStartBelowTheOldOnesIsAppliedAndAlerted() async throws {
        let store = try await store()
        _ = try await store.apply((100...102).map { Self.boot(epoch: "old", seq: $0, vendor: "Old") }, receivedAt: Self.t0)
        // A new box on a wrong clock: its seqs repeat the old store's.
        let outcome = try await store.apply(
            [Self.boot(epoch: "new", seq: 100, vendor: "Replacement")], receivedAt: Self.t0)
        #expect(outcome.applied == 1 && outcome.duplicates == 0, "not taken for a repeat")
        #expect(outcome.storesReplaced == ["s"])
        #expect(try await store.station(site: "s", id: "CP1")?.vendor == "Replacement", "its news is not older news")
        let alert = try #require(try await replacements(store).first)
        #expect(alert.severity == "error" && alert.code == "seq_backwards")
        #expect(alert.detail.contains(#""previousEpoch":"old""#) && alert.detail.contains(#""previousLastSeq":"102""#))
        #expect(try await store.site(id: "s")?.lastSeq == 100)
        // Its own repeats are repeats; a store that replaces it with higher seqs is a warning.
        #expect(try await store.apply([Self.boot(epoch: "new", seq: 100, vendor: "X")], receivedAt: Self.t0).duplicates == 1)
        _ = try await store.apply([Self.boot(epoch: "third", seq: 5_000, vendor: "Third")], receivedAt: Self.t0)
        #expect(try await replacements(store).map(\.severity).sorted() == ["error", "warning"])
    }

    static func start(epoch: String, seq: Int64, transaction: Int, tag: String) -> UpEnvelope {
        UpEnvelope(
            site: "s", epoch: epoch, seq: seq, timestamp: t0 + Double(seq),
            message: .sessionStart(
                SessionStarted(
                    station: "CP1", connector: 1, transactionId: transaction, idTag: tag, authStatus: "Accepted",
                    meterStartWh: 0, startTime: t0 + Double(seq))))
    }

    static func progress(epoch: String, seq: Int64, transaction: Int, energy: Double) -> UpEnvelope {
        UpEnvelope(
            site: "s", epoch: epoch, seq: seq, timestamp: t0 + Double(seq),
            message: .sessionUpdate(
                SessionProgress(
                    station: "CP1", connector: 1, transactionId: transaction, time: t0 + Double(seq), energyWh: energy,
                    powerW: 7000, currentA: 10, soc: nil)))
    }

    static func note(epoch: String, seq: Int64, _ kind: String) -> UpEnvelope {
        UpEnvelope(
            site: "s", epoch: epoch, seq: seq, timestamp: t0 + Double(seq),
            message: .event(SiteEvent(station: "CP1", kind: kind, severity: "info", detail: "{}", time: t0 + Double(seq))))
    }

    @Test func aReplacedStoreOnAWrongClockNeitherCollidesWithNorOverwritesTheOldStoresRecords() async throws {
        let store = try await store()
        _ = try await store.apply(
            [
                Self.start(epoch: "old", seq: 100, transaction: 7, tag: "OLD-CARD"),
                Self.progress(epoch: "old", seq: 101, transaction: 7, energy: 5000),
                Self.note(epoch: "old", seq: 102, "old-note"),
            ], receivedAt: Self.t0)
        // The replacement's seqs and transaction ids start where the old store's did.
        let outcome = try await store.apply(
            [
                Self.note(epoch: "new", seq: 100, "new-note"),
                Self.start(epoch: "new", seq: 101, transaction: 8, tag: "NEW-CARD"),
                Self.progress(epoch: "new", seq: 102, transaction: 8, energy: 1200),
                Self.start(epoch: "new", seq: 103, transaction: 7, tag: "REUSED"),
                Self.progress(epoch: "new", seq: 104, transaction: 7, energy: 99),
            ], receivedAt: Self.t0)
        #expect(outcome.applied == 5 && outcome.duplicates == 0 && outcome.sessionCollisions == 2)
        // Its event and samples are kept beside the old store's (they had the same seqs).
        let kinds = try await store.events(EventFilter(site: "s")).map(\.kind)
        #expect(kinds.contains("old-note") && kinds.contains("new-note"))
        #expect(try await store.session(site: "s", transactionId: 8)?.energyWh == 1200)
        // The old store's session 7 is intact; what the new store said of its own 7 is kept as errors, whole.
        let old = try #require(try await store.session(site: "s", transactionId: 7))
        #expect(old.idTag == "OLD-CARD" && old.energyWh == 5000)
        // (its start, whole, as an error; its progress only counted).
        let failures = try await store.events(EventFilter(site: "s", kind: "ingest_failed"))
        #expect(failures.count == 1)
        #expect(failures.allSatisfy { $0.detail.contains("previous edge store") && $0.detail.contains("REUSED") })
    }

    @Test func aReplacementInTheSameBatchAsTheOldStoresLastMessagesStartsAboveThem() async throws {
        // A second reader: the old store's last seq was read once per batch, so a replacement whose first messages
        // came in the same batch as the old store's queued ones was given too small an offset.
        let store = try await store()
        _ = try await store.apply([Self.note(epoch: "old", seq: 1000, "old-1000")], receivedAt: Self.t0)
        let outcome = try await store.apply(
            (1001...1010).map { Self.note(epoch: "old", seq: $0, "old-\($0)") }
                + [Self.note(epoch: "new", seq: 5, "new-5"), Self.boot(epoch: "new", seq: 6, vendor: "Replacement")],
            receivedAt: Self.t0)
        #expect(outcome.applied == 12 && outcome.duplicates == 0)
        let kinds = Set(try await store.events(EventFilter(site: "s")).map(\.kind))
        #expect(kinds.isSuperset(of: ["old-1010", "new-5"]), "the new store's first note kept beside the old store's last")
        #expect(try await store.station(site: "s", id: "CP1")?.vendor == "Replacement")
        #expect(try await store.site(id: "s")?.lastSeq == 6, "the new store's, not the old store's")
        let alert = try #require(try await replacements(store).first)
        #expect(alert.detail.contains(#""previousLastSeq":"1010""#))
    }
}

@Suite struct CloudRetentionTests {
    let directory = TemporaryDirectory()

    @Test func oldRepeatChecksSamplesAndEventsGoAndSessionsStay() async throws {
        // Security review, finding 7: one row per message ever received was kept for ever, and samples and events.
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s", name: "S", at: Date())
        let old = Date() - 500 * 86_400
        for (seq, time) in [(Int64(1), old), (2, Date())] {
            _ = try await store.apply(
                [
                    UpEnvelope(
                        site: "s", seq: seq * 10, timestamp: time,
                        message: .sessionStart(
                            SessionStarted(
                                station: "CP1", connector: 1, transactionId: Int(seq), idTag: "T", authStatus: "Accepted",
                                meterStartWh: 0, startTime: time))),
                    UpEnvelope(
                        site: "s", seq: seq * 10 + 1, timestamp: time,
                        message: .sessionUpdate(
                            SessionProgress(
                                station: "CP1", connector: 1, transactionId: Int(seq), time: time, energyWh: 5, powerW: 1,
                                currentA: 1, soc: nil))),
                    UpEnvelope(
                        site: "s", seq: seq * 10 + 2, timestamp: time,
                        message: .event(SiteEvent(station: "CP1", kind: "x", severity: "info", detail: "{}", time: time))),
                ], receivedAt: time)
        }
        let removed = try await store.prune(appliedBefore: Date() - 90 * 86_400, recordsBefore: Date() - 400 * 86_400)
        #expect(removed == 3 + 1 + 1, "three repeat checks, a sample, an event")
        #expect(try await store.sessions(SessionFilter()).items.count == 2, "sessions stay")
        #expect(try await store.sessionSamples(site: "s", transactionId: 1, limit: 10).isEmpty)
        #expect(try await store.sessionSamples(site: "s", transactionId: 2, limit: 10).count == 1)
    }
}
