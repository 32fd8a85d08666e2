import Foundation
import SyncContract

/// How far the edge's clock is from the cloud's, learnt from acks (which carry the cloud's time and arrive within
/// moments), so a command's deadline, set on the cloud's clock, is read right on a box whose clock is off (security
/// review, finding 21). Each ack gives `received − sent = skew + delay`; the smallest of the recent ones is the best
/// estimate of the skew, late by the shortest delay seen, which errs toward running a command a moment longer.
struct CloudClock: Sendable {
    /// How many recent acks the estimate keeps; a clock drifts slowly, and a burst of slow deliveries passes.
    static let samplesKept = 16
    /// How long a command that arrives before the first ack waits for one (a broker hands over the commands it held
    /// for the edge right as it connects, before the outbox it sends then is acknowledged).
    static let waitForAck: Duration = .seconds(5)

    private var samples: [TimeInterval] = []

    /// The edge's clock minus the cloud's, in seconds, or nil before the first ack that says its time.
    var skew: TimeInterval? { samples.min() }

    mutating func heard(cloudTime: Date, at received: Date) {
        samples.append(received.timeIntervalSince(cloudTime))
        if samples.count > Self.samplesKept { samples.removeFirst(samples.count - Self.samplesKept) }
    }

    /// When, on the edge's clock, `command` is no longer to be run: its deadline moved by the skew, or, with no ack
    /// heard (none came within ``waitForAck``), read on the edge's own clock as it stands.
    func deadline(of command: CommandRequest) -> Date {
        skew.map { command.expires.addingTimeInterval($0) } ?? command.expires
    }
}
