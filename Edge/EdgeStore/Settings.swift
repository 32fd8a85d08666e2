public import Foundation
import GRDB
public import SyncContract

extension EdgeStore {
    private static let loadSettingsKey = "load_management"

    /// The load-management settings the cloud set last, if it ever did.
    public func loadSettings() async throws -> LoadSettings? {
        let text = try await read { db in
            try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [Self.loadSettingsKey])
        }
        guard let text else { return nil }
        return try SyncJSON.decoder().decode(LoadSettings.self, from: Data(text.utf8))
    }

    /// Keeps the load-management settings the cloud set (every field, as in effect), for the next start.
    public func saveLoadSettings(_ settings: LoadSettings, at time: Date) async throws {
        let text = String(decoding: try SyncJSON.encoder().encode(settings), as: UTF8.self)
        try await write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO setting (key, value, updated) VALUES (?, ?, ?)",
                arguments: [Self.loadSettingsKey, text, time.stored])
        }
    }
}

extension EdgeStore {
    private static let stationPrefix = "station:"

    /// The stations the cloud registered, by id.
    public func stationRegistrations() async throws -> [String: StationRegistration] {
        let rows = try await read { db in
            try Row.fetchAll(db, sql: "SELECT key, value FROM setting WHERE key LIKE 'station:%'").map {
                (key: $0["key"] as String, value: $0["value"] as String)
            }
        }
        var registrations: [String: StationRegistration] = [:]
        for (key, value) in rows {
            registrations[String(key.dropFirst(Self.stationPrefix.count))] = try SyncJSON.decoder().decode(
                StationRegistration.self, from: Data(value.utf8))
        }
        return registrations
    }

    /// Keeps a station the cloud registered, for the next start.
    public func saveStationRegistration(_ registration: StationRegistration, station: String, at time: Date) async throws {
        let text = String(decoding: try SyncJSON.encoder().encode(registration), as: UTF8.self)
        try await write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO setting (key, value, updated) VALUES (?, ?, ?)",
                arguments: [Self.stationPrefix + station, text, time.stored])
        }
    }

    /// Forgets a station retired from the cloud: its registration, its approval and its connectors' last states, in
    /// one transaction (its sessions, meter readings and history stay).
    public func forgetStation(_ station: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [Self.stationPrefix + station])
            try db.execute(sql: "DELETE FROM connector WHERE station_id = ?", arguments: [station])
            try db.execute(sql: "DELETE FROM station WHERE id = ?", arguments: [station])
        }
    }
}

extension EdgeStore {
    private static let sessionLimitPrefix = "session-limit:"

    /// Keeps a running session's requested limit (a roaming partner's charging profile) as in force, one per connector
    /// (a later session's replaces an ended one's), so an edge restarted during the session honours it still. A limit
    /// of the same session issued before the one kept (two changes saved out of order) is not kept.
    public func saveSessionLimit(station: String, _ limit: SessionLimit, at time: Date) async throws {
        let key = "\(Self.sessionLimitPrefix)\(station)/\(limit.connectorId)"
        let text = String(decoding: try SyncJSON.encoder().encode(limit), as: UTF8.self)
        try await write { db in
            if let kept = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]),
                let before = try? SyncJSON.decoder().decode(SessionLimit.self, from: Data(kept.utf8)),
                before.transactionId == limit.transactionId, let was = before.issuedAt, let now = limit.issuedAt, now < was
            {
                return
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO setting (key, value, updated) VALUES (?, ?, ?)",
                arguments: [key, text, time.stored])
        }
    }

    /// The session limits kept whose session still runs here (by this store's sessions), with their stations.
    public func sessionLimits() async throws -> [(station: String, limit: SessionLimit)] {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM setting WHERE key LIKE 'session-limit:%'")
            return try rows.compactMap { row -> (station: String, limit: SessionLimit)? in
                let name = (row["key"] as String).dropFirst(Self.sessionLimitPrefix.count)
                guard let slash = name.lastIndex(of: "/"),
                    let limit = try? SyncJSON.decoder().decode(SessionLimit.self, from: Data((row["value"] as String).utf8))
                else { return nil }
                let station = String(name[..<slash])
                let running = try Bool.fetchOne(
                    db,
                    sql: "SELECT 1 FROM session WHERE id = ? AND station_id = ? AND connector_id = ? AND stop_time IS NULL",
                    arguments: [limit.transactionId, station, limit.connectorId])
                return running == true ? (station, limit) : nil
            }
        }
    }
}
