public import Foundation
import GRDB

extension EdgeStore {
    /// Removes meter samples, status changes and events recorded before `cutoff` (security review, finding 7: nothing
    /// was ever removed). Sessions stay. Oldest first, a few thousand rows per write, so chargers' writes go on in
    /// between; returns how many rows went.
    ///
    /// When a row was recorded is told by the edge's clock, not by the time the charger gave it (a second reader: a
    /// charger whose clock was years behind had its readings removed at once): each call first notes, at `now`, the
    /// last id of each table, and rows go up to the last id noted before `cutoff`. Rows from before the first note
    /// (an upgraded store) are removed once that note is older than `cutoff`. No note is made while the clock says a
    /// time before ``EdgeStore/earliestPlausibleDate`` or before the latest note (a box without a battery-backed
    /// clock that booted before NTP): such a note would later look ancient and take everything recorded before it.
    /// A note more than a day ahead of the clock is forgotten.
    public func prune(before cutoff: Date, now: Date = Date(), batch: Int = 5_000) async throws -> Int {
        let tables = ["meter_sample", "status_log", "event"]
        let bounds = try await write { db in
            // A note dated well ahead (the clock was ahead when it was made, and has been set right since) would stop
            // every later note until that date: it goes. Forgetting notes only ever prunes less.
            // (Only on a plausible clock: on one that says 2000, every note looks ahead.)
            if now >= Self.earliestPlausibleDate {
                try db.execute(
                    sql: "DELETE FROM retention_mark WHERE at > ?",
                    arguments: [now.addingTimeInterval(Self.markTolerance).stored])
            }
            let latest = try Double.fetchOne(db, sql: "SELECT MAX(at) FROM retention_mark")
            let plausible = now >= Self.earliestPlausibleDate && latest.map { now.stored >= $0 } ?? true
            return try tables.map { table -> Int64? in
                if plausible {
                    try db.execute(
                        sql: "INSERT INTO retention_mark (tbl, at, last_id) SELECT ?, ?, COALESCE(MAX(id), 0) FROM \(table)",
                        arguments: [table, now.stored])
                }
                let bound = try Int64.fetchOne(
                    db, sql: "SELECT MAX(last_id) FROM retention_mark WHERE tbl = ? AND at < ?",
                    arguments: [table, cutoff.stored])
                if let bound {
                    // The notes before the one that bounds this run say nothing more.
                    try db.execute(
                        sql: "DELETE FROM retention_mark WHERE tbl = ? AND at < ? AND last_id < ?",
                        arguments: [table, cutoff.stored, bound])
                }
                return bound
            }
        }
        var removed = 0
        for (table, bound) in zip(tables, bounds) {
            guard let bound else { continue }
            while true {
                let count = try await write { db in
                    try db.execute(
                        sql: "DELETE FROM \(table) WHERE id <= ? AND id < (SELECT MIN(id) FROM \(table)) + ?",
                        arguments: [bound, batch])
                    return db.changesCount
                }
                removed += count
                if count == 0 { break }
            }
        }
        return removed
    }

    /// How far ahead of the clock a retention note may be dated before it is taken for one made on a clock that ran
    /// ahead.
    static let markTolerance: TimeInterval = 86_400

    /// The bytes free on the file system of the store, for the metric and its alert.
    public func freeDiskBytes(path: String) -> Int64? {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return (try? FileManager.default.attributesOfFileSystem(forPath: directory)[.systemFreeSize] as? NSNumber)?
            .int64Value
    }
}
