import CloudStore
import Foundation
import SiteModel
import SyncContract
import Testing

/// What any implementation of the cloud's per-aggregate repositories must do, written against the protocols only, so
/// the same checks run against SQLite now and PostgreSQL later: a second implementation adds one line to
/// ``RepositoryContractTests``. Each check starts from an empty store.
enum RepositoryContracts {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)

    /// Sites: added, read back, listed by scope, renamed and located field by field, present or not.
    static func sites(_ repository: some SiteRepository) async throws {
        #expect(try await repository.site(id: "s1") == nil)
        let added = try await repository.addSite(id: "s1", name: "Depot", at: time)
        _ = try await repository.addSite(id: "s2", name: "Yard", at: time)
        #expect(added.id == "s1" && added.name == "Depot" && !added.online)
        #expect(try await repository.site(id: "s1") == added)
        #expect(try await repository.sites(in: nil).map(\.id).sorted() == ["s1", "s2"])
        #expect(try await repository.sites(in: Scope(sites: ["s2"])).map(\.id) == ["s2"])
        #expect(try await repository.sites(in: Scope()).isEmpty)
        try await repository.updateSite(
            id: "s1", name: nil, address: "1 Main St", latitude: 52.5, longitude: 13.4, timeZone: "Europe/Berlin")
        let updated = try #require(try await repository.site(id: "s1"))
        #expect(updated.name == "Depot" && updated.address == "1 Main St" && updated.timeZone == "Europe/Berlin")
        #expect(updated.latitude == 52.5 && updated.longitude == 13.4)
        try await repository.updateSite(id: "s1", name: "North depot", address: nil, latitude: nil, longitude: nil, timeZone: nil)
        #expect(try await repository.site(id: "s1")?.name == "North depot")
        #expect(try await repository.site(id: "s1")?.address == "1 Main St")
        try await repository.setPresence(site: "s1", online: true, at: time.addingTimeInterval(5))
        #expect(try await repository.site(id: "s1")?.online == true)
        try await repository.setPresence(site: "s1", online: false, at: time.addingTimeInterval(6))
        #expect(try await repository.site(id: "s1")?.online == false)
    }

    /// A site's token list: versioned, replaced whole, each token found by its idTag.
    static func siteTokens(_ repository: some SiteTokenRepository & SiteRepository) async throws {
        _ = try await repository.addSite(id: "s1", name: "Depot", at: time)
        let before = try await repository.siteTokens(site: "s1")
        #expect(before.tokens.isEmpty)
        let first = try await repository.replaceSiteTokens(
            site: "s1", with: [SiteToken(idTag: "AA11", status: "Accepted"), SiteToken(idTag: "BB22", status: "Blocked")])
        #expect(first > before.version)
        #expect(try await repository.siteToken(site: "s1", idTag: "BB22")?.status == "Blocked")
        let second = try await repository.replaceSiteTokens(site: "s1", with: [SiteToken(idTag: "AA11", status: "Accepted")])
        #expect(second > first)
        let now = try await repository.siteTokens(site: "s1")
        #expect(now.version == second && now.tokens.map(\.idTag) == ["AA11"])
        #expect(try await repository.siteToken(site: "s1", idTag: "BB22") == nil)
    }

    /// API tokens: kept by id, listed, revoked once, their last use recorded.
    static func apiTokens(_ repository: some APITokenRepository) async throws {
        let token = APITokenRecord(id: "t1", name: "ci", secretHash: "hash", role: "viewer", createdAt: time, user: "ada")
        try await repository.addAPIToken(token)
        #expect(try await repository.apiToken(id: "t1") == token)
        #expect(try await repository.apiToken(id: "t2") == nil)
        #expect(try await repository.apiTokens().map(\.id) == ["t1"])
        try await repository.tokenUsed(id: "t1", at: time.addingTimeInterval(60))
        #expect(try await repository.apiToken(id: "t1")?.lastUsedAt == time.addingTimeInterval(60))
        #expect(try await repository.revokeAPIToken(id: "t1"))
        #expect(try await repository.apiToken(id: "t1")?.revoked == true)
        #expect(try await !repository.revokeAPIToken(id: "t2"))
    }

    /// Browser sessions: found by the hash of their id until deleted.
    static func webSessions(_ repository: some WebSessionRepository & UserRepository) async throws {
        try await repository.addUser(
            UserRecord(id: "ada", name: "Ada", passwordHash: "hash", role: "admin", organization: nil, createdAt: time))
        let session = WebSessionRecord(
            idHash: "h1", user: "ada", csrf: "c1", createdAt: time, expiresAt: time.addingTimeInterval(3600))
        try await repository.addWebSession(session)
        #expect(try await repository.webSession(idHash: "h1") == session)
        #expect(try await repository.webSession(idHash: "h2") == nil)
        try await repository.deleteWebSession(idHash: "h1")
        #expect(try await repository.webSession(idHash: "h1") == nil)
    }

    /// Vehicles: of an organization that exists, added with their tokens, listed, deleted once.
    static func vehicles(_ repository: some VehicleRepository & OrganizationRepository) async throws {
        let vehicle = VehicleRecord(
            id: "v1", name: "Van 1", plate: "B-GS 1", fleet: "vans", organization: "acme", tokens: ["AA11", "AA12"],
            createdAt: time)
        await #expect(throws: (any Error).self) { try await repository.addVehicle(vehicle) }
        #expect(try await repository.vehicles().isEmpty)
        try await repository.addOrganization(id: "acme", name: "ACME", at: time)
        try await repository.addVehicle(vehicle)
        let listed = try await repository.vehicles()
        #expect(listed.map(\.id) == ["v1"] && Set(listed[0].tokens) == ["AA11", "AA12"])
        #expect(listed[0].organization == "acme" && listed[0].plate == "B-GS 1")
        #expect(try await repository.activeSessions(idTags: ["AA11"]).isEmpty)
        #expect(try await repository.deleteVehicle(id: "v1"))
        #expect(try await !repository.deleteVehicle(id: "v1"))
        #expect(try await repository.vehicles().isEmpty)
    }

    /// Groups of stations across sites: saved whole, grown by one station, scoped, deleted once.
    static func groups(_ repository: some GroupRepository & SiteRepository) async throws {
        _ = try await repository.addSite(id: "s1", name: "Depot", at: time)
        _ = try await repository.addSite(id: "s2", name: "Yard", at: time)
        let a = StationKey(site: "s1", station: "CP1")
        let b = StationKey(site: "s2", station: "CP1")
        try await repository.saveGroup(id: "g1", name: "Bays", stations: [a])
        #expect(try await repository.groups(in: nil).map(\.id) == ["g1"])
        #expect(try await repository.addToGroup(group: "g1", station: b))
        #expect(try await Set(repository.groups(in: nil).first?.stations ?? []) == [a, b])
        #expect(try await !repository.addToGroup(group: "nope", station: b))
        try await repository.saveGroup(id: "g1", name: "Bays", stations: [b])
        #expect(try await repository.groups(in: nil).first?.stations == [b])
        #expect(try await repository.deleteGroup(id: "g1"))
        #expect(try await !repository.deleteGroup(id: "g1"))
        #expect(try await repository.groups(in: nil).isEmpty)
    }

    /// Organizations: what they are granted makes their scope; a save with an unknown grant changes nothing.
    static func organizations(
        _ repository: some OrganizationRepository & SiteRepository & GroupRepository & IngestRepository
    ) async throws {
        _ = try await repository.addSite(id: "s1", name: "Depot", at: time)
        _ = try await repository.addSite(id: "s2", name: "Yard", at: time)
        let boot = StationBoot(
            station: "CP1", vendor: "V", model: "M", serialNumber: nil, firmwareVersion: "1", approval: "accepted", time: time)
        _ = try await repository.apply(
            [UpEnvelope(site: "s2", seq: 1, timestamp: time, message: .stationBoot(boot))], receivedAt: time)
        try await repository.saveGroup(id: "g1", name: "Bays", stations: [])
        try await repository.addOrganization(id: "acme", name: "ACME", at: time)
        #expect(try await repository.organization(id: "acme")?.name == "ACME")
        #expect(try await repository.scope(ofOrganization: "acme").isEmpty)
        let station = StationKey(site: "s2", station: "CP1")
        // A station that never connected nor was added is not granted.
        await #expect(throws: (any Error).self) {
            try await repository.grant(organization: "acme", .station(StationKey(site: "s1", station: "CP1")))
        }
        try await repository.grant(organization: "acme", .site("s1"))
        try await repository.grant(organization: "acme", .station(station))
        let scope = try await repository.scope(ofOrganization: "acme")
        #expect(scope.sites == ["s1"] && scope.stations == [station])
        #expect(scope.seesWhole(site: "s1") && !scope.seesWhole(site: "s2") && scope.sees(station: "CP1", site: "s2"))
        #expect(try await repository.revoke(organization: "acme", .site("s1")))
        #expect(try await !repository.revoke(organization: "acme", .site("s1")))
        #expect(try await repository.scope(ofOrganization: "acme").sites.isEmpty)
        await #expect(throws: (any Error).self) {
            try await repository.saveOrganization(id: "acme", name: "ACME 2", sites: ["nowhere"], stations: [], groups: [])
        }
        #expect(try await repository.organization(id: "acme")?.name == "ACME")
        try await repository.saveOrganization(id: "acme", name: "ACME 2", sites: ["s2"], stations: [], groups: ["g1"])
        let saved = try await repository.scope(ofOrganization: "acme")
        #expect(saved.sites == ["s2"] && saved.stations.isEmpty && saved.groups == ["g1"])
        #expect(try await repository.organizations().map(\.id) == ["acme"])
        // Billing details: replaced whole, kept apart from the grants, refused for an organization that is not.
        #expect(try await repository.organization(id: "acme")?.billing == BillingDetails())
        let billing = BillingDetails(
            address: "Hafenstraße 1\n20457 Hamburg", vatId: "DE123456789", emails: ["a@acme.example", "b@acme.example"])
        #expect(try await repository.setBilling(organization: "acme", billing))
        #expect(try await !repository.setBilling(organization: "nobody", billing))
        try await repository.saveOrganization(id: "acme", name: "ACME 3", sites: ["s2"], stations: [], groups: [])
        #expect(try await repository.organization(id: "acme")?.billing == billing)
        #expect(try await repository.setBilling(organization: "acme", BillingDetails()))
        #expect(try await repository.organization(id: "acme")?.billing == BillingDetails())
        #expect(try await repository.deleteOrganization(id: "acme"))
        #expect(try await repository.organization(id: "acme") == nil)
    }
}
