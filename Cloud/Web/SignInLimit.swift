import Foundation
import Synchronization

/// Sign-in attempts per client address (security review, finding 8): each costs a bcrypt, so one address may try
/// `burst` times at once and then `perMinute` a minute; past that it is answered 429 without a bcrypt. Together with
/// the lock per user (five failures), a client can neither guess fast nor keep the cores busy.
final class SignInLimit: Sendable {
    let perMinute: Double
    let burst: Double
    private let buckets = Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    init(perMinute: Double, burst: Double) {
        self.perMinute = perMinute
        self.burst = burst
    }

    /// Takes one attempt of `client`'s; false when it has none left for now.
    func allow(_ client: String, now: ContinuousClock.Instant = .now) -> Bool {
        buckets.withLock { buckets in
            if buckets.count > 10_000 {
                // Addresses that have refilled are forgotten, so many clients cannot grow this without bound.
                buckets = buckets.filter { (now - $0.value.at) < .seconds(60 * burst / perMinute) }
            }
            var bucket = buckets[client] ?? (burst, now)
            let elapsed = now - bucket.at
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * perMinute / 60)
            bucket.at = now
            defer { buckets[client] = bucket }
            guard bucket.tokens >= 1 else { return false }
            bucket.tokens -= 1
            return true
        }
    }
}
