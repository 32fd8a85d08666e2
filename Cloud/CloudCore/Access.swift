public import CloudStore

/// How a user becomes an identity: the role of the user, and what the user's organization is granted (a user of no
/// organization is the fleet's own staff and sees everything).
public enum Access {
    /// The identity of `user`; nil when the stored role is not one this cloud knows (refused, not guessed).
    public static func identity(
        of user: UserRecord, repository: any CloudRepository, tokenId: String = ""
    ) async throws -> APIIdentity? {
        guard let role = Role(rawValue: user.role) else { return nil }
        let scope = try await repository.scope(ofUser: user)
        return APIIdentity(
            tokenId: tokenId, name: user.name, role: role, scope: scope, user: user.id, organization: user.organization)
    }
}
