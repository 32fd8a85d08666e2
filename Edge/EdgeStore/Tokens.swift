import Foundation
import GRDB
import SiteModel

extension EdgeStore {
    /// The locally known token with this id tag.
    public func token(idTag: String) async throws -> TokenRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM token WHERE id_tag = ?", arguments: [idTag]).map(Self.token(from:))
        }
    }

    /// Every locally known token.
    public func tokens() async throws -> [TokenRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM token ORDER BY id_tag").map(Self.token(from:)) }
    }

    /// Replaces every token of one source (`config`, `local`, `cloud`) with `tokens`.
    public func replaceTokens(source: String, with tokens: [TokenRecord]) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM token WHERE source = ?", arguments: [source])
            for token in tokens {
                try db.execute(
                    sql: """
                        INSERT INTO token (id_tag, status, expiry, parent_id_tag, source, ask_first) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT(id_tag) DO UPDATE SET status = excluded.status, expiry = excluded.expiry,
                            parent_id_tag = excluded.parent_id_tag, source = excluded.source, ask_first = excluded.ask_first
                        """,
                    arguments: [
                        token.idTag, token.status.rawValue, token.expiry.stored, token.parentIdTag, source, token.askFirst,
                    ])
            }
        }
    }

    static func token(from row: Row) -> TokenRecord {
        TokenRecord(
            idTag: row["id_tag"], status: TokenStatus(rawValue: row["status"]) ?? .invalid, expiry: row["expiry"],
            parentIdTag: row["parent_id_tag"], source: row["source"], askFirst: row["ask_first"])
    }
}
