import Foundation
import SiteModel
import SyncContract
import Testing

@testable import CloudIngest

/// A second reader of the security review (finding 16): what waits for the store was bounded in messages only, up to
/// 100,000 of 256 KiB each.
@Suite struct IngestBacklogTests {
    static func note(_ seq: Int64) -> UpEnvelope {
        UpEnvelope(
            site: "s", seq: seq, timestamp: Date(timeIntervalSince1970: 1_796_000_000),
            message: .event(SiteEvent(station: nil, kind: "n", severity: "info", detail: "{}", time: Date())))
    }

    @Test func messagesBeyondTheBytesOrTheCountWaitingAreRefusedAndTakingMakesRoom() {
        var backlog = IngestBacklog(maxMessages: 3, maxBytes: 10_000)
        let admitted = [
            backlog.admit(Self.note(1), bytes: 6_000), backlog.admit(Self.note(2), bytes: 5_000),
            backlog.admit(Self.note(3), bytes: 4_000),
        ]
        #expect(admitted == [true, false, true], "the second is over the bytes")
        #expect(backlog.bytes == 10_000 && backlog.count == 2)
        let first = backlog.take(1).map(\.seq)
        #expect(first == [1] && backlog.bytes == 4_000)
        let more = [
            backlog.admit(Self.note(4), bytes: 10), backlog.admit(Self.note(5), bytes: 10),
            backlog.admit(Self.note(6), bytes: 10),
        ]
        #expect(more == [true, true, false], "the last is over the count")
        let rest = backlog.take(100).map(\.seq)
        #expect(rest == [3, 4, 5] && backlog.bytes == 0 && backlog.count == 0)
    }
}
