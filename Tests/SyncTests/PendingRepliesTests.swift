import AsyncSupport
import Testing

/// The one reply-by-id correlator: the edge's token questions and the cloud's commands wait on it.
@Suite struct PendingRepliesTests {
    @Test func aReplyReachesItsCallerEvenWhenItArrivesBeforeTheCallerWaits() async {
        let replies = PendingReplies<String, Int>()
        let early = await replies.reply(to: "a", within: .seconds(60)) { #expect(replies.resolve("a", with: 1)) }
        #expect(early == 1)
        let late = Task { await replies.reply(to: "b", within: .seconds(60)) {} }
        while replies.count == 0 { await Task.yield() }
        #expect(!replies.resolve("elsewhere", with: 9), "an id nobody asked about finds nobody")
        // Wait until the caller parks, then answer.
        for _ in 0..<100 { await Task.yield() }
        #expect(replies.resolve("b", with: 2))
        #expect(await late.value == 2)
        #expect(replies.count == 0)
    }

    @Test func noReplyInTimeOrAFailedSendOrACancelledCallerEndsTheWaitWithNothing() async {
        let replies = PendingReplies<String, Int>()
        #expect(await replies.reply(to: "a", within: .milliseconds(20)) {} == nil)
        #expect(!replies.resolve("a", with: 1), "a late reply finds nobody")
        struct Unsent: Error {}
        #expect(await replies.reply(to: "b", within: .seconds(60)) { throw Unsent() } == nil)
        let waiting = Task { await replies.reply(to: "c", within: .seconds(3600)) {} }
        while replies.count == 0 { await Task.yield() }
        waiting.cancel()
        #expect(await waiting.value == nil)
        #expect(replies.count == 0, "nothing is left waiting")
    }

    @Test func onlyAReplyTheCallerAcceptsIsTakenAndTheFirstCounts() async {
        let replies = PendingReplies<String, (site: String, value: Int)>()
        let answer = await replies.reply(to: "x", within: .seconds(60), accepting: { $0.site == "a" }) {
            #expect(!replies.resolve("x", with: ("b", 1)), "another site's reply is refused")
            #expect(replies.resolve("x", with: ("a", 2)))
            #expect(!replies.resolve("x", with: ("a", 3)), "the first reply counts")
        }
        #expect(answer?.value == 2)
    }
}
