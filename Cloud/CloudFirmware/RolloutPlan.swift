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

    /// A target that was sent the update, or is downloading or installing it, and has reported nothing for this long
    /// is given up (`timeout`), so a campaign whose station went silent or whose status was lost still finishes
    /// (security review, finding 21).
    public static let silenceLimit: TimeInterval = 6 * 3600

    /// What a target silent since `updatedAt` becomes at `now`: `timeout` past ``silenceLimit``, else what it is.
    public static func state(of current: String, updatedAt: Date?, now: Date) -> String {
        guard
            [
                "sent", "Downloading", "Downloaded", "Installing", "DownloadScheduled", "DownloadPaused", "SignatureVerified",
                "InstallScheduled", "InstallRebooting",
            ].contains(current), let updatedAt,
            now.timeIntervalSince(updatedAt) > silenceLimit
        else { return current }
        return "timeout"
    }

    /// What a station's FirmwareStatusNotification means for its target: the status itself, except `Idle`, which
    /// a station reports before it starts (and after a failure it already reported), so it changes nothing.
    public static func state(after status: String, current: String) -> String {
        status == "Idle" ? current : status
    }
}
