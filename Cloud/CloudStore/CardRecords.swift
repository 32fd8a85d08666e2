public import Foundation
public import SiteModel

/// A driver's card (an RFID card or an app's id) as the fleet manages it: who holds it (a driver's name, and the
/// vehicle and client organization it belongs to), its token group (employees, a fleet customer: tariffs can apply to
/// one group), until when it is valid, whether it is blocked, and at which sites it may charge (none listed: every
/// site). The edges' local lists are derived from the cards, beside each site's own list.
public struct CardRecord: Sendable, Equatable, Codable {
    public var idTag: String
    public var holder: String?
    public var organization: String?
    public var vehicle: String?
    public var tokenGroup: String?
    public var validUntil: Date?
    public var blocked: Bool
    /// Sites it may charge at; empty: every site.
    public var sites: [String]
    public var updatedAt: Date

    public init(
        idTag: String, holder: String? = nil, organization: String? = nil, vehicle: String? = nil,
        tokenGroup: String? = nil, validUntil: Date? = nil, blocked: Bool = false, sites: [String] = [],
        updatedAt: Date
    ) {
        self.idTag = idTag
        self.holder = holder
        self.organization = organization
        self.vehicle = vehicle
        self.tokenGroup = tokenGroup
        self.validUntil = validUntil
        self.blocked = blocked
        self.sites = sites
        self.updatedAt = updatedAt
    }

    /// Whether it may charge at `site`.
    public func applies(to site: String) -> Bool { sites.isEmpty || sites.contains(site) }

    /// The card as an entry of a site's token list: blocked, expired or accepted; its token group as the parent id
    /// (OCPP's group id) when it fits the 20 characters OCPP allows.
    public func token(at time: Date) -> SiteToken {
        let status: TokenStatus = blocked ? .blocked : (validUntil.map { $0 <= time } ?? false) ? .expired : .accepted
        return SiteToken(
            idTag: idTag, status: .known(status), expiry: validUntil,
            parentIdTag: tokenGroup.flatMap { $0.count <= 20 ? $0 : nil })
    }
}

/// Drivers' cards.
public protocol CardRepository: Sendable {
    /// Adds or replaces a card; the token lists of the sites it applied to or applies to now change version.
    /// Returns those sites.
    func saveCards(_ cards: [CardRecord]) async throws -> [String]
    func cards() async throws -> [CardRecord]
    func card(idTag: String) async throws -> CardRecord?
    /// Removes a card; returns the sites whose lists changed (nil: no such card).
    func deleteCard(idTag: String) async throws -> [String]?
    /// What an edge's chargers are told: the site's own list, and every card that applies there (the site's own entry
    /// wins for a tag in both), at the site's list version.
    func edgeTokens(site: String, at time: Date) async throws -> (version: Int, tokens: [SiteToken])
    /// One tag as the edge's list has it.
    func edgeToken(site: String, idTag: String, at time: Date) async throws -> SiteToken?
}
