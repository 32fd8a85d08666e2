/// A token bucket per site: a site may send `rate` messages a second, with bursts up to `burst` (an edge
/// emptying its outbox after hours offline). Past that its messages are refused unacknowledged, so the
/// edge sends them again later, and other sites' messages go on.
struct SiteRateLimit {
    let rate: Double
    let burst: Double
    private var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes one token of `site`'s bucket; false when it is empty.
    mutating func allow(_ site: String, now: ContinuousClock.Instant) -> Bool {
        var bucket = buckets[site] ?? (burst, now)
        let elapsed = now - bucket.at
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(burst, bucket.tokens + seconds * rate)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[site] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[site] = bucket
        return true
    }
}
