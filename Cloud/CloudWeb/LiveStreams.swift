import CloudCore
import CloudStore
import Foundation
import Synchronization

/// The dashboard's open live streams (security review, findings 17 and 18): a bounded number per browser session
/// and in all, each ending when its session or its user ends, and seeing what its user's grants show now.
public final class LiveStreams: Sendable {
    /// Streams one signed-in browser may hold (tabs); more are refused with 429.
    public static let perSession = 8
    /// Streams this instance serves in all; more are refused with 503.
    static let total = 2_000
    /// How often an open stream checks that its session still stands and re-reads its user's grants.
    public static let recheck: Duration = .seconds(10)

    private let open = Mutex<(total: Int, bySession: [String: Int])>((0, [:]))

    public init() {}

    public enum Refusal: Error {
        case session, full
    }

    /// A place for one more stream of `session`, given back when the token is gone.
    public func take(session: String) throws(Refusal) -> Token {
        try open.withLock { (state) throws(Refusal) in
            guard state.total < Self.total else { throw .full }
            guard state.bySession[session, default: 0] < Self.perSession else { throw .session }
            state.total += 1
            state.bySession[session, default: 0] += 1
        }
        return Token(self, session: session)
    }

    public var count: Int { open.withLock { $0.total } }

    fileprivate func release(_ session: String) {
        open.withLock { state in
            state.total -= 1
            let left = state.bySession[session, default: 1] - 1
            state.bySession[session] = left > 0 ? left : nil
        }
    }

    public final class Token: Sendable {
        private let streams: LiveStreams
        private let session: String
        fileprivate init(_ streams: LiveStreams, session: String) {
            self.streams = streams
            self.session = session
        }
        deinit { streams.release(session) }
    }

    /// The identity an open stream acts with, as its last check found it.
    final class Current: Sendable {
        private let value: Mutex<APIIdentity>
        init(_ identity: APIIdentity) { value = Mutex(identity) }
        var identity: APIIdentity { value.withLock { $0 } }
        func set(_ identity: APIIdentity) { value.withLock { $0 = identity } }
    }

    /// The identity a stream of `session` acts with now; nil once the session has ended (signed out, expired, its
    /// user's password changed or the user removed).
    static func identity(of session: WebSessionRecord, repository: any CloudRepository) async -> APIIdentity? {
        guard let current = try? await repository.webSession(idHash: session.idHash), current.expiresAt > Date(),
            let user = try? await repository.user(id: current.user)
        else { return nil }
        return try? await Access.identity(of: user, repository: repository)
    }
}
