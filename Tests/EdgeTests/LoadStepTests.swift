import EdgeConfig
import Foundation
import LoadControl
import LoadManagement
import Meters
import Testing

/// The whole loop without sockets, as a site sees it: six cars on three- and single-phase chargers (rotated) under
/// a 40 A fuse and a grid meter, the building's own load stepping up and down every 25 s. The cars take a moment to
/// follow a new limit (a cut within half a second, a raise within a second) and report their draw only every 10 s,
/// each on its own beat, so the grid meter sees a car's rise long before its MeterValues do. After every step, up
/// or down, the limits must settle within 5 s, fairly: no car below its share while its phases have room, and cars
/// held back by the same phase within 1 A of each other.
@Suite struct LoadStepTests {
    static let fuse = 40.0
    static let margin = 1.0
    static let cycle = 0.5  // s, the controller's interval
    static let stepEvery = 25.0
    /// The issue's building load, A per phase: (10,10,10) → (20,15,10) → (5,5,5) → (12,30,8) → (10,10,10).
    static let steps: [[Double]] = [[10, 10, 10], [20, 15, 10], [5, 5, 5], [12, 30, 8], [10, 10, 10]]

    struct Car {
        var key: ConnectorKey
        var wiring: EdgeConfiguration.Wiring
        /// Phases the car itself charges on (1 for a single-phase car, also on a three-phase charger).
        var carPhases: Int
        /// The most the car takes, A per phase.
        var carMax: Double
        /// When it reports its draw (MeterValues), s after the start, then every `reportEvery`.
        var reportOffset: Double
        var limit: Double?
        var draw = 0.0
        /// A new limit and when the car will have followed it.
        var pending: (limit: Double, at: Double)?
        var measured: [Double]?
        var measuredAt: Date?

        var loadedPhases: [Int] { Array(wiring.gridPhases.prefix(carPhases)) }
    }

    /// One cycle as recorded: time, the grid's currents, each car's limit in force at the charger.
    struct Sample {
        var time: Double
        var grid: [Double]
        var limits: [Double]
        var building: [Double]
    }

    struct Outcome {
        var samples: [Sample]
        var cars: [Car]
        /// Seconds from each step to settled, nil when it never settled within its 25 s.
        var settleTimes: [Double?]
        var problems: [String]
    }

    static func cars(carMax: [Double] = Array(repeating: 32, count: 6)) -> [Car] {
        let layout: [(phases: [Int], carPhases: Int)] = [
            ([0, 1, 2], 3), ([1], 1), ([1, 2, 0], 3), ([2], 1), ([2, 0, 1], 1), ([0], 1),
        ]
        return layout.enumerated().map { index, car in
            Car(
                key: ConnectorKey(stationId: "CP\(index)", connectorId: 1),
                wiring: .init(maxCurrent: 32, gridPhases: car.phases), carPhases: car.carPhases, carMax: carMax[index],
                reportOffset: 1.3 + Double(index) * 1.7)
        }
    }

    static func settings() -> EdgeConfiguration.LoadManagement {
        var settings = EdgeConfiguration.LoadManagement.off
        settings.mode = .dynamic
        settings.rampStep = 4
        settings.hysteresis = 1
        settings.minCurrent = 6
        settings.leaseDuration = .seconds(120)
        settings.meterTimeout = .seconds(5)
        settings.interval = .milliseconds(500)
        return settings
    }

    /// Runs the site through the steps: each cycle the cars move towards their limits, the meter reads the grid,
    /// the planner decides, the chargers accept.
    static func run(
        reportEvery: Double = 10, riseDelay: Double = 1, cutDelay: Double = 0.5,
        carMax: [Double] = Array(repeating: 32, count: 6)
    ) -> Outcome {
        let grid = EdgeConfiguration.Grid(phases: 3, voltage: 230, limit: fuse, margin: margin)
        var planner = LoadPlanner(grid: grid, settings: settings())
        var cars = cars(carMax: carMax)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var samples: [Sample] = []
        var raisedWhileOver: [String] = []
        let cycles = Int(Double(steps.count) * stepEvery / cycle)
        for index in 0..<cycles {
            let time = Double(index) * cycle
            let now = start.addingTimeInterval(time)
            let building = steps[min(steps.count - 1, Int(time / stepEvery))]
            // The cars follow the limits they were given, a moment late.
            for car in cars.indices {
                if let pending = cars[car].pending, time >= pending.at {
                    cars[car].draw = min(pending.limit, cars[car].carMax)
                    cars[car].pending = nil
                }
            }
            var gridCurrents = building
            for car in cars {
                for phase in car.loadedPhases { gridCurrents[phase] += car.draw }
            }
            // MeterValues with the current per phase, every `reportEvery` s on each car's own beat.
            for car in cars.indices {
                let offset = cars[car].reportOffset
                if time >= offset, (time - offset).truncatingRemainder(dividingBy: reportEvery) < cycle - 1e-9 {
                    cars[car].measured = (0..<cars[car].wiring.gridPhases.count).map {
                        $0 < cars[car].carPhases ? cars[car].draw : 0
                    }
                    cars[car].measuredAt = now
                }
            }
            let connectors = cars.map { car in
                ConnectorInput(
                    key: car.key, wiring: car.wiring, transactionId: Int(car.key.stationId.dropFirst(2))! + 1,
                    startedAt: start, measured: car.measured, measuredAt: car.measuredAt)
            }
            let plan = planner.plan(
                PlannerInput(
                    now: now, meter: MeterMeasurement(current: gridCurrents, takenAt: now), meterRole: .grid,
                    connectors: connectors))
            for order in plan.orders {
                planner.accepted(order, at: now)
                guard let car = cars.firstIndex(where: { $0.key == order.key }) else { continue }
                let before = cars[car].limit ?? 0
                if order.current > before, let phase = cars[car].loadedPhases.first(where: { gridCurrents[$0] > fuse - margin }) {
                    raisedWhileOver.append(
                        "t = \(time) s: \(order.key.stationId) raised to \(order.current) A with phase \(phase) at \(gridCurrents[phase]) A"
                    )
                }
                cars[car].limit = order.current
                if order.current != before {
                    cars[car].pending = (order.current, time + (order.current < before ? cutDelay : riseDelay))
                }
            }
            samples.append(
                Sample(
                    time: time, grid: gridCurrents, limits: cars.map { $0.limit ?? 0 }, building: plan.buildingLoad))
        }
        return outcome(samples, cars: cars, problems: raisedWhileOver)
    }

    /// How long each step took to settle, and what is unfair at its end.
    static func outcome(_ samples: [Sample], cars: [Car], problems known: [String]) -> Outcome {
        var settleTimes: [Double?] = []
        var problems = known
        for step in 1..<steps.count {
            let from = Double(step) * stepEvery
            let window = samples.filter { $0.time >= from && $0.time < from + stepEvery }
            let final = window.last!
            var settledAt: Double?
            for sample in window.reversed() {
                let steady =
                    zip(sample.limits, final.limits).allSatisfy { abs($0 - $1) <= 1.0 + 1e-9 }
                    && sample.grid.allSatisfy { $0 <= fuse + 1e-9 }
                guard steady else { break }
                settledAt = sample.time - from
            }
            settleTimes.append(settledAt)
            problems += fairness(final, cars: cars, building: steps[step], step: step)
        }
        return Outcome(samples: samples, cars: cars, settleTimes: settleTimes, problems: problems)
    }

    /// What is wrong with the limits at the end of a step, against the load manager's own allocation for the true
    /// building load: a charging car more than the hysteresis (1 A, plus the 0.1 A limits are rounded to) from its
    /// share, two cars of the same share more than 1 A apart, or a paused car that has room for the minimum plus the
    /// hysteresis while every car could charge.
    static func fairness(_ sample: Sample, cars: [Car], building: [Double], step: Int) -> [String] {
        func ideal(_ charging: [Int]) -> [Int: Double] {
            let loads = charging.map { index in
                ConnectorLoad(
                    key: cars[index].key, maxCurrent: min(cars[index].wiring.maxCurrent, cars[index].carMax),
                    gridPhases: cars[index].wiring.gridPhases,
                    session: .init(
                        startedAt: .distantPast, carPhases: cars[index].carPhases, since: Date(timeIntervalSince1970: 0)))
            }
            let site = SiteSnapshot(
                grid: GridConnection(phaseLimit: fuse, margin: margin), mode: .dynamic, minimumCurrent: 6,
                buildingLoad: building, connectors: loads, now: Date(timeIntervalSince1970: 0))
            return Dictionary(uniqueKeysWithValues: zip(charging, LoadManager.allocate(site).map(\.current)))
        }
        var problems: [String] = []
        let charging = cars.indices.filter { sample.limits[$0] > 0 }
        for (index, share) in ideal(charging) {
            let drawn = min(sample.limits[index], cars[index].carMax)
            if abs(drawn - share) > 1.0 + 0.1 + 1e-9 {
                problems.append("step \(step): \(cars[index].key.stationId) at \(drawn) A, its share is \(share) A")
            }
        }
        // Cars with the same share get the same within 1 A.
        let shares = ideal(charging)
        for a in charging {
            for b in charging where b > a && abs(shares[a]! - shares[b]!) < 0.01 {
                let (x, y) = (min(sample.limits[a], cars[a].carMax), min(sample.limits[b], cars[b].carMax))
                if abs(x - y) > 1.0 + 1e-9 {
                    problems.append("step \(step): \(cars[a].key.stationId) at \(x) A, \(cars[b].key.stationId) at \(y) A")
                }
            }
        }
        let everyone = ideal(Array(cars.indices))
        if everyone.values.allSatisfy({ $0 > 0 }) {
            for index in cars.indices where sample.limits[index] == 0 && everyone[index]! >= 6 + 1 {
                problems.append("step \(step): \(cars[index].key.stationId) paused, its share is \(everyone[index]!) A")
            }
        }
        return problems
    }

    /// Every step settled within 5 s, fairly, and the grid over the fuse only within `overFuseFor` s of a step (while
    /// the cars apply their cuts), when given.
    static func expectSettledFairly(_ outcome: Outcome, _ label: String, overFuseFor: Double?) {
        let times = outcome.settleTimes.map { $0.map { String(format: "%.1f s", $0) } ?? "never" }
        print("settle times after each step (\(label)): \(times.joined(separator: ", "))")
        for (step, time) in outcome.settleTimes.enumerated() {
            #expect(time != nil && time! <= 5, "\(label), step \(step + 1): settled after \(times[step])")
        }
        #expect(outcome.problems.isEmpty, "\(label): \(outcome.problems)")
        guard let overFuseFor else { return }
        for sample in outcome.samples where sample.grid.contains(where: { $0 > fuse + 1e-9 }) {
            let sinceStep = sample.time.truncatingRemainder(dividingBy: stepEvery)
            #expect(sinceStep <= overFuseFor, "\(label), t = \(sample.time) s: grid \(sample.grid) over the fuse")
        }
    }

    @Test func afterEveryStepUpOrDownTheLimitsSettleWithinFiveSecondsAndFairly() {
        Self.expectSettledFairly(Self.run(), "reports every 10 s", overFuseFor: 1.5)
    }

    @Test func carsThatTakeThreeSecondsToRiseAndTwoToCutStillSettleWithinFiveSeconds() {
        Self.expectSettledFairly(Self.run(riseDelay: 3, cutDelay: 2), "slow cars", overFuseFor: 3)
    }

    /// Cars that take less than they are offered (16 A cars, as in the simulator's mix) while they report only every
    /// 10 s: the planner may count such a car at its limit until it reports, and once took the building for smaller
    /// than it was. The grid meter overrules it: a phase it shows over the limit gets no raise, and its cars are cut
    /// by at least the excess in the same cycle, so the fuse is over only for the cycle that sees it.
    @Test(arguments: [[16.0, 32, 16, 32, 16, 32], [16.0, 16, 16, 16, 16, 16], [32.0, 16, 32, 16, 32, 16]])
    func carsThatTakeLessThanOfferedDoNotHoldAPhaseOverTheFuse(carMax: [Double]) {
        let outcome = Self.run(carMax: carMax)
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        var overSince: Double?
        for sample in outcome.samples {
            let sinceStep = sample.time.truncatingRemainder(dividingBy: Self.stepEvery)
            guard sample.grid.contains(where: { $0 > Self.fuse + 1e-9 }), sinceStep > 1.5 else {
                overSince = nil
                continue
            }
            let since = overSince ?? sample.time
            overSince = since
            #expect(sample.time - since < Self.cycle, "t = \(sample.time) s: grid \(sample.grid) over the fuse since \(since) s")
        }
    }

    @Test func chargersThatReportOnlyEveryMinuteSettleAsFast() {
        Self.expectSettledFairly(Self.run(reportEvery: 60), "reports every 60 s", overFuseFor: nil)
    }
}

/// The lease: how long a charger whose edge died keeps its last limit before it falls back to the failsafe.
@Suite struct LeaseTests {
    @Test func withTheDefaultLeaseTheLimitInForceRunsOutBetween30And60SecondsAfterAnyCycle() throws {
        let config = try EdgeConfiguration.parse(
            yaml: """
                site: {id: s1}
                grid: {phases: 3, limit_a: 63}
                meters: [{name: grid, role: grid, url: "tcp://127.0.0.1:502", profile: sdm630}]
                load_management: {mode: dynamic}
                """)
        #expect(config.loadManagement.leaseDuration == .seconds(60))
        var planner = LoadPlanner(grid: config.grid!, settings: config.loadManagement)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let car = ConnectorInput(
            key: ConnectorKey(stationId: "CP1", connectorId: 1), wiring: .init(), transactionId: 1, startedAt: start)
        // Each limit the charger accepts is valid for the lease from then (LoadController sends it with validTo =
        // now + lease_s); the edge may die after any cycle.
        var validUntil: Date?
        var worst = 0.0
        var best = Double.infinity
        for second in 0..<600 {
            let now = start.addingTimeInterval(Double(second))
            let plan = planner.plan(
                PlannerInput(
                    now: now, meter: MeterMeasurement(current: [20, 20, 20], takenAt: now), meterRole: .grid,
                    connectors: [car]))
            for order in plan.orders {
                planner.accepted(order, at: now)
                validUntil = now.addingTimeInterval(config.loadManagement.leaseDuration.seconds)
            }
            guard let validUntil, second > 0 else { continue }
            worst = max(worst, validUntil.timeIntervalSince(now))
            best = min(best, validUntil.timeIntervalSince(now))
        }
        // Renewed halfway: the last limit runs out between 30 and 60 s after the edge's last cycle.
        #expect(worst <= 60)
        #expect(best >= 29)
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
