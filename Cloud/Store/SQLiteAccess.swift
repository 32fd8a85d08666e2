public import Foundation
import GRDB

extension SQLiteRepository {
    // MARK: Organizations

    public func addOrganization(id: String, name: String, at time: Date) async throws {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM organization WHERE id = ?", arguments: [id]) != nil {
                throw CloudStoreError.organizationExists(id)
            }
            try db.execute(
                sql: "INSERT INTO organization (id, name, created_at) VALUES (?, ?, ?)", arguments: [id, name, time.milliseconds])
        }
    }

    public func grant(organization: String, site: String) async throws {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM organization WHERE id = ?", arguments: [organization]) != nil else {
                throw CloudStoreError.unknownOrganization(organization)
            }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM site WHERE id = ?", arguments: [site]) != nil else {
                throw CloudStoreError.unknownSite(site)
            }
            try db.execute(
                sql: "INSERT INTO organization_site (organization_id, site_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                arguments: [organization, site])
        }
    }

    public func organization(id: String) async throws -> OrganizationRecord? {
        try await pool.read { db in
            guard let name = try String.fetchOne(db, sql: "SELECT name FROM organization WHERE id = ?", arguments: [id]) else {
                return nil
            }
            let sites = try String.fetchAll(
                db, sql: "SELECT site_id FROM organization_site WHERE organization_id = ?", arguments: [id])
            return OrganizationRecord(id: id, name: name, sites: Set(sites))
        }
    }

    // MARK: Users

    public func addUser(_ user: UserRecord) async throws {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM app_user WHERE id = ?", arguments: [user.id]) != nil {
                throw CloudStoreError.userExists(user.id)
            }
            if let organization = user.organization,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM organization WHERE id = ?", arguments: [organization]) == nil
            {
                throw CloudStoreError.unknownOrganization(organization)
            }
            try db.execute(
                sql: """
                    INSERT INTO app_user (id, name, password_hash, role, organization_id, language, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    user.id, user.name, user.passwordHash, user.role, user.organization, user.language,
                    user.createdAt.milliseconds,
                ])
        }
    }

    public func user(id: String) async throws -> UserRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM app_user WHERE id = ?", arguments: [id]).map(Self.user(from:))
        }
    }

    public func users() async throws -> [UserRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM app_user ORDER BY id").map(Self.user(from:)) }
    }

    public func recordLogin(user: String, succeeded: Bool, lockUntil: Date?) async throws {
        try await pool.write { db in
            if succeeded {
                try db.execute(
                    sql: "UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = ?", arguments: [user])
            } else {
                try db.execute(
                    sql: """
                        UPDATE app_user SET failed_logins = failed_logins + 1, locked_until = COALESCE(?, locked_until)
                        WHERE id = ?
                        """,
                    arguments: [lockUntil?.milliseconds, user])
            }
        }
    }

    public func setLanguage(user: String, language: String?) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE app_user SET language = ? WHERE id = ?", arguments: [language, user])
        }
    }

    public func homeView(user: String) async throws -> HomeView {
        try await pool.read { db in
            HomeView(
                sites: Set(
                    try String.fetchAll(db, sql: "SELECT site_id FROM user_site_view WHERE user_id = ?", arguments: [user])),
                groups: Set(
                    try String.fetchAll(db, sql: "SELECT group_id FROM user_group_view WHERE user_id = ?", arguments: [user])))
        }
    }

    /// Replaces both choices in one transaction.
    public func setHomeView(user: String, _ view: HomeView) async throws {
        try await pool.write { db in
            for (table, column, ids) in [("user_site_view", "site_id", view.sites), ("user_group_view", "group_id", view.groups)]
            {
                try db.execute(sql: "DELETE FROM \(table) WHERE user_id = ?", arguments: [user])
                for id in ids.sorted() {
                    try db.execute(sql: "INSERT INTO \(table) (user_id, \(column)) VALUES (?, ?)", arguments: [user, id])
                }
            }
        }
    }

    static func user(from row: Row) -> UserRecord {
        UserRecord(
            id: row["id"], name: row["name"], passwordHash: row["password_hash"], role: row["role"],
            organization: row["organization_id"], language: row["language"], failedLogins: row["failed_logins"],
            lockedUntil: (row["locked_until"] as Int64?).map(Date.init(milliseconds:)),
            createdAt: Date(milliseconds: row["created_at"]))
    }

    // MARK: Browser sessions

    public func addWebSession(_ session: WebSessionRecord) async throws {
        try await pool.write { db in
            // Expired sessions go when new ones come, so the table does not grow without end.
            try db.execute(sql: "DELETE FROM web_session WHERE expires_at < ?", arguments: [session.createdAt.milliseconds])
            try db.execute(
                sql: "INSERT INTO web_session (id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    session.idHash, session.user, session.csrf, session.createdAt.milliseconds, session.expiresAt.milliseconds,
                ])
        }
    }

    public func webSession(idHash: String) async throws -> WebSessionRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM web_session WHERE id_hash = ?", arguments: [idHash]).map { row in
                WebSessionRecord(
                    idHash: row["id_hash"], user: row["user_id"], csrf: row["csrf"],
                    createdAt: Date(milliseconds: row["created_at"]), expiresAt: Date(milliseconds: row["expires_at"]))
            }
        }
    }

    public func deleteWebSession(idHash: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM web_session WHERE id_hash = ?", arguments: [idHash]) }
    }
}
