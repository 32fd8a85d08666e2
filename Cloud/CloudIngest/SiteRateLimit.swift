/// A token bucket per key: a key may take `rate` tokens a second, with bursts up to `burst`. Ingest keys it by site
/// (an edge emptying its outbox after hours offline; past it its messages are refused unacknowledged, so the edge
/// sends them again later, and other sites' messages go on); the dashboard by client address for sign-ins.
public struct SiteRateLimit: Sendable {
    public let rate: Double
    public let burst: Double
    private var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes one token of `key`'s bucket; false when it is empty.
    public mutating func allow(_ key: String, now: ContinuousClock.Instant) -> Bool {
        var bucket = buckets[key] ?? (burst, now)
        let elapsed = now - bucket.at
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(burst, bucket.tokens + seconds * rate)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        return true
    }

    /// How many keys have a bucket.
    public var count: Int { buckets.count }

    /// Forgets the keys whose buckets have refilled by `now` (a new bucket starts full anyway), so that many keys
    /// cannot grow this without bound.
    public mutating func forgetRefilled(now: ContinuousClock.Instant) {
        let refill = Duration.seconds(burst / rate)
        buckets = buckets.filter { now - $0.value.at < refill }
    }
}
