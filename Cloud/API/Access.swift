public import CloudStore

/// How a user becomes an identity: the role of the user, and the sites of the user's organization (a user of no
/// organization is the fleet's own staff and sees every site).
public enum Access {
    /// The identity of `user`; nil when the stored role is not one this cloud knows (refused, not guessed).
    public static func identity(
        of user: UserRecord, repository: any CloudRepository, tokenId: String = ""
    ) async throws -> APIIdentity? {
        guard let role = Role(rawValue: user.role) else { return nil }
        var sites: Set<String>?
        if let organization = user.organization {
            // An organization that is gone grants nothing.
            sites = try await repository.organization(id: organization)?.sites ?? []
        } else if role == .partner {
            // A partner always belongs to an organization; one without sees nothing rather than everything.
            sites = []
        }
        return APIIdentity(
            tokenId: tokenId, name: user.name, role: role, sites: sites, user: user.id, organization: user.organization)
    }
}
