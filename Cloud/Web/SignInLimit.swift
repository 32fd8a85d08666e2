import CloudIngest
import Foundation
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
    /// network, from which a client may take any of 2^64 addresses), an IPv4-mapped IPv6 address as its IPv4 one.
    static func key(_ address: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard address.contains(":"), inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}
