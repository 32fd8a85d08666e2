import EdgeConfig
import EdgeStore
import Foundation
import LoadManagement
import Meters
import SiteModel
import SyncContract
import Testing

/// A session's requested limit (a roaming partner's charging profile): the schedule, its checks, and the planner
/// giving the car at most that, never more than its share of the site.
@Suite struct SessionLimitTests {
    typealias Planner = LoadPlannerTests
    static let start = LoadPlannerTests.start

    static func car(_ station: String, requested: RequestedLimit?) -> ConnectorInput {
        var car = Planner.car(station)
        car.requested = requested
        return car
    }

    static func plan(_ planner: inout LoadPlanner, building: Double, _ cars: [ConnectorInput], at now: Date) -> CyclePlan {
        let plan = planner.plan(
            PlannerInput(
                now: now, meter: Planner.meter([building, building, building], at: now), meterRole: .building, connectors: cars))
        for order in plan.orders { planner.accepted(order, at: now) }
        return plan
    }

    @Test func aRequestedLimitLowersTheCarAndLeavesTheRestToTheOthers() {
        var planner = LoadPlanner(grid: Planner.grid, settings: Planner.settings())
        // 61 A usable, 21 A of building: 40 A for two cars, 20 A each; A asks for 10 A, so B may take 30 A.
        let plan = Self.plan(
            &planner, building: 21, [Self.car("A", requested: .amperes(10)), Self.car("B", requested: nil)], at: Self.start)
        #expect(plan.decisions.map(\.allocated) == [10, 30])
        #expect(plan.decisions.map(\.reason) == [.limitedByRequest, .limitedByGrid])
        #expect(plan.decisions.first?.requested == 10)
    }

    @Test func aRequestedLimitNeverRaisesTheCarAboveItsShare() {
        var planner = LoadPlanner(grid: Planner.grid, settings: Planner.settings())
        // 40 A for two cars; A asks for 32 A, more than its share: it still gets 20 A, the fuse holds.
        let plan = Self.plan(
            &planner, building: 21, [Self.car("A", requested: .amperes(32)), Self.car("B", requested: nil)], at: Self.start)
        #expect(plan.decisions.map(\.allocated) == [20, 20])
        #expect(plan.decisions.first?.reason == .limitedByGrid)
    }

    @Test func aLimitInWattsIsTurnedIntoAmperesForTheCarsPhases() {
        var planner = LoadPlanner(grid: Planner.grid, settings: Planner.settings())
        // 11,040 W over three phases at 230 V: 16 A per phase.
        let plan = Self.plan(&planner, building: 10, [Self.car("A", requested: .watts(11_040))], at: Self.start)
        #expect(plan.decisions.first?.allocated == 16)
        #expect(plan.orders.first?.current == 16)
    }

    @Test func aLimitBelowTheMinimumPausesTheCar() {
        var planner = LoadPlanner(grid: Planner.grid, settings: Planner.settings())
        let plan = Self.plan(&planner, building: 10, [Self.car("A", requested: .amperes(3))], at: Self.start)
        #expect(plan.decisions.first?.allocated == 0)
        #expect(plan.decisions.first?.reason == .limitedByRequest)
        #expect(plan.orders.first?.current == 0)
    }

    @Test func underTheFailsafeTheLowerOfBothHolds() {
        var planner = LoadPlanner(grid: Planner.grid, settings: Planner.settings { $0.failsafeCurrent = 10 })
        let cars = [Self.car("A", requested: .amperes(8)), Self.car("B", requested: .amperes(16))]
        _ = Self.plan(&planner, building: 10, cars, at: Self.start)
        // No reading since: the failsafe, and A stays at its 8 A.
        let plan = planner.plan(
            PlannerInput(now: Self.start + 30, meter: nil, meterRole: .building, connectors: cars))
        #expect(plan.failsafe)
        #expect(plan.decisions.map(\.allocated) == [8, 10])
    }

    @Test func theScheduleHoldsEachPeriodUntilTheNextAndEndsWithItsDuration() {
        let limit = SessionLimit(
            connectorId: 1, transactionId: 7, unit: "A", startsAt: Self.start, durationSeconds: 3600,
            periods: [.init(startSeconds: 0, limit: 16), .init(startSeconds: 600, limit: 8)])
        #expect(limit.problems.isEmpty)
        #expect(limit.limit(at: Self.start - 1) == nil)
        #expect(limit.limit(at: Self.start) == 16)
        #expect(limit.limit(at: Self.start + 599) == 16)
        #expect(limit.limit(at: Self.start + 600) == 8)
        #expect(limit.limit(at: Self.start + 3600) == nil)
        #expect(SessionLimit(connectorId: 1, transactionId: 7).clears)
    }

    @Test func aLimitIsKeptInTheStoreOnePerConnectorWhileItsSessionRuns() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("edge.sqlite")
        var store: EdgeStore? = try EdgeStore(path: path)
        func start(_ station: String, at time: Date = Self.start) async throws -> Int {
            try await store!.startSession(
                SessionStart(
                    stationId: station, connectorId: 1, idTag: "ROAM", meterStartWh: 0, timestamp: time,
                    authStatus: .accepted),
                receivedAt: time
            ).transactionId
        }
        let ended = try await start("CP-1")
        _ = try await store!.stopSession(
            SessionStop(stationId: "CP-1", transactionId: ended, meterStopWh: 100, timestamp: Self.start + 60),
            receivedAt: Self.start + 60)
        let running = try await start("CP-1", at: Self.start + 120)
        let other = try await start("CP-2")
        func limit(_ transaction: Int, _ amperes: Double, issued: TimeInterval) -> SessionLimit {
            SessionLimit(
                connectorId: 1, transactionId: transaction, unit: "A", startsAt: Self.start,
                periods: [.init(startSeconds: 0, limit: amperes)], issuedAt: Self.start + issued)
        }
        try await store!.saveSessionLimit(station: "CP-1", limit(ended, 8, issued: 1), at: Self.start)
        try await store!.saveSessionLimit(station: "CP-1", limit(running, 10, issued: 20), at: Self.start)
        // Saved out of order: the one issued first is not kept over the later one.
        try await store!.saveSessionLimit(station: "CP-1", limit(running, 16, issued: 10), at: Self.start)
        try await store!.saveSessionLimit(station: "CP-2", limit(other, 12, issued: 5), at: Self.start)
        store = nil
        let kept = try await EdgeStore(path: path).sessionLimits().sorted { $0.station < $1.station }
        #expect(kept.map(\.station) == ["CP-1", "CP-2"])
        #expect(kept.map { $0.limit.periods?.first?.limit } == [10, 12])
        // A session that has ended: its limit is not restored.
        let reopened = try EdgeStore(path: path)
        _ = try await reopened.stopSession(
            SessionStop(stationId: "CP-2", transactionId: other, meterStopWh: 100, timestamp: Self.start + 90),
            receivedAt: Self.start + 90)
        #expect(try await reopened.sessionLimits().map(\.station) == ["CP-1"])
    }

    @Test func aBadScheduleIsRefusedNamingEachField() {
        let limit = SessionLimit(
            connectorId: 0, transactionId: 7, unit: "kW", durationSeconds: 0,
            periods: [.init(startSeconds: 10, limit: -1), .init(startSeconds: 5, limit: 8)])
        let problems = limit.problems.joined(separator: "\n")
        for field in [
            "connectorId", "unit: must be A or W", "the first must start at 0", "periods[0].limit",
            "periods[1].startSeconds", "durationSeconds",
        ] {
            #expect(problems.contains(field), "\(field) not named in \(problems)")
        }
    }
}
