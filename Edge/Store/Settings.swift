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
