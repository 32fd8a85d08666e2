import CloudIngest
import Foundation
import ServerSupport
import Synchronization

/// Sign-in attempts per client address (security review, finding 8): each costs a bcrypt, so one address may try
/// `burst` times at once and then `perMinute` a minute; past that it is answered 429 without a bcrypt. Together with
/// the lock per user (five failures), a client can neither guess fast nor keep the cores busy.
final class SignInLimit: Sendable {
    private let buckets: Mutex<SiteRateLimit>

    init(perMinute: Double, burst: Double) {
        buckets = Mutex(SiteRateLimit(rate: perMinute / 60, burst: burst))
    }

    /// Takes one attempt of `client`'s; false when it has none left for now.
    func allow(_ client: String, now: ContinuousClock.Instant = .now) -> Bool {
        let key = Self.key(client)
        return buckets.withLock { buckets in
            if buckets.count > 10_000 { buckets.forgetRefilled(now: now) }
            return buckets.allow(key, now: now)
        }
    }

    /// Whom an address's attempts count against: an IPv4 address itself, an IPv6 address's /64 (one customer's
    /// network, from which a client may take any of 2^64 addresses).
    static func key(_ address: String) -> String { ClientAddress.group(address) }
}
