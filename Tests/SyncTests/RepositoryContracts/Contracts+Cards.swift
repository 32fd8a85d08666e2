import CloudStore
import Foundation
import SiteModel
import Testing

extension RepositoryContracts {
    /// Cards: kept and replaced by tag; the token lists of the sites they concern change version and hold them beside
    /// each site's own entries (which win for a tag in both); blocked and expired cards say so.
    static func cards(_ repository: some CardRepository & SiteRepository & SiteTokenRepository) async throws {
        _ = try await repository.addSite(id: "s1", name: "Depot", at: time)
        _ = try await repository.addSite(id: "s2", name: "Yard", at: time)
        _ = try await repository.replaceSiteTokens(site: "s1", with: [SiteToken(idTag: "OWN", status: "Accepted")])
        let before = try await repository.edgeTokens(site: "s1", at: time).version
        let everywhere = CardRecord(idTag: "DANA", holder: "Dana", tokenGroup: "staff", updatedAt: time)
        let yardOnly = CardRecord(idTag: "EVE", blocked: true, sites: ["s2"], updatedAt: time)
        let expired = CardRecord(idTag: "OWN", validUntil: time - 60, updatedAt: time)
        #expect(try await repository.saveCards([everywhere, yardOnly, expired]) == ["s1", "s2"])
        let s1 = try await repository.edgeTokens(site: "s1", at: time)
        #expect(s1.version > before)
        #expect(s1.tokens.map(\.idTag) == ["DANA", "OWN"])
        #expect(s1.tokens.first { $0.idTag == "OWN" }?.status == "Accepted", "the site's own entry wins")
        #expect(s1.tokens.first?.parentIdTag == "staff")
        #expect(try await repository.edgeToken(site: "s2", idTag: "EVE", at: time)?.status == "Blocked")
        #expect(try await repository.edgeToken(site: "s1", idTag: "EVE", at: time) == nil, "not a card of this site")
        #expect(try await repository.edgeToken(site: "s2", idTag: "OWN", at: time)?.status == "Expired")
        #expect(try await repository.card(idTag: "DANA") == everywhere)
        #expect(try await repository.cards().map(\.idTag) == ["DANA", "EVE", "OWN"])
        #expect(try await repository.deleteCard(idTag: "EVE") == ["s2"])
        #expect(try await repository.deleteCard(idTag: "EVE") == nil)
        #expect(try await repository.siteTokens(site: "s1").tokens.map(\.idTag) == ["OWN"], "the site's own list is apart")
    }
}
