public import Foundation
import GRDB

extension SQLiteRepository {
    public func addPasswordReset(tokenHash: String, user: String, expiresAt: Date) async throws {
        try await pool.write { db in
            // One link at a time: asking again makes the earlier ones useless.
            try db.execute(sql: "DELETE FROM password_reset WHERE user_id = ?", arguments: [user])
            try db.execute(
                sql: "INSERT INTO password_reset (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
                arguments: [tokenHash, user, expiresAt.milliseconds])
        }
    }

    public func redeemPasswordReset(tokenHash: String, now: Date) async throws -> String? {
        try await pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT user_id, expires_at FROM password_reset WHERE token_hash = ?", arguments: [tokenHash])
            else { return nil }
            try db.execute(sql: "DELETE FROM password_reset WHERE token_hash = ?", arguments: [tokenHash])
            let expires: Int64 = row["expires_at"]
            return expires > now.milliseconds ? row["user_id"] : nil
        }
    }

    public func passwordResetExpiry(user: String) async throws -> Date? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(expires_at) FROM password_reset WHERE user_id = ?", arguments: [user])
                .map(Date.init(milliseconds:))
        }
    }
}
