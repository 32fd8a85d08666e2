public import Foundation
import GRDB

extension EdgeStore {
    /// Removes meter samples, status changes and events recorded before `cutoff` (security review, finding 7: nothing
    /// was ever removed). Sessions stay. Oldest first, a few thousand rows per write, so chargers' writes go on in
    /// between; returns how many rows went.
    public func prune(before cutoff: Date, batch: Int = 5_000) async throws -> Int {
        var removed = 0
        for table in ["meter_sample", "status_log", "event"] {
            while true {
                let count = try await write { db in
                    // Ids grow with time: a range of the oldest ids, of which those recorded before the cutoff.
                    try db.execute(
                        sql: """
                            DELETE FROM \(table) WHERE id IN (
                                SELECT id FROM \(table) WHERE id < (SELECT MIN(id) FROM \(table)) + ? AND timestamp < ?
                            )
                            """, arguments: [batch, cutoff.stored])
                    return db.changesCount
                }
                removed += count
                if count == 0 { break }
            }
        }
        return removed
    }

    /// The bytes free on the file system of the store, for the metric and its alert.
    public func freeDiskBytes(path: String) -> Int64? {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return (try? FileManager.default.attributesOfFileSystem(forPath: directory)[.systemFreeSize] as? NSNumber)?
            .int64Value
    }
}
