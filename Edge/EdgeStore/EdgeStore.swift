public import Foundation
public import GRDB

/// The edge's durable state in one SQLite file (WAL, `synchronous=FULL`): stations, connectors and their
/// history, sessions, meter samples, events and local tokens.
///
/// Every write returns only once it is committed to disk; writes from many chargers share commits.
public final class EdgeStore: Sendable {
    let pool: DatabasePool
    let writer: GroupCommitWriter
    /// Whether changes are also put in the outbox for the cloud.
    let syncsToCloud: Bool
    /// This store's epoch: random, made with the store, sent in every envelope (see ``UpEnvelope/epoch``).
    public let epoch: String
    /// One element after each committed batch (the newest only, when no one is listening): the cloud link sends the
    /// outbox when it hears of a commit. One listener for the store's life: an `AsyncStream` has one consumer, and
    /// ends for good when the task iterating it is cancelled.
    public let commits: AsyncStream<Void>

    /// A clock before this is wrong (a board without a battery-backed clock that booted before NTP set the time):
    /// a new store seeds its seqs and transaction ids from the clock, so none is made then.
    public static let earliestPlausibleDate = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01T00:00:00Z

    /// Opens (creating when needed) the database at `path` and brings its schema up to date.
    ///
    /// - Parameters:
    ///   - syncsToCloud: also put every change the cloud hears of in the outbox, in the same transaction.
    ///   - onCommit: told the size and duration of every committed batch (for metrics).
    /// The most the write-ahead log keeps on disk between checkpoints once they have caught up, in bytes.
    public static let walSizeLimit = 64 << 20

    public init(
        path: String, syncsToCloud: Bool = false, now: Date = Date(),
        onCommit: @escaping @Sendable (Int, Duration) -> Void = { _, _ in }
    ) throws {
        self.syncsToCloud = syncsToCloud
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // FULL: a commit is on disk, not just in the OS cache, before a charger hears "accepted".
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // After a checkpoint the WAL shrinks back to this, instead of keeping its largest size for ever.
            try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walSizeLimit)")
        }
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        // Security review, finding 5: a store made on a wrong clock would start its seqs and transaction ids below
        // those of the store it replaces.
        if now < Self.earliestPlausibleDate, try pool.read({ try !$0.tableExists("session") }) {
            throw EdgeStoreError.implausibleClock(now)
        }
        try Schema.migrator.migrate(pool)
        epoch = try pool.read { try String.fetchOne($0, sql: "SELECT epoch FROM store_identity") } ?? ""
        let (commits, committed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.commits = commits
        writer = GroupCommitWriter(writer: pool) { size, duration in
            onCommit(size, duration)
            committed.yield()
        }
    }

    /// Runs a write in the next group commit and returns once it is durable.
    public func write<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.write(operation)
    }

    /// Runs a read on a snapshot of the database.
    public func read<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(operation)
    }

    /// Waits until every write submitted so far is committed.
    public func drain() async {
        await writer.drain()
    }

    /// Closes the database. Call ``drain()`` first: writes still queued fail once it is closed.
    public func close() throws {
        try pool.close()
    }
}

extension Date {
    /// How the store keeps a timestamp: seconds since 1970 as a REAL, exact to well below a millisecond.
    /// (GRDB's default text form truncates to the millisecond and costs a DateFormatter call per value.)
    var stored: Double { timeIntervalSince1970 }
}

extension Optional where Wrapped == Date {
    var stored: Double? { self?.timeIntervalSince1970 }
}

/// Why the store cannot be opened.
public enum EdgeStoreError: Error, CustomStringConvertible {
    case implausibleClock(Date)

    public var description: String {
        switch self {
        case .implausibleClock(let now):
            "the clock says \(now.formatted(.iso8601)), which cannot be right: a new store starts its message numbers "
                + "and transaction ids from the clock, so it is not made now; set the time (NTP: the systemd unit waits "
                + "for time-sync.target) and start again"
        }
    }
}
