import EdgeConfig
import EdgeStore
import Foundation
public import SiteModel

/// Asks someone else (the cloud) about a token the edge does not know.
public protocol RemoteAuthorizing: Sendable {
    /// The verdict, or nil when no answer came in time; then the offline policy decides.
    func verdict(for idTag: String, station: String) async -> TokenVerdict?
}

/// Decides whether a token may charge, from the tokens the edge knows, then the cloud's verdict, then the
/// policy for tokens nobody could vouch for.
struct Authorizer: Sendable {
    let store: EdgeStore
    let unknownTokens: UnknownTokenPolicy
    let remote: (any RemoteAuthorizing)?

    /// - Parameter askRemote: false where the answer changes nothing (a stop's idTagInfo), so nothing waits
    ///   on the cloud.
    func verdict(for idTag: String, station: String, now: Date, askRemote: Bool = true) async throws -> TokenVerdict {
        guard let token = try await store.token(idTag: idTag) else {
            if askRemote, let remote, let verdict = await remote.verdict(for: idTag, station: station) { return verdict }
            return TokenVerdict(status: unknownTokens == .accept ? .accepted : .invalid)
        }
        // Asked first while the cloud answers; the list holds when it does not (offline, or no answer in time).
        if token.askFirst, askRemote, let remote, let verdict = await remote.verdict(for: idTag, station: station) {
            return verdict
        }
        if token.status == .accepted, let expiry = token.expiry, expiry < now {
            return TokenVerdict(status: .expired, expiry: expiry, parentIdTag: token.parentIdTag)
        }
        return TokenVerdict(status: token.status, expiry: token.expiry, parentIdTag: token.parentIdTag)
    }
}
