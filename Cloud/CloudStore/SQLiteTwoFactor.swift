import Foundation
import GRDB

extension SQLiteRepository {
    public func totp(user: String) async throws -> TOTPState {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT totp_secret, totp_pending, totp_last_step FROM app_user WHERE id = ?", arguments: [user])
            return TOTPState(secret: row?["totp_secret"], pending: row?["totp_pending"], lastStep: row?["totp_last_step"])
        }
    }

    public func setPendingTOTP(user: String, secret: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE app_user SET totp_pending = ? WHERE id = ?", arguments: [secret, user])
        }
    }

    public func confirmTOTP(user: String, step: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE app_user SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ?
                    WHERE id = ? AND totp_pending IS NOT NULL
                    """, arguments: [step, user])
            return db.changesCount == 1
        }
    }

    public func useTOTPStep(user: String, step: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE app_user SET totp_last_step = ?
                    WHERE id = ? AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < ?)
                    """, arguments: [step, user, step])
            return db.changesCount == 1
        }
    }

    public func removeTOTP(user: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE app_user SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL WHERE id = ?",
                arguments: [user])
        }
    }

    public func twoFactorRoles() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT role FROM two_factor_role")) }
    }

    public func setTwoFactorRoles(_ roles: Set<String>) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM two_factor_role")
            for role in roles.sorted() {
                try db.execute(sql: "INSERT INTO two_factor_role (role) VALUES (?)", arguments: [role])
            }
        }
    }
}
