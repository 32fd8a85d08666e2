import CloudIngest
import Foundation
import Testing

/// Security review, finding 17: ingest hands a batch over and goes on; the copying to every open page is the feed's
/// own task.
@Suite struct LiveFeedTests {
    static func update(_ n: Int) -> LiveUpdate {
        LiveUpdate(site: "s", kind: "connector", station: "CP-\(n)", time: Date(timeIntervalSince1970: 1_796_000_000))
    }

    @Test func publishingReturnsBeforeAnyPageIsServedAndEveryPageGetsEveryUpdateInOrder() async throws {
        let feed = LiveFeed()
        let pages = (0..<50).map { _ in feed.subscription() }
        // Nothing runs the fan-out yet: publishing still returns, holding the batches.
        for n in 0..<10 { feed.publish([Self.update(n)]) }
        let running = Task { await feed.run() }
        for page in pages {
            var iterator = page.stream.makeAsyncIterator()
            var seen: [String] = []
            for _ in 0..<10 { seen.append(try #require(await iterator.next()).station ?? "") }
            #expect(seen == (0..<10).map { "CP-\($0)" })
        }
        feed.finish()
        await running.value
        for page in pages {
            var iterator = page.stream.makeAsyncIterator()
            #expect(await iterator.next() == nil, "finished with the feed")
        }
    }

    @Test func aClosedPageIsForgotten() async {
        let feed = LiveFeed()
        let page = feed.subscription()
        #expect(feed.subscriberCount == 1)
        page.finish()
        #expect(feed.subscriberCount == 0)
        feed.finish()
    }
}
