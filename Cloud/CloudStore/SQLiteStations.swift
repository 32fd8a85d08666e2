public import Foundation
import GRDB
import SyncContract

extension SQLiteRepository {
    public func setConnectorTypes(_ key: StationKey, _ types: [ConnectorType], at time: Date) async throws -> Bool {
        let sorted = types.sorted { $0.connector < $1.connector }
        let json = String(decoding: try SyncJSON.encoder().encode(sorted), as: UTF8.self)
        return try await pool.write { db in
            try db.execute(
                sql: "UPDATE station SET connector_types = ?, connector_types_updated_at = ? WHERE site_id = ? AND id = ?",
                arguments: [json, time.milliseconds, key.site, key.station])
            return db.changesCount > 0
        }
    }

    public func moveStation(_ key: StationKey, to site: String) async throws -> Bool {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM site WHERE id = ?", arguments: [site]) != nil else {
                throw CloudStoreError.unknownSite(site)
            }
            let from: StatementArguments = [key.site, key.station]
            guard
                try Bool.fetchOne(db, sql: "SELECT 1 FROM station WHERE site_id = ? AND id = ?", arguments: from) != nil
            else { return false }
            guard site != key.site else { return true }
            let arrived =
                try Bool.fetchOne(db, sql: "SELECT 1 FROM station WHERE site_id = ? AND id = ?", arguments: [site, key.station])
                != nil
            if arrived {
                // The charger has already spoken at its new site: what it said there is newer than what is left here.
                try db.execute(sql: "DELETE FROM connector WHERE site_id = ? AND station_id = ?", arguments: from)
                try db.execute(sql: "DELETE FROM station WHERE site_id = ? AND id = ?", arguments: from)
            } else {
                try db.execute(
                    sql: "UPDATE connector SET site_id = ? WHERE site_id = ? AND station_id = ?", arguments: [site] + from)
                // What the old site's edge registered for it is not the new site's edge's.
                try db.execute(
                    sql: "UPDATE station SET site_id = ?, registration = NULL WHERE site_id = ? AND id = ?",
                    arguments: [site] + from)
            }
            // Grants and groups follow the station (kept once where the new site's station had them already).
            for (table, owner) in [("organization_station", "organization_id"), ("station_group_member", "group_id")] {
                try db.execute(
                    sql: """
                        INSERT INTO \(table) (\(owner), site_id, station_id)
                        SELECT \(owner), ?, station_id FROM \(table) WHERE site_id = ? AND station_id = ?
                        ON CONFLICT DO NOTHING
                        """, arguments: [site] + from)
                try db.execute(sql: "DELETE FROM \(table) WHERE site_id = ? AND station_id = ?", arguments: from)
            }
            return true
        }
    }

    public func prune(appliedBefore: Date, recordsBefore: Date) async throws -> Int {
        var removed = 0
        for (table, column, cutoff) in [
            ("applied", "received_at", appliedBefore), ("meter_sample", "at", recordsBefore),
            ("session_sample", "at", recordsBefore), ("event", "at", recordsBefore), ("load_sample", "at", recordsBefore),
            ("diagnostics", "requested_at", recordsBefore), ("ocpi_message", "at", recordsBefore),
        ] {
            // Found in a read (which does not hold ingest's writes up, however long the scan), then removed a few
            // thousand rows per write.
            while true {
                // The newest history line stays, whatever its time says (a charger's clock in 1970): SQLite gives a new
                // row the largest rowid plus one, and the notifier reads the history by rowid from where it stopped.
                let keepNewest = table == "event" ? " AND rowid < (SELECT MAX(rowid) FROM event)" : ""
                let rows = try await pool.read { db in
                    try Int64.fetchAll(
                        db, sql: "SELECT rowid FROM \(table) WHERE \(column) < ?\(keepNewest) LIMIT 5000",
                        arguments: [cutoff.milliseconds])
                }
                if rows.isEmpty { break }
                removed += try await pool.write { db in
                    try db.execute(
                        sql: "DELETE FROM \(table) WHERE rowid IN (\(Scope.placeholders(rows.count)))",
                        arguments: StatementArguments(rows))
                    return db.changesCount
                }
            }
        }
        return removed
    }
}
