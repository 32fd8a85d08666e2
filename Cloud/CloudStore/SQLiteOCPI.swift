public import Foundation
import GRDB
import SiteModel
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
                        incoming_token_hash, created_at, sites, hub)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    partner.id, partner.name, partner.state, roles, partner.versionsURL, partner.version, endpoints,
                    partner.plainTokens, incomingTokenHash, partner.createdAt.milliseconds, try Self.json(partner.sites),
                    partner.hub,
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

    static let ocpiTokenSchema = """
        CREATE TABLE ocpi_token (
            partner_id TEXT NOT NULL, country_code TEXT NOT NULL, party_id TEXT NOT NULL, uid TEXT NOT NULL,
            type TEXT NOT NULL, contract_id TEXT NOT NULL, whitelist TEXT NOT NULL, valid INTEGER NOT NULL,
            group_id TEXT, last_updated BIGINT NOT NULL, body TEXT NOT NULL,
            PRIMARY KEY (country_code, party_id, uid, type)
        );
        CREATE INDEX ocpi_token_uid ON ocpi_token(uid);
        """

    public func saveOCPIToken(_ token: OCPITokenRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO ocpi_token (partner_id, country_code, party_id, uid, type, contract_id, whitelist,
                        valid, group_id, last_updated, body)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.partner, token.countryCode, token.partyId, token.uid, token.type, token.contractId, token.whitelist,
                    token.valid, token.groupId, token.lastUpdated.milliseconds, token.body,
                ])
            let sites =
                try String.fetchOne(db, sql: "SELECT sites FROM ocpi_partner WHERE id = ?", arguments: [token.partner])
                .flatMap { try? SyncJSON.decoder().decode([String].self, from: Data($0.utf8)) } ?? []
            try Self.bumpTokenLists(sites, db)
        }
    }

    public func ocpiTokens(partner id: String) async throws -> [OCPITokenRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ocpi_token WHERE partner_id = ? ORDER BY uid", arguments: [id])
                .map(Self.ocpiToken(from:))
        }
    }

    public func renewTokenLists(sites: [String]) async throws {
        try await pool.write { db in try Self.bumpTokenLists(sites, db) }
    }

    public func ocpiToken(countryCode: String, partyId: String, uid: String, type: String) async throws -> OCPITokenRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM ocpi_token WHERE country_code = ? AND party_id = ? AND uid = ? AND type = ?",
                arguments: [countryCode, partyId, uid, type]
            ).map(Self.ocpiToken(from:))
        }
    }

    public func ocpiTokens(uid: String) async throws -> [OCPITokenRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ocpi_token WHERE uid = ?", arguments: [uid]).map(Self.ocpiToken(from:))
        }
    }

    /// The partners' tokens a site's edge may take without asking (valid, whitelisted, and short enough for OCPP
    /// 1.6's idTag), for the partners the site is published to: `Accepted`, with their group as parent; those
    /// whitelisted `ALLOWED_OFFLINE` marked to be asked first.
    func partnerTokens(site: String) async throws -> [SiteToken] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.uid, t.group_id, t.whitelist, p.sites FROM ocpi_token t JOIN ocpi_partner p ON p.id = t.partner_id
                    WHERE p.state = 'registered' AND t.valid AND t.whitelist IN ('ALWAYS', 'ALLOWED', 'ALLOWED_OFFLINE')
                        AND length(t.uid) <= 20
                    """)
            return rows.compactMap { row -> SiteToken? in
                let sites = (try? SyncJSON.decoder().decode([String].self, from: Data((row["sites"] as String).utf8))) ?? []
                guard sites.contains(site) else { return nil }
                let group = (row["group_id"] as String?).flatMap { $0.count <= 20 ? $0 : nil }
                // ALLOWED_OFFLINE: the edge asks first, and takes it from its list only when no answer comes.
                let askFirst = (row["whitelist"] as String) == "ALLOWED_OFFLINE" ? true : nil
                return SiteToken(
                    idTag: row["uid"], status: .known(.accepted), expiry: nil, parentIdTag: group, askFirst: askFirst)
            }
        }
    }

    static func ocpiToken(from row: Row) -> OCPITokenRecord {
        OCPITokenRecord(
            partner: row["partner_id"], countryCode: row["country_code"], partyId: row["party_id"], uid: row["uid"],
            type: row["type"], contractId: row["contract_id"], whitelist: row["whitelist"], valid: row["valid"],
            groupId: row["group_id"], lastUpdated: Date(milliseconds: row["last_updated"]), body: row["body"])
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
        partner.hub = row["hub"]
        return partner
    }
}
