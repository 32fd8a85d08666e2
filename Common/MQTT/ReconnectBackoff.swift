/// How long an ``MQTTClient`` waits before its next attempt to reach the broker: doubling from the first wait up to a
/// cap, each wait drawn at random from the upper half of its step ("equal jitter"). The cap bounds how long after the
/// broker's return a client still waits; the jitter keeps the many edges of a fleet, which lost the broker at the same
/// moment, from all knocking on its door in the same instant when it comes back.
public struct ReconnectBackoff: Sendable, Equatable {
    /// The wait before the first attempt after a loss.
    public var first: Duration
    /// The longest wait.
    public var cap: Duration

    public init(first: Duration, cap: Duration) {
        self.first = first
        self.cap = max(first, cap)
    }

    /// The wait before attempt `attempt` (0 for the first after a loss): between half and all of
    /// `min(cap, first × 2^attempt)`.
    public func delay(attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let step = min(cap, first * (1 << min(max(0, attempt), 20)))
        let milliseconds = max(1, Int64(step.components.seconds * 1000 + step.components.attoseconds / 1_000_000_000_000_000))
        return .milliseconds(Int64.random(in: (milliseconds + 1) / 2...milliseconds, using: &random))
    }
}
