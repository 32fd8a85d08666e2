public import Foundation
import GRDB
import SyncContract

extension SQLiteRepository {
    static let ocpiSchema = """
        CREATE TABLE ocpi_partner (
            id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL, roles TEXT NOT NULL,
            versions_url TEXT, version TEXT, endpoints TEXT NOT NULL, plain_tokens INTEGER NOT NULL,
            incoming_token_hash TEXT NOT NULL UNIQUE, outgoing_token TEXT,
            created_at BIGINT NOT NULL, last_success_at BIGINT, last_failure_at BIGINT, last_failure TEXT
        );
        CREATE TABLE ocpi_message (
            partner_id TEXT NOT NULL, direction TEXT NOT NULL, method TEXT NOT NULL, url TEXT NOT NULL,
            status INTEGER NOT NULL, request TEXT, response TEXT, at BIGINT NOT NULL
        );
        CREATE INDEX ocpi_message_partner ON ocpi_message(partner_id, at);
        """

    public func addOCPIPartner(_ partner: OCPIPartnerRecord, incomingTokenHash: String) async throws {
        let roles = try Self.json(partner.roles)
        let endpoints = try Self.json(partner.endpoints)
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO ocpi_partner (id, name, state, roles, versions_url, version, endpoints, plain_tokens,
                        incoming_token_hash, created_at, sites)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    partner.id, partner.name, partner.state, roles, partner.versionsURL, partner.version, endpoints,
                    partner.plainTokens, incomingTokenHash, partner.createdAt.milliseconds, try Self.json(partner.sites),
                ])
        }
    }

    public func ocpiPartners() async throws -> [OCPIPartnerRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ocpi_partner ORDER BY created_at, id").map(Self.ocpiPartner(from:))
        }
    }

    public func ocpiPartner(id: String) async throws -> OCPIPartnerRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ocpi_partner WHERE id = ?", arguments: [id]).map(Self.ocpiPartner(from:))
        }
    }

    public func ocpiPartner(incomingTokenHash: String) async throws -> (OCPIPartnerRecord, outgoingToken: String?)? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM ocpi_partner WHERE incoming_token_hash = ? AND state != 'unregistered'",
                arguments: [incomingTokenHash]
            ).map { (Self.ocpiPartner(from: $0), $0["outgoing_token"]) }
        }
    }

    public func ocpiOutgoingToken(partner id: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT outgoing_token FROM ocpi_partner WHERE id = ?", arguments: [id])
        }
    }

    public func updateOCPIPartner(
        _ partner: OCPIPartnerRecord, incomingTokenHash: String?, outgoingToken: String?
    ) async throws {
        let roles = try Self.json(partner.roles)
        let endpoints = try Self.json(partner.endpoints)
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE ocpi_partner SET name = ?, state = ?, roles = ?, versions_url = ?, version = ?, endpoints = ?,
                        plain_tokens = ?, sites = ?, last_success_at = ?, last_failure_at = ?, last_failure = ?,
                        incoming_token_hash = COALESCE(?, incoming_token_hash), outgoing_token = COALESCE(?, outgoing_token)
                    WHERE id = ?
                    """,
                arguments: [
                    partner.name, partner.state, roles, partner.versionsURL, partner.version, endpoints, partner.plainTokens,
                    try Self.json(partner.sites), partner.lastSuccessAt?.milliseconds, partner.lastFailureAt?.milliseconds,
                    partner.lastFailure,
                    incomingTokenHash, outgoingToken, partner.id,
                ])
        }
    }

    public func logOCPI(partner id: String, _ message: OCPIMessageRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO ocpi_message (partner_id, direction, method, url, status, request, response, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, message.direction, message.method, String(message.url.prefix(2000)), message.status,
                    message.request.map { String($0.prefix(65_536)) }, message.response.map { String($0.prefix(65_536)) },
                    message.at.milliseconds,
                ])
        }
    }

    public func ocpiMessages(partner id: String, limit: Int) async throws -> [OCPIMessageRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM ocpi_message WHERE partner_id = ? ORDER BY at DESC, rowid DESC LIMIT ?",
                arguments: [id, limit]
            ).map { row in
                OCPIMessageRecord(
                    direction: row["direction"], method: row["method"], url: row["url"], status: row["status"],
                    request: row["request"], response: row["response"], at: Date(milliseconds: row["at"]))
            }
        }
    }

    private static func json<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try SyncJSON.encoder().encode(value), as: UTF8.self)
    }

    static func ocpiPartner(from row: Row) -> OCPIPartnerRecord {
        var partner = OCPIPartnerRecord(
            id: row["id"], name: row["name"], state: row["state"], plainTokens: row["plain_tokens"],
            createdAt: Date(milliseconds: row["created_at"]))
        partner.roles = (try? SyncJSON.decoder().decode([OCPIPartyRecord].self, from: Data((row["roles"] as String).utf8))) ?? []
        partner.endpoints =
            (try? SyncJSON.decoder().decode([OCPIEndpointRecord].self, from: Data((row["endpoints"] as String).utf8))) ?? []
        partner.sites = (try? SyncJSON.decoder().decode([String].self, from: Data((row["sites"] as String).utf8))) ?? []
        partner.versionsURL = row["versions_url"]
        partner.version = row["version"]
        partner.lastSuccessAt = (row["last_success_at"] as Int64?).map(Date.init(milliseconds:))
        partner.lastFailureAt = (row["last_failure_at"] as Int64?).map(Date.init(milliseconds:))
        partner.lastFailure = row["last_failure"]
        return partner
    }
}
