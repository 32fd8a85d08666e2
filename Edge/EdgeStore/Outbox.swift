public import Foundation
import GRDB
public import SyncContract

/// A message waiting in the outbox for the cloud's acknowledgement.
public struct OutboxEntry: Sendable, Equatable {
    /// The site's sequence number: the row's id, which SQLite never hands out twice (AUTOINCREMENT).
    public let seq: Int64
    public let type: String
    public let timestamp: Date
    /// The message's `data`, as JSON.
    public let data: String

    /// The whole envelope, ready to publish; `epoch` is the store's (``EdgeStore/epoch``).
    public func envelope(site: String, epoch: String?) -> [UInt8] {
        UpEnvelope.encode(site: site, epoch: epoch, seq: seq, timestamp: timestamp, type: type, data: data)
    }
}

/// How full the outbox is.
public struct OutboxState: Sendable, Equatable {
    public var count: Int
    public var samples: Int
    public var oldest: Date?
}

extension EdgeStore {
    /// Puts a message in the outbox, in the same transaction as the change it reports, so a crash can lose
    /// neither without the other. Does nothing when the edge does not sync to a cloud.
    func enqueue(_ db: Database, _ message: UpMessage, at time: Date) throws {
        guard syncsToCloud else { return }
        let data = String(decoding: try message.encodedData(), as: UTF8.self)
        let kind = UpMessage.Kind(rawValue: message.type)
        try db.cachedStatement(sql: "INSERT INTO outbox (type, sample, timestamp, data) VALUES (?, ?, ?, ?)")
            .execute(arguments: [message.type, kind?.isSample ?? false, time.stored, data])
    }

    /// Puts a message that reports no change of the store (a meter sample, a command result) in the outbox.
    public func enqueue(_ message: UpMessage, at time: Date) async throws {
        try await write { db in try self.enqueue(db, message, at: time) }
    }

    /// Messages after `seq`, oldest first.
    public func outbox(after seq: Int64, limit: Int) async throws -> [OutboxEntry] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, type, timestamp, data FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [seq, limit]
            ).map { row in
                OutboxEntry(seq: row["seq"], type: row["type"], timestamp: row["timestamp"], data: row["data"])
            }
        }
    }

    /// Removes messages the cloud has acknowledged; returns how many were still there.
    @discardableResult
    public func acknowledge(_ seqs: [Int64]) async throws -> Int {
        guard !seqs.isEmpty else { return 0 }
        return try await write { db in
            var removed = 0
            for chunk in stride(from: 0, to: seqs.count, by: 500) {
                let part = Array(seqs[chunk..<min(chunk + 500, seqs.count)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ",")
                try db.execute(sql: "DELETE FROM outbox WHERE seq IN (\(marks))", arguments: StatementArguments(part))
                removed += db.changesCount
            }
            return removed
        }
    }

    public func outboxState() async throws -> OutboxState {
        try await read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*) AS count, COALESCE(SUM(sample), 0) AS samples, MIN(timestamp) AS oldest FROM outbox")
            return OutboxState(count: row?["count"] ?? 0, samples: row?["samples"] ?? 0, oldest: row?["oldest"])
        }
    }

    /// Keeps the outbox at `maxEntries` by deleting its oldest samples (session updates, site meter samples,
    /// load summaries). Sessions, status changes, events and command results are never deleted: with only
    /// those left, the outbox grows past the bound. Returns how many samples were deleted.
    public func thinOutbox(maxEntries: Int) async throws -> Int {
        try await write { db in
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0
            guard count > maxEntries else { return 0 }
            try db.execute(
                sql: "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE sample = 1 ORDER BY seq LIMIT ?)",
                arguments: [count - maxEntries])
            return db.changesCount
        }
    }
}
