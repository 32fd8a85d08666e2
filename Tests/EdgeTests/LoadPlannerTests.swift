import EdgeConfig
import Foundation
import LoadControl
import LoadManagement
import Meters
import SeededRandom
import Testing

/// The shell's decisions around the pure allocation: ramps, hysteresis, leases, failsafe, reclaim, over-draw.
@Suite struct LoadPlannerTests {
    static let grid = EdgeConfiguration.Grid(phases: 3, voltage: 230, limit: 63, margin: 2)
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func settings(
        _ change: (inout EdgeConfiguration.LoadManagement) -> Void = { _ in }
    ) -> EdgeConfiguration.LoadManagement {
        var settings = EdgeConfiguration.LoadManagement.off
        settings.mode = .dynamic
        settings.rampStep = 4
        settings.hysteresis = 1
        settings.leaseDuration = .seconds(60)
        settings.meterTimeout = .seconds(5)
        change(&settings)
        return settings
    }

    static func car(_ station: String, measured: [Double]? = nil, at: Date? = nil, transaction: Int = 1) -> ConnectorInput {
        ConnectorInput(
            key: ConnectorKey(stationId: station, connectorId: 1), wiring: .init(maxCurrent: 32), transactionId: transaction,
            startedAt: start, measured: measured, measuredAt: at)
    }

    static func meter(_ currents: [Double], at date: Date) -> MeterMeasurement {
        MeterMeasurement(current: currents, takenAt: date)
    }

    /// Plans, and has the charger accept every order at once; returns the orders.
    static func step(_ planner: inout LoadPlanner, _ input: PlannerInput) -> [LimitOrder] {
        let orders = planner.plan(input).orders
        for order in orders { planner.accepted(order, at: input.now) }
        return orders
    }

    @Test func decreasesAreSentAtOnceAndIncreasesAreRamped() {
        var planner = LoadPlanner(grid: Self.grid, settings: Self.settings())
        var now = Self.start
        // Building at 10 A: the car may take its 32 A.
        var orders = Self.step(
            &planner,
            PlannerInput(now: now, meter: Self.meter([10, 10, 10], at: now), meterRole: .building, connectors: [Self.car("A")]))
        #expect(orders.map(\.current) == [32])
        // The building jumps to 50 A: 11 A left, sent at once.
        now += 1
        orders = Self.step(
            &planner,
            PlannerInput(now: now, meter: Self.meter([50, 50, 50], at: now), meterRole: .building, connectors: [Self.car("A")]))
        #expect(orders.map(\.current) == [11])
        // It falls back to 10 A: the car climbs 4 A per cycle, not at once.
        var sent: [Double] = []
        for _ in 0..<8 {
            now += 1
            sent += Self.step(
                &planner,
                PlannerInput(
                    now: now, meter: Self.meter([10, 10, 10], at: now), meterRole: .building, connectors: [Self.car("A")])
            ).map(\.current)
        }
        #expect(sent == [15, 19, 23, 27, 31, 32])
    }

    @Test func smallChangesWaitForTheHysteresisButLeasesAreRenewedHalfway() {
        var planner = LoadPlanner(grid: Self.grid, settings: Self.settings())
        var now = Self.start
        _ = Self.step(
            &planner,
            PlannerInput(now: now, meter: Self.meter([40, 40, 40], at: now), meterRole: .building, connectors: [Self.car("A")]))
        // 21 A → 20.5 A available is a decrease: sent. 20.5 → 20.8 is an increase under 1 A: not sent.
        now += 1
        #expect(
            Self.step(
                &planner,
                PlannerInput(
                    now: now, meter: Self.meter([40.5, 40.5, 40.5], at: now), meterRole: .building, connectors: [Self.car("A")])
            ).map(\.current) == [20.5])
        now += 1
        #expect(
            Self.step(
                &planner,
                PlannerInput(
                    now: now, meter: Self.meter([40.2, 40.2, 40.2], at: now), meterRole: .building, connectors: [Self.car("A")])
            ).isEmpty)
        // Halfway through the 60 s lease, the unchanged limit is renewed.
        now += 29
        let renewal = Self.step(
            &planner,
            PlannerInput(
                now: now, meter: Self.meter([40.2, 40.2, 40.2], at: now), meterRole: .building, connectors: [Self.car("A")]))
        #expect(renewal.count == 1 && renewal[0].isRenewal && renewal[0].current == 20.5)
    }

    @Test func aStaleMeterDropsEveryCarToTheFailsafeAndNeverRaisesOne() {
        var planner = LoadPlanner(grid: Self.grid, settings: Self.settings { $0.failsafeCurrent = 8 })
        var now = Self.start
        let reading = Self.meter([45, 45, 45], at: now)
        // Two cars share 16 A: 8 each. A third waits.
        _ = Self.step(
            &planner,
            PlannerInput(
                now: now, meter: reading, meterRole: .building, connectors: [Self.car("A"), Self.car("B"), Self.car("C")]))
        now += 6  // the reading is now older than the 5 s meter timeout
        let plan = planner.plan(
            PlannerInput(
                now: now, meter: reading, meterRole: .building, connectors: [Self.car("A"), Self.car("B"), Self.car("C")]))
        #expect(plan.failsafe)
        #expect(plan.decisions.allSatisfy { $0.reason == .failsafe })
        // Nobody above the failsafe, and the car that was paused stays paused: no raise on stale data.
        #expect(plan.decisions.map(\.allocated).sorted() == [0, 8, 8])
        let noMeter = planner.plan(PlannerInput(now: now, meter: nil, meterRole: .building, connectors: [Self.car("A")]))
        #expect(noMeter.failsafe)
    }

    @Test func aCarThatTakesLessIsCountedAtWhatItDrawsAndTheRestGoesToOthers() {
        var planner = LoadPlanner(grid: Self.grid, settings: Self.settings { $0.reclaimAfter = .seconds(30) })
        var now = Self.start
        let building = [21.0, 21.0, 21.0]  // 40 A for the cars
        var orders = Self.step(
            &planner,
            PlannerInput(
                now: now, meter: Self.meter(building, at: now), meterRole: .building, connectors: [Self.car("A"), Self.car("B")]))
        #expect(orders.map(\.current) == [20, 20])
        // Car A is nearly full and draws 5 A for over 30 s; B draws all it gets.
        for _ in 0..<40 {
            now += 1
            orders = Self.step(
                &planner,
                PlannerInput(
                    now: now, meter: Self.meter(building, at: now), meterRole: .building,
                    connectors: [Self.car("A", measured: [5, 5, 5], at: now), Self.car("B", measured: [20, 20, 20], at: now)]))
        }
        let plan = planner.plan(
            PlannerInput(
                now: now, meter: Self.meter(building, at: now), meterRole: .building,
                connectors: [Self.car("A", measured: [5, 5, 5], at: now), Self.car("B", measured: [32, 32, 32], at: now)]))
        let a = plan.decisions.first { $0.key.stationId == "A" }!
        let b = plan.decisions.first { $0.key.stationId == "B" }!
        #expect(a.reclaimedAt == 6)
        #expect(a.allocated == 6)
        #expect(b.allocated == 32)
    }

    @Test func aChargerThatIgnoresItsLimitIsFlaggedAndItsExcessBudgeted() {
        var planner = LoadPlanner(grid: Self.grid, settings: Self.settings())
        var now = Self.start
        let building = [31.0, 31.0, 31.0]  // 30 A for the cars: 15 each
        _ = Self.step(
            &planner,
            PlannerInput(
                now: now, meter: Self.meter(building, at: now), meterRole: .building, connectors: [Self.car("A"), Self.car("B")]))
        var plan: CyclePlan!
        for _ in 0..<40 {
            now += 1
            plan = planner.plan(
                PlannerInput(
                    now: now, meter: Self.meter(building, at: now), meterRole: .building,
                    connectors: [
                        Self.car("A", measured: [25, 25, 25], at: now), Self.car("B", measured: [15, 15, 15], at: now),
                    ]))
            for order in plan.orders { planner.accepted(order, at: now) }
        }
        let a = plan.decisions.first { $0.key.stationId == "A" }!
        let b = plan.decisions.first { $0.key.stationId == "B" }!
        #expect(a.overdrawing && a.reason == .overdrawing)
        // A draws 10 A over its limit; that excess is taken from what B may have, so the site stays under the fuse.
        #expect(a.allocated + b.allocated + 10 <= 30 + 0.1)
    }
}

/// Chargers that do not do as told, or cannot be reached, are budgeted at what they may still draw.
@Suite struct LoadPlannerBudgetTests {
    typealias T = LoadPlannerTests

    @Test func aRefusedDecreaseIsBudgetedAtTheLimitStillInEffect() {
        var planner = LoadPlanner(grid: T.grid, settings: T.settings())
        var now = T.start
        let cars = [T.car("A"), T.car("B")]
        _ = T.step(
            &planner, PlannerInput(now: now, meter: T.meter([21, 21, 21], at: now), meterRole: .building, connectors: cars))
        // Building up to 41 A: 20 A for both, 10 each. A accepts, B refuses and stays at 20.
        now += 1
        let plan = planner.plan(
            PlannerInput(now: now, meter: T.meter([41, 41, 41], at: now), meterRole: .building, connectors: cars))
        #expect(plan.orders.map(\.current) == [10, 10])
        planner.accepted(plan.orders[0], at: now)
        planner.failed(plan.orders[1], at: now)
        now += 1
        let next = planner.plan(
            PlannerInput(now: now, meter: T.meter([41, 41, 41], at: now), meterRole: .building, connectors: cars))
        let a = next.decisions.first { $0.key.stationId == "A" }!
        // B may still draw 20 A, which is all there is: A is paused until B confirms.
        #expect(a.allocated == 0)
        #expect(next.orders.map(\.key.stationId) == ["A"])  // A is paused; B is retried after a delay, not every cycle
        now += LoadPlanner.retryDelayForTests
        let retry = planner.plan(
            PlannerInput(now: now, meter: T.meter([41, 41, 41], at: now), meterRole: .building, connectors: cars))
        #expect(retry.orders.contains { $0.key.stationId == "B" && $0.current == 10 })
    }

    @Test func anUnreachableChargerIsBudgetedAtItsLeaseThenAtTheFailsafe() {
        var planner = LoadPlanner(grid: T.grid, settings: T.settings { $0.failsafeCurrent = 6 })
        var now = T.start
        var cars = [T.car("A"), T.car("B")]
        _ = T.step(
            &planner, PlannerInput(now: now, meter: T.meter([21, 21, 21], at: now), meterRole: .building, connectors: cars))
        cars[1].connected = false
        now += 1
        var plan = planner.plan(
            PlannerInput(now: now, meter: T.meter([21, 21, 21], at: now), meterRole: .building, connectors: cars))
        #expect(plan.decisions.first { $0.key.stationId == "B" }?.reason == .offline)
        #expect(plan.decisions.first { $0.key.stationId == "A" }?.allocated == 20)  // B keeps its 20 A
        now += 61  // the 60 s lease has run out: B is at the failsafe
        plan = planner.plan(
            PlannerInput(now: now, meter: T.meter([21, 21, 21], at: now), meterRole: .building, connectors: cars))
        #expect(plan.decisions.first { $0.key.stationId == "A" }?.allocated == 32)
        #expect(plan.freeCapacity.allSatisfy { $0 >= 40 - 32 - 6 - 0.01 })
    }

    @Test func idleConnectorsShareTheRoomForANewCar() {
        var planner = LoadPlanner(grid: T.grid, settings: T.settings())
        let now = T.start
        let idle = (1...4).map { T.car("I\($0)", transaction: 0) }.map { car -> ConnectorInput in
            var car = car
            car.transactionId = nil
            return car
        }
        // 61 - 48 = 13 A free: room for two cars at the minimum, not four.
        let plan = planner.plan(
            PlannerInput(now: now, meter: T.meter([48, 48, 48], at: now), meterRole: .building, connectors: idle))
        #expect(plan.orders.map(\.current).sorted() == [0, 0, 6, 6])
    }
}

/// The whole loop without sockets: the planner against a model site whose cars follow their limits a cycle late
/// and report their draw every few cycles, under a grid meter, through random building-load steps.
@Suite struct ClosedLoopModelTests {
    struct ModelCar {
        var phases: [Int]
        var carPhases: Int
        var maxCurrent: Double
        var limit: Double = 6
        var draw: Double = 0
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func gridStaysUnderTheFuseAndLimitsSettle(seed: UInt64) {
        var random = SplitMix(seed: seed)
        var settings = LoadPlannerTests.settings()
        settings.hysteresis = 1
        let grid = EdgeConfiguration.Grid(phases: 3, voltage: 230, limit: 63, margin: 2)
        var planner = LoadPlanner(grid: grid, settings: settings)
        let wirings: [[Int]] = [[0, 1, 2], [1], [1, 2, 0], [2], [2, 0, 1], [0]]
        var cars = (0..<6).map { index in
            ModelCar(
                phases: wirings[index], carPhases: wirings[index].count == 1 ? 1 : (Bool.random(using: &random) ? 3 : 1),
                maxCurrent: [16.0, 32].randomElement(using: &random)!)
        }
        var building = [10.0, 10.0, 10.0]
        var now = LoadPlannerTests.start
        var lastStepUp = -100
        var lastMeasured = [Date?](repeating: nil, count: cars.count)
        var measurements = [[Double]?](repeating: nil, count: cars.count)
        var quietOrders = 0
        for cycle in 0..<1200 {
            now += 1
            // Building steps every 100 cycles; the last 200 cycles are constant.
            if cycle % 100 == 0, cycle < 1000 {
                let next = Double.random(in: 5...50, using: &random)
                if next > building[0] { lastStepUp = cycle }
                building = [next, next * 0.9, next * 0.8]
            }
            // Cars follow last cycle's limits.
            for index in cars.indices { cars[index].draw = min(cars[index].limit, cars[index].maxCurrent) }
            var gridCurrent = building
            for car in cars {
                for phase in car.phases.prefix(car.carPhases) { gridCurrent[phase] += car.draw }
            }
            if cycle - lastStepUp > 2, cycle > 10 {
                #expect(gridCurrent.max()! <= grid.limit + 0.01, "cycle \(cycle): \(gridCurrent)")
            }
            // Meter values arrive every 3 cycles, each car on its own beat.
            for index in cars.indices where (cycle + index) % 3 == 0 {
                measurements[index] = (0..<cars[index].phases.count).map { $0 < cars[index].carPhases ? cars[index].draw : 0 }
                lastMeasured[index] = now
            }
            let connectors = cars.indices.map { index in
                ConnectorInput(
                    key: ConnectorKey(stationId: "CP\(index)", connectorId: 1),
                    wiring: .init(maxCurrent: 32, gridPhases: cars[index].phases), transactionId: index + 1,
                    startedAt: LoadPlannerTests.start, measured: measurements[index], measuredAt: lastMeasured[index])
            }
            let plan = planner.plan(
                PlannerInput(
                    now: now, meter: MeterMeasurement(current: gridCurrent, takenAt: now), meterRole: .grid,
                    connectors: connectors))
            for order in plan.orders {
                planner.accepted(order, at: now)
                let index = Int(order.key.stationId.dropFirst(2))!
                cars[index].limit = order.current
                if cycle >= 1100, !order.isRenewal { quietOrders += 1 }
            }
            for decision in plan.decisions {
                #expect(decision.allocated == 0 || decision.allocated >= settings.minCurrent - 0.01)
            }
        }
        // Under constant input the limits settle: no changes in the last 100 cycles, only lease renewals.
        #expect(quietOrders == 0)
    }
}
