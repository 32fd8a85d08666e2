public import CloudStore
import Foundation
import Logging
public import SiteModel

/// Real-time authorization of partners' drivers the edges do not have in their lists: those whitelisted `NEVER`
/// (which must always be asked), and any other whose list has not reached the edge yet. The edge asks the cloud
/// (within its `auth_timeout_s`); the cloud asks the partner's tokens module (`POST {tokens}/{uid}/authorize` with the
/// Location), within `timeout`.
public struct OCPIAuthorizer: Sendable {
    let repository: any CloudRepository
    let client: OCPIClient
    let timeout: Duration

    public init(repository: any CloudRepository, client: OCPIClient, timeout: Duration = .seconds(2)) {
        self.repository = repository
        self.client = client
        self.timeout = timeout
    }

    /// OCPI's AuthorizationInfo, what this cloud reads of it.
    struct Info: Codable, Sendable {
        var allowed: String
        var authorizationReference: String?

        enum CodingKeys: String, CodingKey {
            case allowed
            case authorizationReference = "authorization_reference"
        }
    }

    /// The verdict on `idTag` at `site`, nil when it is no partner's driver there. A partner that does not answer in
    /// time leaves its `NEVER` drivers refused and its others taken as their whitelist allows.
    public func authorize(site: String, idTag: String) async -> SiteToken? {
        guard let tokens = try? await repository.ocpiTokens(uid: idTag), !tokens.isEmpty else { return nil }
        for token in tokens {
            guard let partner = try? await repository.ocpiPartner(id: token.partner), partner.state == "registered",
                partner.sites.contains(site)
            else { continue }
            guard token.valid else { return SiteToken(idTag: idTag, status: .known(.invalid)) }
            let whitelisted = token.whitelist == "NEVER" ? nil : SiteToken(idTag: idTag, status: .known(.accepted))
            if token.whitelist == "ALWAYS" { return whitelisted }
            guard let url = partner.endpoint("tokens", role: "SENDER"),
                let secret = try? await repository.ocpiOutgoingToken(partner: partner.id)
            else { return whitelisted ?? SiteToken(idTag: idTag, status: .known(.invalid)) }
            let asked = await ask(url: url, token: token, site: site, secret: secret, partner: partner)
            return asked ?? whitelisted ?? SiteToken(idTag: idTag, status: .known(.invalid))
        }
        return nil
    }

    /// The partner's answer, nil when it gave none in time.
    private func ask(
        url: String, token: OCPITokenRecord, site: String, secret: String, partner: OCPIPartnerRecord
    ) async -> SiteToken? {
        let target = Plan.path(url, [token.uid, "authorize"]) + "?type=\(token.type)"
        let answer: Info?
        do {
            answer = try await withThrowingTaskGroup(of: Info?.self) { group in
                group.addTask {
                    try await client.call(
                        "POST", target, token: secret, partner: partner, repository: repository, body: ["location_id": site])
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        } catch {
            client.logger.warning(
                "a partner's real-time authorization failed",
                metadata: ["partner": "\(partner.id)", "error": "\(error)"])
            return nil
        }
        guard let answer else { return nil }
        let status: TokenStatus =
            switch answer.allowed {
            case "ALLOWED": .accepted
            case "BLOCKED": .blocked
            case "EXPIRED": .expired
            default: .invalid
            }
        if status == .accepted {
            try? await repository.noteOCPIAuthorization(
                site: site, idTag: token.uid, method: "AUTH_REQUEST", reference: answer.authorizationReference, at: Date())
        }
        return SiteToken(
            idTag: token.uid, status: .known(status),
            parentIdTag: status == .accepted ? token.groupId.flatMap { $0.count <= 20 ? $0 : nil } : nil)
    }
}
