import CloudReports
public import CloudStore
public import Foundation
import ServerSupport
public import SiteModel
import SyncContract

/// What a card is given (the API's body, one CSV row): every field but the tag optional.
public struct CardInput: Decodable, Sendable {
    public var holder: String?
    public var organization: String?
    public var vehicle: String?
    public var tokenGroup: String?
    public var validUntil: Date?
    public var blocked: Bool?
    public var sites: [String]?

    public init(
        holder: String? = nil, organization: String? = nil, vehicle: String? = nil, tokenGroup: String? = nil,
        validUntil: Date? = nil, blocked: Bool? = nil, sites: [String]? = nil
    ) {
        self.holder = holder
        self.organization = organization
        self.vehicle = vehicle
        self.tokenGroup = tokenGroup
        self.validUntil = validUntil
        self.blocked = blocked
        self.sites = sites
    }

    /// The card checked: a 400 names the field (prefixed with `where`, e.g. a CSV line).
    public func card(
        idTag: String, repository: any CloudRepository, at time: Date, where place: String = ""
    ) async throws
        -> CardRecord
    {
        func refuse(_ field: String, _ problem: String) -> Problem {
            Problem(status: 400, detail: "\(place)\(field): \(problem)")
        }
        guard Cards.isValidTag(idTag) else {
            throw refuse("idTag", "must be 1 to 20 printable characters without spaces (OCPP's IdToken), got '\(idTag)'")
        }
        let holder = holder.nonEmpty
        guard (holder?.count ?? 0) <= 100 else { throw refuse("holder", "at most 100 characters") }
        let organization = organization.nonEmpty
        if let organization, try await repository.organization(id: organization) == nil {
            throw refuse("organization", "no organization '\(organization)'")
        }
        let vehicle = vehicle.nonEmpty
        if let vehicle {
            guard let record = try await repository.vehicles().first(where: { $0.id == vehicle }) else {
                throw refuse("vehicle", "no vehicle '\(vehicle)'")
            }
            guard organization == nil || record.organization == organization else {
                throw refuse("vehicle", "'\(vehicle)' is not a vehicle of organization '\(organization ?? "")'")
            }
        }
        let tokenGroup = tokenGroup.nonEmpty
        if let tokenGroup, !Tariffs.isValidId(tokenGroup) {
            throw refuse("tokenGroup", "must be 1 to 36 letters, digits, '-', '_' or '.'")
        }
        var sites: [String] = []
        for site in (self.sites ?? []).map({ $0.trimmingCharacters(in: .whitespaces) }) where !site.isEmpty {
            guard try await repository.site(id: site) != nil else { throw refuse("sites", "no site '\(site)'") }
            if !sites.contains(site) { sites.append(site) }
        }
        return CardRecord(
            idTag: idTag, holder: holder, organization: organization, vehicle: vehicle, tokenGroup: tokenGroup,
            validUntil: validUntil, blocked: blocked ?? false, sites: sites, updatedAt: time)
    }
}

/// Drivers' cards: the fleet's staff with the configure permission manage them; an organization's users read their
/// own. Saving or removing one changes the token lists of the sites it concerns (the caller publishes them).
public enum Cards {
    public static let csvColumns = ["idTag", "holder", "organization", "vehicle", "tokenGroup", "validUntil", "blocked", "sites"]

    public static func visible(to identity: APIIdentity, repository: any CloudRepository) async throws -> [CardRecord] {
        try await repository.cards().filter { identity.organization == nil || $0.organization == identity.organization }
    }

    public static func requireStaff(_ identity: APIIdentity) throws {
        guard identity.organization == nil else {
            throw Problem(status: 403, detail: "cards are managed by the fleet's own staff")
        }
    }

    /// OCPP 1.6's IdToken: at most 20 characters; printable ASCII without spaces here.
    public static func isValidTag(_ tag: String) -> Bool {
        !tag.isEmpty && tag.count <= 20 && tag.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 }
    }

    public static func csv(_ cards: [CardRecord]) -> String {
        let style = Date.ISO8601FormatStyle()
        return CSVWriter.line(csvColumns)
            + cards.map { card in
                CSVWriter.line([
                    card.idTag, card.holder ?? "", card.organization ?? "", card.vehicle ?? "", card.tokenGroup ?? "",
                    card.validUntil.map { $0.formatted(style) } ?? "", card.blocked ? "true" : "false",
                    card.sites.joined(separator: " "),
                ])
            }.joined()
    }

    /// A site's token list reaches its edge as one retained MQTT message: one over the broker's message size limit
    /// would be dropped by the broker without an error, and the edge would keep its old list (security review,
    /// finding 38).
    public static let maxTokenListBytes = 255 * 1024

    /// The size, as its edge is sent it, of the list of `site` made of its own tokens `own` and the `cards` that
    /// apply there.
    public static func tokenListBytes(site: String, own: [SiteToken], cards: [CardRecord], at time: Date) throws -> Int {
        let listed = Set(own.map(\.idTag))
        let tokens = own + cards.filter { $0.applies(to: site) && !listed.contains($0.idTag) }.map { $0.token(at: time) }
        let list = TokenList(
            version: Int(Int32.max),
            tokens: tokens.map { .init(idTag: $0.idTag, status: $0.status, expiry: $0.expiry, parentIdTag: $0.parentIdTag) })
        return try DownMessage.tokens(list).encoded().count
    }

    /// A 413 naming the site unless its list of `bytes` fits in one message.
    public static func checkTokenList(site: String, bytes: Int) throws {
        guard bytes > maxTokenListBytes else { return }
        throw Problem(
            status: 413,
            detail: "site '\(site)': its token list (its own tokens and the cards that apply there) would be \(bytes) bytes "
                + "as sent to the edge; at most \(maxTokenListBytes) bytes (about \(maxTokenListBytes / 50) tokens), under the "
                + "broker's message size limit")
    }

    /// Keeps `cards` unless a site's token list would no longer fit in one message (nothing is kept then); the sites
    /// whose lists changed, to be sent to their edges.
    public static func save(_ cards: [CardRecord], repository: any CloudRepository, at time: Date) async throws -> [String] {
        let replaced = Set(cards.map(\.idTag))
        let after = try await repository.cards().filter { !replaced.contains($0.idTag) } + cards
        let sites =
            cards.contains { $0.sites.isEmpty }
            ? try await repository.sites(in: nil).map(\.id) : Array(Set(cards.flatMap(\.sites))).sorted()
        for site in sites {
            let own = try await repository.siteTokens(site: site).tokens
            try checkTokenList(site: site, bytes: try tokenListBytes(site: site, own: own, cards: after, at: time))
        }
        return try await repository.saveCards(cards)
    }

    /// Cards from CSV with `csvColumns` as its header (any order, missing columns empty): all checked before any is
    /// kept; a 400 names the line and the field.
    public static func read(csv text: String, repository: any CloudRepository, at time: Date) async throws -> [CardRecord] {
        let rows: [[String]]
        do {
            rows = try CSVReader.rows(text)
        } catch {
            throw Problem(status: 400, detail: "the CSV does not read: \(error)")
        }
        guard let header = rows.first, let tagColumn = header.firstIndex(of: "idTag") else {
            throw Problem(status: 400, detail: "the first line must name the columns, idTag among them")
        }
        if let unknown = header.first(where: { !csvColumns.contains($0) }) {
            throw Problem(status: 400, detail: "unknown column '\(unknown)' (known: \(csvColumns.joined(separator: ", ")))")
        }
        guard rows.count <= 10_001 else { throw Problem(status: 400, detail: "at most 10000 cards at once") }
        var cards: [CardRecord] = []
        var seen = Set<String>()
        for (index, row) in rows.enumerated().dropFirst() where !(row.count == 1 && row[0].isEmpty) {
            let place = "line \(index + 1): "
            func value(_ column: String) -> String? {
                header.firstIndex(of: column).flatMap { $0 < row.count ? CSVWriter.undefused(row[$0]) : nil }
                    .flatMap { $0.isEmpty ? nil : $0 }
            }
            let tag = tagColumn < row.count ? CSVWriter.undefused(row[tagColumn]) : ""
            guard seen.insert(tag).inserted else { throw Problem(status: 400, detail: "\(place)idTag: '\(tag)' twice") }
            var validUntil: Date?
            if let text = value("validUntil") {
                guard let date = SyncJSON.parse(text) else {
                    throw Problem(status: 400, detail: "\(place)validUntil: not an ISO 8601 date-time: '\(text)'")
                }
                validUntil = date
            }
            var blocked: Bool?
            if let text = value("blocked") {
                guard let flag = ["true": true, "false": false, "1": true, "0": false][text.lowercased()] else {
                    throw Problem(status: 400, detail: "\(place)blocked: must be true or false, got '\(text)'")
                }
                blocked = flag
            }
            let input = CardInput(
                holder: value("holder"), organization: value("organization"), vehicle: value("vehicle"),
                tokenGroup: value("tokenGroup"), validUntil: validUntil, blocked: blocked,
                sites: value("sites")?.split(separator: " ").map(String.init))
            cards.append(try await input.card(idTag: tag, repository: repository, at: time, where: place))
        }
        return cards
    }
}
