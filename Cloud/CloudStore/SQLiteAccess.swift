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

    public func grant(organization: String, _ grant: Grant) async throws {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM organization WHERE id = ?", arguments: [organization]) != nil else {
                throw CloudStoreError.unknownOrganization(organization)
            }
            try Self.checkKnown(db, grant)
            let row = Self.grantRow(grant)
            try db.execute(
                sql: """
                    INSERT INTO \(row.table) (organization_id, \(row.columns.joined(separator: ", ")))
                    VALUES (?, \(Scope.placeholders(row.columns.count))) ON CONFLICT DO NOTHING
                    """,
                arguments: [organization] + StatementArguments(row.values))
        }
    }

    public func revoke(organization: String, _ grant: Grant) async throws -> Bool {
        try await pool.write { db in
            let row = Self.grantRow(grant)
            let match = row.columns.map { "\($0) = ?" }.joined(separator: " AND ")
            try db.execute(
                sql: "DELETE FROM \(row.table) WHERE organization_id = ? AND \(match)",
                arguments: [organization] + StatementArguments(row.values))
            return db.changesCount > 0
        }
    }

    public func saveOrganization(
        id: String, name: String, sites: Set<String>, stations: Set<StationKey>, groups: Set<String>
    ) async throws {
        let grants =
            sites.sorted().map(Grant.site) + stations.sorted().map(Grant.station) + groups.sorted().map(Grant.group)
        try await pool.write { db in
            for grant in grants { try Self.checkKnown(db, grant) }
            try db.execute(
                sql: """
                    INSERT INTO organization (id, name, created_at) VALUES (?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name
                    """, arguments: [id, name, Date().milliseconds])
            for table in ["organization_site", "organization_station", "organization_group"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE organization_id = ?", arguments: [id])
            }
            for grant in grants {
                let row = Self.grantRow(grant)
                try db.execute(
                    sql: """
                        INSERT INTO \(row.table) (organization_id, \(row.columns.joined(separator: ", ")))
                        VALUES (?, \(Scope.placeholders(row.columns.count)))
                        """,
                    arguments: [id] + StatementArguments(row.values))
            }
        }
    }

    public func setBilling(organization: String, _ billing: BillingDetails) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE organization SET billing_address = ?, vat_id = ?, billing_emails = ? WHERE id = ?",
                arguments: [billing.address, billing.vatId, billing.emails.joined(separator: "\n"), organization])
            return db.changesCount == 1
        }
    }

    public func deleteOrganization(id: String) async throws -> Bool {
        try await pool.write { db in
            let users = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM app_user WHERE organization_id = ?", arguments: [id]) ?? 0
            guard users == 0 else { throw CloudStoreError.organizationInUse(id, users: users) }
            for table in ["organization_site", "organization_station", "organization_group"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE organization_id = ?", arguments: [id])
            }
            try db.execute(sql: "DELETE FROM organization WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

    /// Refuses a grant of something the cloud does not know, naming it.
    private static func checkKnown(_ db: Database, _ grant: Grant) throws {
        switch grant {
        case .site(let id):
            guard
                try Bool.fetchOne(db, sql: "SELECT 1 FROM site WHERE id = ? AND retired_at IS NULL", arguments: [id]) != nil
            else {
                throw CloudStoreError.unknownSite(id)
            }
        case .station(let key):
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM station WHERE site_id = ? AND id = ?", arguments: [key.site, key.station]) != nil
            else { throw CloudStoreError.unknownStation(key.description) }
        case .group(let id):
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM station_group WHERE id = ?", arguments: [id]) != nil else {
                throw CloudStoreError.unknownGroup(id)
            }
        }
    }

    private static func grantRow(_ grant: Grant) -> (table: String, columns: [String], values: [String]) {
        switch grant {
        case .site(let id): ("organization_site", ["site_id"], [id])
        case .station(let key): ("organization_station", ["site_id", "station_id"], [key.site, key.station])
        case .group(let id): ("organization_group", ["group_id"], [id])
        }
    }

    public func organization(id: String) async throws -> OrganizationRecord? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT name, billing_address, vat_id, billing_emails FROM organization WHERE id = ?",
                    arguments: [id])
            else { return nil }
            let emails = (row[3] as String).split(separator: "\n").map(String.init)
            func granted(_ table: String, _ column: String) throws -> Set<String> {
                Set(
                    try String.fetchAll(
                        db, sql: "SELECT \(column) FROM \(table) WHERE organization_id = ?", arguments: [id]))
            }
            let stations = try Row.fetchAll(
                db, sql: "SELECT site_id, station_id FROM organization_station WHERE organization_id = ?", arguments: [id]
            ).map { StationKey(site: $0["site_id"], station: $0["station_id"]) }
            return OrganizationRecord(
                id: id, name: row[0], sites: try granted("organization_site", "site_id"), stations: Set(stations),
                groups: try granted("organization_group", "group_id"),
                billing: BillingDetails(address: row[1], vatId: row[2], emails: emails))
        }
    }

    public func organizations() async throws -> [OrganizationRecord] {
        let ids = try await pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM organization ORDER BY id") }
        var organizations: [OrganizationRecord] = []
        for id in ids {
            if let organization = try await organization(id: id) { organizations.append(organization) }
        }
        return organizations
    }

    public func scope(ofOrganization id: String) async throws -> Scope {
        try await pool.read { db in
            let sites = try String.fetchAll(
                db, sql: "SELECT site_id FROM organization_site WHERE organization_id = ?", arguments: [id])
            // Stations granted alone and those of granted groups; a group's station the cloud has not heard of yet
            // shows nowhere until it has.
            let stations = try Row.fetchAll(
                db,
                sql: """
                    SELECT site_id, station_id FROM organization_station WHERE organization_id = ?
                    UNION
                    SELECT m.site_id, m.station_id FROM organization_group g
                    JOIN station_group_member m ON m.group_id = g.group_id
                    JOIN station st ON st.site_id = m.site_id AND st.id = m.station_id
                    WHERE g.organization_id = ?
                    """, arguments: [id, id]
            ).map { StationKey(site: $0["site_id"], station: $0["station_id"]) }
            let groups = try String.fetchAll(
                db, sql: "SELECT group_id FROM organization_group WHERE organization_id = ?", arguments: [id])
            return Scope(sites: Set(sites), stations: Set(stations), groups: Set(groups))
        }
    }

    // MARK: Users

    public func updateUser(_ user: UserRecord, endSessions: Bool) async throws {
        try await pool.write { db in
            // A reset link mailed to an address the user no longer has is spent.
            let before = try String.fetchOne(db, sql: "SELECT email FROM app_user WHERE id = ?", arguments: [user.id])
            if before != user.email {
                try db.execute(sql: "DELETE FROM password_reset WHERE user_id = ?", arguments: [user.id])
            }
            if let organization = user.organization,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM organization WHERE id = ?", arguments: [organization]) == nil
            {
                throw CloudStoreError.unknownOrganization(organization)
            }
            try db.execute(
                sql: """
                    UPDATE app_user SET name = ?, role = ?, organization_id = ?, language = ?, email = ?,
                        password_hash = ?, failed_logins = ?, locked_until = ?
                    WHERE id = ?
                    """,
                arguments: [
                    user.name, user.role, user.organization, user.language, user.email, user.passwordHash,
                    user.failedLogins,
                    user.lockedUntil?.milliseconds, user.id,
                ])
            guard db.changesCount == 1 else { throw CloudStoreError.unknownUser(user.id) }
            if endSessions {
                // Signed out everywhere: its browsers are no longer pushed to either.
                try db.execute(sql: "DELETE FROM web_session WHERE user_id = ?", arguments: [user.id])
                try db.execute(sql: "DELETE FROM push_subscription WHERE user_id = ?", arguments: [user.id])
                try db.execute(sql: "DELETE FROM password_reset WHERE user_id = ?", arguments: [user.id])
            }
        }
    }

    public func deleteUser(id: String) async throws -> Bool {
        try await pool.write { db in
            for sql in [
                "DELETE FROM web_session WHERE user_id = ?", "DELETE FROM user_site_view WHERE user_id = ?",
                "DELETE FROM user_group_view WHERE user_id = ?", "DELETE FROM api_token WHERE user_id = ?",
                "DELETE FROM notification_seen WHERE user_id = ?", "DELETE FROM push_subscription WHERE user_id = ?",
                "DELETE FROM password_reset WHERE user_id = ?",
            ] {
                try db.execute(sql: sql, arguments: [id])
            }
            try db.execute(sql: "DELETE FROM notification_optout WHERE recipient = ?", arguments: ["user:\(id)"])
            try db.execute(sql: "DELETE FROM app_user WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

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
                    INSERT INTO app_user (id, name, password_hash, role, organization_id, language, email, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    user.id, user.name, user.passwordHash, user.role, user.organization, user.language, user.email,
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

    public func beginLogin(user: String, maxFailures: Int, lockUntil: Date, now: Date) async throws -> Bool {
        try await pool.write { db in
            let locked = try Int64.fetchOne(db, sql: "SELECT locked_until FROM app_user WHERE id = ?", arguments: [user])
            if let locked, locked > now.milliseconds { return false }
            try db.execute(
                sql: """
                    UPDATE app_user SET failed_logins = failed_logins + 1,
                        locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END
                    WHERE id = ?
                    """,
                arguments: [maxFailures, lockUntil.milliseconds, user])
            return true
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
            organization: row["organization_id"], language: row["language"], email: row["email"],
            failedLogins: row["failed_logins"],
            lockedUntil: (row["locked_until"] as Int64?).map(Date.init(milliseconds:)),
            createdAt: Date(milliseconds: row["created_at"]))
    }

    // MARK: Browser sessions

    public func addWebSession(_ session: WebSessionRecord) async throws {
        try await pool.write { db in
            // Expired sessions go when new ones come, so the table does not grow without end.
            try db.execute(sql: "DELETE FROM web_session WHERE expires_at < ?", arguments: [session.createdAt.milliseconds])
            try db.execute(
                sql: """
                    INSERT INTO web_session (id_hash, user_id, csrf, created_at, expires_at, pending) VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.idHash, session.user, session.csrf, session.createdAt.milliseconds, session.expiresAt.milliseconds,
                    session.pending?.rawValue,
                ])
        }
    }

    public func webSession(idHash: String) async throws -> WebSessionRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM web_session WHERE id_hash = ?", arguments: [idHash]).map { row in
                WebSessionRecord(
                    idHash: row["id_hash"], user: row["user_id"], csrf: row["csrf"],
                    createdAt: Date(milliseconds: row["created_at"]), expiresAt: Date(milliseconds: row["expires_at"]),
                    pending: (row["pending"] as String?).flatMap(SecondFactor.init(rawValue:)))
            }
        }
    }

    public func deleteWebSession(idHash: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM web_session WHERE id_hash = ?", arguments: [idHash]) }
    }
}
