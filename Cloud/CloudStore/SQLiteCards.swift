public import Foundation
import GRDB
public import SiteModel

extension SQLiteRepository {
    public func saveCards(_ cards: [CardRecord]) async throws -> [String] {
        try await pool.write { db in
            var changed = Set<String>()
            for card in cards {
                if let before = try Self.card(db, idTag: card.idTag) { changed.formUnion(try Self.sites(of: before, db)) }
                try db.execute(
                    sql: """
                        INSERT INTO card (id_tag, holder, organization_id, vehicle_id, token_group, valid_until, blocked, sites,
                            updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id_tag) DO UPDATE SET holder = excluded.holder, organization_id = excluded.organization_id,
                            vehicle_id = excluded.vehicle_id, token_group = excluded.token_group,
                            valid_until = excluded.valid_until, blocked = excluded.blocked, sites = excluded.sites,
                            updated_at = excluded.updated_at
                        """,
                    arguments: [
                        card.idTag, card.holder, card.organization, card.vehicle, card.tokenGroup,
                        card.validUntil?.milliseconds, card.blocked, card.sites.joined(separator: " "),
                        card.updatedAt.milliseconds,
                    ])
                changed.formUnion(try Self.sites(of: card, db))
            }
            try Self.bumpTokenLists(Array(changed), db)
            return changed.sorted()
        }
    }

    public func cards() async throws -> [CardRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM card ORDER BY id_tag").map(Self.card(from:)) }
    }

    public func card(idTag: String) async throws -> CardRecord? {
        try await pool.read { db in try Self.card(db, idTag: idTag) }
    }

    public func deleteCard(idTag: String) async throws -> [String]? {
        try await pool.write { db in
            guard let card = try Self.card(db, idTag: idTag) else { return nil }
            try db.execute(sql: "DELETE FROM card WHERE id_tag = ?", arguments: [idTag])
            let changed = try Self.sites(of: card, db)
            try Self.bumpTokenLists(changed, db)
            return changed
        }
    }

    public func edgeTokens(site: String, at time: Date) async throws -> (version: Int, tokens: [SiteToken]) {
        let (version, own) = try await siteTokens(site: site)
        let listed = Set(own.map(\.idTag))
        let cards = try await cards().filter { $0.applies(to: site) && !listed.contains($0.idTag) }
        var tokens = own + cards.map { $0.token(at: time) }
        // Roaming partners' drivers, where the site is published to their partner (the site's own and cards win).
        let taken = Set(tokens.map(\.idTag))
        tokens += try await partnerTokens(site: site).filter { !taken.contains($0.idTag) }
        return (version, tokens.sorted { $0.idTag < $1.idTag })
    }

    public func edgeToken(site: String, idTag: String, at time: Date) async throws -> SiteToken? {
        if let own = try await siteToken(site: site, idTag: idTag) { return own }
        if let card = try await card(idTag: idTag).flatMap({ $0.applies(to: site) ? $0.token(at: time) : nil }) {
            return card
        }
        return try await partnerTokens(site: site).first { $0.idTag == idTag }
    }

    /// The sites whose token lists hold `card`: those it names, or every site.
    static func sites(of card: CardRecord, _ db: Database) throws -> [String] {
        card.sites.isEmpty ? try String.fetchAll(db, sql: "SELECT id FROM site ORDER BY id") : card.sites
    }

    static func bumpTokenLists(_ sites: [String], _ db: Database) throws {
        for site in sites {
            try db.execute(sql: "UPDATE site SET token_list_version = token_list_version + 1 WHERE id = ?", arguments: [site])
        }
    }

    static func card(_ db: Database, idTag: String) throws -> CardRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM card WHERE id_tag = ?", arguments: [idTag]).map(card(from:))
    }

    static func card(from row: Row) -> CardRecord {
        CardRecord(
            idTag: row["id_tag"], holder: row["holder"], organization: row["organization_id"], vehicle: row["vehicle_id"],
            tokenGroup: row["token_group"], validUntil: (row["valid_until"] as Int64?).map(Date.init(milliseconds:)),
            blocked: row["blocked"], sites: (row["sites"] as String).split(separator: " ").map(String.init),
            updatedAt: Date(milliseconds: row["updated_at"]))
    }
}
