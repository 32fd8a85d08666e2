public import Foundation

/// How many stations of a campaign may have been sent the update by `now`: one at the start, then `ratePerMinute`
/// a minute. Pure, so the pace is tested without clocks.
public enum RolloutPlan {
    public static func allowedByNow(ratePerMinute: Int, startAt: Date, now: Date, total: Int) -> Int {
        guard now >= startAt, total > 0 else { return 0 }
        let minutes = now.timeIntervalSince(startAt) / 60
        let allowed = 1 + Int((Double(ratePerMinute) * minutes).rounded(.down))
        return min(total, max(0, allowed))
    }

    /// A station whose update could not be sent (its site offline, the station not connected, no answer) is tried
    /// again after this long.
    public static let retryAfter: TimeInterval = 60

    /// What a station's FirmwareStatusNotification means for its target: the status itself, except `Idle`, which
    /// a station reports before it starts (and after a failure it already reported), so it changes nothing.
    public static func state(after status: String, current: String) -> String {
        status == "Idle" ? current : status
    }
}
