public import Foundation
import GRDB

extension SQLiteRepository {
    /// Issue 18: what partners last took of each object, the CDRs made for them, and the lease of the instance that
    /// pushes.
    static let ocpiPushSchema = """
        CREATE TABLE ocpi_pushed (
            partner_id TEXT NOT NULL, object TEXT NOT NULL, body TEXT NOT NULL, at BIGINT NOT NULL,
            PRIMARY KEY (partner_id, object)
        );
        CREATE TABLE ocpi_cdr (
            partner_id TEXT NOT NULL, id TEXT NOT NULL, site_id TEXT NOT NULL, transaction_id BIGINT NOT NULL,
            body TEXT NOT NULL, created_at BIGINT NOT NULL, sent_at BIGINT,
            PRIMARY KEY (partner_id, id)
        );
        CREATE INDEX ocpi_cdr_unsent ON ocpi_cdr(partner_id, created_at) WHERE sent_at IS NULL;
        CREATE TABLE ocpi_push_lease (
            id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1), holder TEXT NOT NULL, leased_until BIGINT NOT NULL
        );
        CREATE INDEX session_priced ON session(priced_at) WHERE priced_at IS NOT NULL;
        """

    public func ocpiPushed(partner id: String) async throws -> [String: String] {
        try await pool.read { db in
            var objects: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT object, body FROM ocpi_pushed WHERE partner_id = ?", arguments: [id])
            {
                objects[row["object"]] = row["body"]
            }
            return objects
        }
    }

    public func savePushed(partner id: String, _ objects: [String: String], at time: Date) async throws {
        guard !objects.isEmpty else { return }
        try await pool.write { db in
            let upsert = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO ocpi_pushed (partner_id, object, body, at) VALUES (?, ?, ?, ?)")
            let forget = try db.cachedStatement(sql: "DELETE FROM ocpi_pushed WHERE partner_id = ? AND object = ?")
            for (object, body) in objects {
                if body.isEmpty {
                    try forget.execute(arguments: [id, object])
                } else {
                    try upsert.execute(arguments: [id, object, body, time.milliseconds])
                }
            }
        }
    }

    public func logOCPI(partner id: String, messages: [OCPIMessageRecord]) async throws {
        guard !messages.isEmpty else { return }
        try await pool.write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO ocpi_message (partner_id, direction, method, url, status, request, response, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for message in messages {
                try insert.execute(arguments: [
                    id, message.direction, message.method, String(message.url.prefix(2000)), message.status,
                    message.request.map { String($0.prefix(65_536)) }, message.response.map { String($0.prefix(65_536)) },
                    message.at.milliseconds,
                ])
            }
            // Only the latest calls stay: a fleet's status changes are many thousand calls an hour.
            try db.execute(
                sql: """
                    DELETE FROM ocpi_message WHERE partner_id = ? AND rowid < (
                        SELECT rowid FROM ocpi_message WHERE partner_id = ? ORDER BY rowid DESC LIMIT 1 OFFSET ?)
                    """, arguments: [id, id, ocpiMessagesKept - 1])
        }
    }

    public func takeOCPIPushLease(holder: String, now: Date, lease: Duration) async throws -> Bool {
        try await pool.write { db in
            let row = try Row.fetchOne(db, sql: "SELECT holder, leased_until FROM ocpi_push_lease")
            if let row, row["holder"] as String != holder, row["leased_until"] as Int64 > now.milliseconds { return false }
            try db.execute(
                sql: "INSERT OR REPLACE INTO ocpi_push_lease (id, holder, leased_until) VALUES (1, ?, ?)",
                arguments: [holder, (now + TimeInterval(lease.components.seconds)).milliseconds])
            return true
        }
    }

    public func addOCPICDR(_ cdr: OCPICDRRecord) async throws -> Bool {
        try await addOCPICDRs([cdr]) == 1
    }

    public func addOCPICDRs(_ cdrs: [OCPICDRRecord]) async throws -> Int {
        try await pool.write { db in
            var added = 0
            for cdr in cdrs {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO ocpi_cdr (partner_id, id, site_id, transaction_id, body, created_at, sent_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        cdr.partner, cdr.id, cdr.site, cdr.transactionId, cdr.body, cdr.createdAt.milliseconds,
                        cdr.sentAt?.milliseconds,
                    ])
                added += db.changesCount
            }
            return added
        }
    }

    public func ocpiCDRs(partner id: String, unsentOnly: Bool) async throws -> [OCPICDRRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT * FROM ocpi_cdr WHERE partner_id = ?\(unsentOnly ? " AND sent_at IS NULL" : "") ORDER BY created_at, id",
                arguments: [id]
            ).map(Self.ocpiCDR(from:))
        }
    }

    public func ocpiCDRs(site: String, transactionId: Int) async throws -> [OCPICDRRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM ocpi_cdr WHERE site_id = ? AND transaction_id = ? ORDER BY created_at, id",
                arguments: [site, transactionId]
            ).map(Self.ocpiCDR(from:))
        }
    }

    static func ocpiCDR(from row: Row) -> OCPICDRRecord {
        OCPICDRRecord(
            partner: row["partner_id"], id: row["id"], site: row["site_id"], transactionId: row["transaction_id"],
            body: row["body"], createdAt: Date(milliseconds: row["created_at"]),
            sentAt: (row["sent_at"] as Int64?).map(Date.init(milliseconds:)))
    }

    public func noteOCPIPush(partner id: String, at time: Date, failure: String?) async throws {
        try await pool.write { db in
            if let failure {
                try db.execute(
                    sql: "UPDATE ocpi_partner SET last_failure_at = ?, last_failure = ? WHERE id = ?",
                    arguments: [time.milliseconds, String(failure.prefix(2000)), id])
            } else {
                try db.execute(
                    sql: "UPDATE ocpi_partner SET last_success_at = ? WHERE id = ?", arguments: [time.milliseconds, id])
            }
        }
    }

    public func markOCPICDRSent(partner id: String, cdr: String, at time: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE ocpi_cdr SET sent_at = ? WHERE partner_id = ? AND id = ?",
                arguments: [time.milliseconds, id, cdr])
        }
    }

    public func ocpiOpenSessions(pricedSince: Date) async throws -> [(session: SessionView, priced: Bool)] {
        try await pool.read { db in
            // Each part through its own partial index: running, ended and not billed yet, billed lately.
            let tokens = "id_tag IN (SELECT uid FROM ocpi_token)"
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM session WHERE stop_at IS NULL AND \(tokens)
                    UNION ALL SELECT * FROM session WHERE stop_at IS NOT NULL AND priced_at IS NULL AND \(tokens)
                    UNION ALL SELECT * FROM session WHERE priced_at >= ? AND stop_at IS NOT NULL AND \(tokens)
                    """, arguments: [pricedSince.milliseconds]
            ).map { row in (Self.session(from: row), (row["priced_at"] as Int64?) != nil) }
        }
    }

    public func ocpiSessionsWithoutCDR(pricedSince: Date) async throws -> [(session: SessionView, partner: String)] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.*, t.partner_id AS ocpi_partner FROM session s JOIN ocpi_token t ON t.uid = s.id_tag
                    WHERE s.priced_at >= ? AND s.stop_at IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM ocpi_cdr c
                        WHERE c.partner_id = t.partner_id AND c.site_id = s.site_id AND c.transaction_id = s.transaction_id)
                    """, arguments: [pricedSince.milliseconds]
            ).map { row in (Self.session(from: row), row["ocpi_partner"]) }
        }
    }

    public func noteOCPIAuthorization(
        site: String, idTag: String, method: String, reference: String?, at time: Date
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO ocpi_authorization (site_id, id_tag, method, reference, at) VALUES (?, ?, ?, ?, ?)",
                arguments: [site, idTag, method, reference.map { String($0.prefix(36)) }, time.milliseconds])
            // A day is ample: a session starts within minutes of how it was authorized.
            try db.execute(
                sql: "DELETE FROM ocpi_authorization WHERE at < ?", arguments: [(time - 86_400).milliseconds])
        }
    }

    public func claimOCPIAuthorization(
        site: String, idTag: String, transactionId: Int, from: Date, to: Date
    ) async throws -> (method: String, reference: String?)? {
        @Sendable func taken(_ db: Database) throws -> Row? {
            try Row.fetchOne(
                db,
                sql: "SELECT method, reference FROM ocpi_authorization WHERE site_id = ? AND id_tag = ? AND transaction_id = ?",
                arguments: [site, idTag, transactionId])
        }
        let candidate = """
            SELECT rowid, method, reference FROM ocpi_authorization
            WHERE site_id = ? AND id_tag = ? AND transaction_id IS NULL AND at BETWEEN ? AND ? ORDER BY at DESC LIMIT 1
            """
        let arguments: StatementArguments = [site, idTag, from.milliseconds, to.milliseconds]
        // Read first: most sessions took theirs already, or have none to take.
        let (held, free) = try await pool.read { db in
            (try taken(db), try Row.fetchOne(db, sql: candidate, arguments: arguments))
        }
        if let held { return (held["method"], held["reference"]) }
        guard free != nil else { return nil }
        return try await pool.write { db in
            if let held = try taken(db) { return (held["method"], held["reference"]) }
            guard let row = try Row.fetchOne(db, sql: candidate, arguments: arguments) else { return nil }
            try db.execute(
                sql: "UPDATE ocpi_authorization SET transaction_id = ? WHERE rowid = ?",
                arguments: [transactionId, row["rowid"] as Int64])
            return (row["method"], row["reference"])
        }
    }
}
