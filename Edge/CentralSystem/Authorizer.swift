import EdgeConfig
import EdgeStore
import Foundation
import SiteModel

/// Decides whether a token may charge, from the tokens the edge knows and the policy for the ones it does not.
struct Authorizer: Sendable {
    let store: EdgeStore
    let unknownTokens: UnknownTokenPolicy

    func verdict(for idTag: String, now: Date) async throws -> TokenVerdict {
        guard let token = try await store.token(idTag: idTag) else {
            return TokenVerdict(status: unknownTokens == .accept ? .accepted : .invalid)
        }
        if token.status == .accepted, let expiry = token.expiry, expiry < now {
            return TokenVerdict(status: .expired, expiry: expiry, parentIdTag: token.parentIdTag)
        }
        return TokenVerdict(status: token.status, expiry: token.expiry, parentIdTag: token.parentIdTag)
    }
}
