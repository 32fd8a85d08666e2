public import CloudCore
public import CloudStore
public import Foundation
import ServerSupport

/// What the fleet's administrators do with roaming partners (the API's `/ocpi/partners`): invite one (a token A to
/// give it, with this cloud's versions URL), or register with one that gave its own token A and versions URL.
public struct OCPIPartners: Sendable {
    let repository: any CloudRepository
    let client: OCPIClient
    public let party: OCPIParty
    /// Sends a site's token list to its edge again (the partners' tokens it holds changed).
    let tokenListChanged: @Sendable (String) async -> Void
    /// Reads the partner's token list (after a registration this cloud made, and on an administrator's demand): how
    /// many tokens it kept and refused.
    let readTokens: @Sendable (OCPIPartnerRecord) async -> TokensRead

    /// What reading a partner's token list came to (`failure`: it could not be read at all, and why).
    public struct TokensRead: Codable, Sendable, Equatable {
        public var kept, refused: Int
        public var failure: String?

        public init(kept: Int, refused: Int, failure: String? = nil) {
            self.kept = kept
            self.refused = refused
            self.failure = failure
        }
    }

    public init(
        repository: any CloudRepository, client: OCPIClient,
        tokenListChanged: @escaping @Sendable (String) async -> Void = { _ in },
        readTokens: @escaping @Sendable (OCPIPartnerRecord) async -> TokensRead = { _ in TokensRead(kept: 0, refused: 0) }
    ) {
        self.readTokens = readTokens
        self.tokenListChanged = tokenListChanged
        self.repository = repository
        self.client = client
        party = client.party
    }

    /// The answer to adding a partner: the partner, and the token A to give it when it is to register with this cloud.
    public struct Added: Encodable, Sendable {
        public let partner: OCPIPartnerRecord
        /// Given once; only its hash is kept.
        public let token: String?
        public let versionsUrl: String
    }

    /// What an administrator gives to add a partner.
    public struct Input: Decodable, Sendable {
        public var name: String
        /// The partner's versions URL and the token A it gave: this cloud registers with it at once.
        public var versionsUrl: String?
        public var token: String?
        public var plainTokens: Bool?
        /// The sites published to it as Locations.
        public var sites: [String]?
        /// It is a hub: it may put its members' tokens under their own codes.
        public var hub: Bool?

        public init(
            name: String, versionsUrl: String?, token: String?, plainTokens: Bool?, sites: [String]?, hub: Bool? = nil
        ) {
            self.hub = hub
            self.name = name
            self.versionsUrl = versionsUrl
            self.token = token
            self.plainTokens = plainTokens
            self.sites = sites
        }
    }

    /// The sites published to a partner (each one this cloud has; the list replaces the one before).
    public func setSites(_ sites: [String], of id: String) async throws -> OCPIPartnerRecord {
        var partner = try await partner(id)
        let before = Set(partner.sites)
        partner.sites = try await checked(sites)
        try await repository.updateOCPIPartner(partner, incomingTokenHash: nil, outgoingToken: nil)
        // Its drivers' tokens come to, or leave, the edges of the sites it gained or lost.
        let changed = before.symmetricDifference(partner.sites).sorted()
        try await repository.renewTokenLists(sites: changed)
        for site in changed { await tokenListChanged(site) }
        return partner
    }

    private func checked(_ sites: [String]) async throws -> [String] {
        let known = Set(try await repository.sites(in: nil).map(\.id))
        if let unknown = sites.first(where: { !known.contains($0) }) {
            throw Problem(status: 404, detail: "sites: no site '\(unknown)'")
        }
        return Array(Set(sites)).sorted()
    }

    public func add(_ input: Input, now: Date = Date()) async throws -> Added {
        let name = input.name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count) else { throw Problem(status: 400, detail: "name: 1 to 100 characters") }
        guard (input.versionsUrl == nil) == (input.token == nil) else {
            throw Problem(status: 400, detail: "versionsUrl and token: both (to register with the partner) or neither")
        }
        if let token = input.token, !(1...64).contains(token.count) {
            throw Problem(status: 400, detail: "token: 1 to 64 characters")
        }
        let tokenA = OCPITokens.generate()
        var partner = OCPIPartnerRecord(
            id: UUID().uuidString.lowercased(), name: name, plainTokens: input.plainTokens ?? false, createdAt: now)
        partner.sites = try await checked(input.sites ?? [])
        partner.hub = input.hub ?? false
        try await repository.addOCPIPartner(partner, incomingTokenHash: OCPITokens.hash(tokenA))
        guard let versionsURL = input.versionsUrl, let theirToken = input.token else {
            return Added(partner: partner, token: tokenA, versionsUrl: party.versionsURL)
        }
        do {
            let registered = try await client.register(
                partner, versionsURL: versionsURL, tokenA: theirToken, repository: repository)
            Task { _ = await self.readTokens(registered) }
            return Added(partner: registered, token: nil, versionsUrl: party.versionsURL)
        } catch let error as OCPIError {
            throw Problem(status: 502, detail: "the partner was added but not registered: \(error.message)")
        }
    }

    /// Reads a registered partner's whole token list again (409 before it is registered, or without a tokens module).
    public func readTokens(of id: String) async throws -> TokensRead {
        let partner = try await partner(id)
        guard partner.state == "registered" else {
            throw Problem(status: 409, detail: "partner '\(id)' is not registered: there is no token list to read")
        }
        guard partner.endpoint("tokens", role: "SENDER") != nil else {
            throw Problem(status: 409, detail: "partner '\(id)' sends no tokens module")
        }
        let read = await readTokens(partner)
        if let failure = read.failure { throw Problem(status: 502, detail: "partner '\(id)': \(failure)") }
        return read
    }

    public func partner(_ id: String) async throws -> OCPIPartnerRecord {
        guard let partner = try await repository.ocpiPartner(id: id) else {
            throw Problem(status: 404, detail: "no OCPI partner '\(id)'")
        }
        return partner
    }
}
