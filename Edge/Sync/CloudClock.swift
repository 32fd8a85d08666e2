import Foundation
import SyncContract

/// How far the edge's clock is from the cloud's, learnt from acks (which carry the cloud's time and arrive within
/// moments), so a command's deadline, set on the cloud's clock, is read right on a box whose clock is off (security
/// review, finding 21). Each ack gives `received − sent = skew + delay`; the smallest of the recent ones is the best
/// estimate of the skew, late by the shortest delay seen, which errs toward running a command a moment longer.
struct CloudClock: Sendable {
    /// How many recent acks the estimate keeps; a clock drifts slowly, and a burst of slow deliveries passes.
    static let samplesKept = 16
    /// Without an estimate, a command the cloud sent longer ago than this on the edge's own clock is not run even if
    /// its time to live has not passed since it arrived: a broker held it while the edge was away.
    static let staleAfter: TimeInterval = 600

    private var samples: [TimeInterval] = []

    /// The edge's clock minus the cloud's, in seconds, or nil before the first ack that says its time.
    var skew: TimeInterval? { samples.min() }

    mutating func heard(cloudTime: Date, at received: Date) {
        samples.append(received.timeIntervalSince(cloudTime))
        if samples.count > Self.samplesKept { samples.removeFirst(samples.count - Self.samplesKept) }
    }

    /// When, on the edge's clock, `command` received at `received` is no longer to be run.
    func deadline(of command: CommandRequest, receivedAt received: Date) -> Date {
        if let skew { return command.expires.addingTimeInterval(skew) }
        guard let ttl = command.ttl else { return command.expires }
        return min(received.addingTimeInterval(ttl), command.expires.addingTimeInterval(Self.staleAfter))
    }
}
