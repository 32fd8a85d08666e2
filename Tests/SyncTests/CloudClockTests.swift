import Foundation
import SyncContract
import Testing

@testable import EdgeSync

/// A command's deadline is set on the cloud's clock and read on the edge's (security review, finding 21).
@Suite struct CloudClockTests {
    let cloudNow = Date(timeIntervalSince1970: 1_796_000_000)

    func command(sentAt sent: Date) -> CommandRequest {
        CommandRequest(id: "c", station: "CP", action: "Reset", payload: "{}", expires: sent.addingTimeInterval(30))
    }

    @Test func anEdgeAheadOfTheCloudStillRunsAFreshCommandOnceAnAckToldItTheSkew() {
        var clock = CloudClock()
        let ahead: TimeInterval = 120
        // Acks delivered after 0.3 s, 0.05 s and 2 s: the quickest tells the skew best.
        for delay in [0.3, 0.05, 2.0] { clock.heard(cloudTime: cloudNow, at: cloudNow.addingTimeInterval(ahead + delay)) }
        #expect(abs((clock.skew ?? 0) - (ahead + 0.05)) < 0.001)
        let received = cloudNow.addingTimeInterval(ahead + 0.1)
        let deadline = clock.deadline(of: command(sentAt: cloudNow))
        #expect(deadline.timeIntervalSince(received) > 29, "read on the cloud's clock, 30 s after sending")
        // The same command handed over by a broker ten minutes later, after the caller got its 504: too late.
        let late = clock.deadline(of: command(sentAt: cloudNow.addingTimeInterval(-600)))
        #expect(late < received)
    }

    @Test func anEdgeBehindTheCloudDoesNotRunACommandItsCallerGaveUpOn() {
        var clock = CloudClock()
        clock.heard(cloudTime: cloudNow, at: cloudNow.addingTimeInterval(-300 + 0.1))
        // Sent 40 s ago on the cloud's clock: the caller's 30 s passed, though the edge's clock says 260 s to go.
        let received = cloudNow.addingTimeInterval(-300 + 40)
        #expect(clock.deadline(of: command(sentAt: cloudNow)) < received)
    }

    @Test func withNoAckHeardTheDeadlineIsReadOnTheEdgesOwnClock() {
        // A second reader: a time to live counted from arrival ran commands a broker had held for minutes while the
        // edge rebooted, whose callers had their 504. With no ack (the edge waits a few seconds for one first), the
        // deadline is the cloud's, as the edge's clock reads it.
        let clock = CloudClock()
        #expect(clock.skew == nil)
        let held = command(sentAt: cloudNow.addingTimeInterval(-300))
        #expect(clock.deadline(of: held) == held.expires)
        #expect(clock.deadline(of: held) < cloudNow, "held for five minutes: not run")
    }

    @Test func onlyTheRecentAcksCount() {
        var clock = CloudClock()
        clock.heard(cloudTime: cloudNow, at: cloudNow)
        for _ in 0..<CloudClock.samplesKept { clock.heard(cloudTime: cloudNow, at: cloudNow.addingTimeInterval(60)) }
        #expect(clock.skew == 60, "the clock was corrected: the old skew is forgotten")
    }
}
