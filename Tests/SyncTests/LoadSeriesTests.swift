import CloudCore
import CloudStore
import Foundation
import ServerSupport
import SyncContract
import Testing

/// What a site's load management decided, kept by ingest from the edge's load summaries: the series in order with
/// what the cars draw per phase, each connector's share replaced only by a newer summary, retention, and the range a
/// request may ask for.
@Suite struct LoadSeriesTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    static func summary(
        at time: Date, failsafe: Bool = false, grid: Double, building: Double, shares: [Double]?
    )
        -> LoadSummary
    {
        LoadSummary(
            time: time, mode: "dynamic", failsafe: failsafe, gridLimitA: 40, gridCurrentA: [grid, grid - 1, nil],
            allocatedA: shares?.reduce(0, +) ?? 0, charging: shares?.count ?? 0, waiting: 0,
            buildingLoadA: [building, building, building],
            connectors: shares?.enumerated().map { index, share in
                LoadSummary.ConnectorShare(
                    station: "CP\(index + 1)", connector: 1, allocatedA: share, limitA: share, reason: "limited_by_grid",
                    drawingA: share - 0.5)
            })
    }

    @Test func theSeriesIsKeptInOrderAndTheSharesAreTheNewestSummarys() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "s1", at: Self.t0)
        let summaries = [
            Self.summary(at: Self.t0, grid: 30, building: 10, shares: [10, 10]),
            Self.summary(at: Self.t0 + 10, failsafe: true, grid: 32, building: 12, shares: [6]),
            // An older summary arriving late (sent again after a reconnect) is a sample, not the shares of now.
            Self.summary(at: Self.t0 - 10, grid: 20, building: 20, shares: [16, 16, 16]),
            // An edge from before shares were sent.
            Self.summary(at: Self.t0 + 20, grid: 25, building: 15, shares: nil),
        ]
        for (index, summary) in summaries.enumerated() {
            _ = try await store.apply(
                [
                    UpEnvelope(
                        site: "s1", epoch: "e", seq: Int64(index + 1), timestamp: summary.time, message: .loadSummary(summary))
                ],
                receivedAt: summary.time)
        }
        let series = try await store.loadSeries(site: "s1", from: Self.t0 - 60, to: Self.t0 + 60, limit: 100)
        #expect(series.samples.map(\.time) == [Self.t0 - 10, Self.t0, Self.t0 + 10, Self.t0 + 20])
        #expect(series.samples.map(\.failsafe) == [false, false, true, false])
        #expect(series.samples[1].gridCurrentA == [30, 29, nil] && series.samples[1].carsA == [20, 19, nil])
        #expect(series.connectors.map(\.station) == ["CP1"] && series.connectors.first?.time == Self.t0 + 10)
        #expect(series.connectors.first?.drawingA == 5.5 && series.connectors.first?.reason == "limited_by_grid")
        let newest = try await store.loadSeries(site: "s1", from: Self.t0 + 5, to: Self.t0 + 60, limit: 1)
        #expect(newest.samples.map(\.time) == [Self.t0 + 20], "the newest of the stretch")
        #expect(try await store.loadSeries(site: "s2", from: Self.t0 - 60, to: Self.t0 + 60, limit: 100).samples.isEmpty)
        _ = try await store.prune(appliedBefore: Self.t0 - 3600, recordsBefore: Self.t0 + 5)
        let kept = try await store.loadSeries(site: "s1", from: Self.t0 - 60, to: Self.t0 + 60, limit: 100)
        #expect(kept.samples.map(\.time) == [Self.t0 + 10, Self.t0 + 20], "retention as for meter samples")
    }

    @Test func aRequestedRangeIsRefusedNamingWhatIsWrong() throws {
        let (from, to) = try Requests.loadRange(Query(parameters: [:]), now: Self.t0)
        #expect(to == Self.t0 && from == Self.t0 - 6 * 3600)
        for (parameters, field) in [
            (["hours": "0"], "hours"), (["from": "yesterday"], "from"),
            (["from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"], "from"),
            (["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"], "from"),
        ] {
            #expect(throws: Problem.self) { try Requests.loadRange(Query(parameters: parameters), now: Self.t0) }
            do {
                _ = try Requests.loadRange(Query(parameters: parameters), now: Self.t0)
            } catch let problem as Problem {
                #expect(problem.detail.hasPrefix(field), "\(problem.detail)")
            }
        }
    }
}
