import Foundation
import LoadManagement
import SeededRandom
import Testing

@Suite struct LoadManagerTests {
    let now = Date(timeIntervalSince1970: 1_764_057_600)

    private func car(
        _ id: String, max: Double = 32, phases: [Int] = [0, 1, 2], carPhases: Int = 3, priority: Int = 0,
        startedMinutesAgo: Double = 5, paused: Bool = false, carLimit: Double? = nil
    ) -> ConnectorLoad {
        ConnectorLoad(
            key: ConnectorKey(stationId: id, connectorId: 1), maxCurrent: max, gridPhases: phases, priority: priority,
            session: .init(
                startedAt: now.addingTimeInterval(-startedMinutesAgo * 60), carPhases: carPhases, carLimit: carLimit,
                paused: paused, since: now.addingTimeInterval(-startedMinutesAgo * 60)))
    }

    private func currents(_ allocations: [Allocation]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: allocations.map { ($0.key.stationId, ($0.current * 100).rounded() / 100) })
    }

    @Test func fixedBudgetIsSharedAndMoreCarsGetLessEach() {
        let grid = GridConnection(phaseLimit: 63)
        let four = LoadManager.allocate(
            SiteSnapshot(grid: grid, mode: .fixed(currentPerPhase: 32), connectors: (1...4).map { car("C\($0)") }, now: now))
        #expect(four.map(\.current) == [8, 8, 8, 8])
        let six = LoadManager.allocate(
            SiteSnapshot(
                grid: grid, mode: .fixed(currentPerPhase: 32),
                connectors: (1...6).map { car("C\($0)", startedMinutesAgo: Double($0)) }, now: now))
        #expect(six.filter { $0.reason == .paused }.count == 1)
        #expect(six.filter { $0.current > 0 }.allSatisfy { abs($0.current - 6.4) < 1e-9 })
    }

    @Test func dynamicModeGivesWhatTheBuildingLeavesOnTheFullestPhase() {
        let site = SiteSnapshot(
            grid: GridConnection(phaseLimit: 63, margin: 3), mode: .dynamic, buildingLoad: [20, 10, 0],
            connectors: [car("A"), car("B")], now: now)
        let allocations = LoadManager.allocate(site)
        #expect(currents(allocations) == ["A": 20, "B": 20])
        #expect(allocations.allSatisfy { $0.reason == .limitedByGrid })
    }

    @Test func thePowerLimitCountsTheBuildingsLoadToo() {
        // 40 kW at 230 V is 173.9 A over all phases; the building takes 3 × 25 A of it, the cars share the rest.
        let site = SiteSnapshot(
            grid: GridConnection(phaseLimit: 100, powerLimit: 40_000, voltage: 230), mode: .dynamic, buildingLoad: [25, 25, 25],
            connectors: [car("A"), car("B")], now: now)
        let total = LoadManager.allocate(site).reduce(0) { $0 + $1.current * 3 }
        #expect(abs(total - (40_000 / 230 - 75)) < 0.01)
    }

    @Test func singlePhaseCarsOnRotatedChargersUseThePhasesOthersLeave() {
        let site = SiteSnapshot(
            grid: GridConnection(phaseLimit: 32), mode: .fixed(currentPerPhase: 32),
            connectors: [
                car("THREE"), car("ON-L1", phases: [0, 1, 2], carPhases: 1), car("ON-L3", phases: [2, 0, 1], carPhases: 1),
            ], now: now)
        // L1 and L3 are shared by two cars each, L2 only by the three-phase car.
        #expect(currents(LoadManager.allocate(site)) == ["THREE": 16, "ON-L1": 16, "ON-L3": 16])
    }

    @Test func carsThatNeedLessLeaveTheRestToOthers() {
        let site = SiteSnapshot(
            grid: GridConnection(phaseLimit: 63), mode: .fixed(currentPerPhase: 40),
            connectors: [car("SMALL", max: 10), car("TAPERING", carLimit: 7), car("BIG")], now: now)
        let allocations = LoadManager.allocate(site)
        #expect(currents(allocations) == ["SMALL": 10, "TAPERING": 7, "BIG": 23])
        #expect(allocations.first { $0.key.stationId == "BIG" }?.reason == .limitedByGrid)
    }

    @Test func priorityClassesAreServedFirstAndFifoInStartOrder() {
        let grid = GridConnection(phaseLimit: 63)
        let priority = LoadManager.allocate(
            SiteSnapshot(
                grid: grid, mode: .fixed(currentPerPhase: 40), strategy: .priority,
                connectors: [car("LOW-1"), car("HIGH", max: 32, priority: 1), car("LOW-2")], now: now))
        // 8 A are left: not enough for two cars at the minimum, so one low-priority car charges.
        #expect(currents(priority) == ["HIGH": 32, "LOW-1": 8, "LOW-2": 0])
        let fifo = LoadManager.allocate(
            SiteSnapshot(
                grid: grid, mode: .fixed(currentPerPhase: 40), strategy: .fifo,
                connectors: [
                    car("SECOND", startedMinutesAgo: 5), car("FIRST", startedMinutesAgo: 50), car("THIRD", startedMinutesAgo: 1),
                ],
                now: now))
        #expect(currents(fifo) == ["FIRST": 32, "SECOND": 8, "THIRD": 0])
    }

    @Test func powerLimitCountsEveryPhaseACarDraws() {
        let site = SiteSnapshot(
            grid: GridConnection(phaseLimit: 63, powerLimit: 22_080), mode: .dynamic,
            connectors: [car("THREE"), car("ONE", carPhases: 1)], now: now)
        // 22,080 W / 230 V = 96 phase-amps: 3x + x = 96, so x = 24.
        #expect(currents(LoadManager.allocate(site)) == ["THREE": 24, "ONE": 24])
    }

    @Test func unmanagedSiteOffersEveryChargerItsMaximumAndIdleConnectorsNothing() {
        var idle = car("IDLE")
        idle.session = nil
        let allocations = LoadManager.allocate(
            SiteSnapshot(grid: GridConnection(phaseLimit: 63), mode: .off, connectors: [car("A", max: 16), idle], now: now))
        #expect(allocations.map(\.reason) == [.unmanaged, .idle])
        #expect(allocations.map(\.current) == [16, 0])
    }

    @Test func overloadedPhaseLeavesNothingAndPausesEveryCarOnIt() {
        let site = SiteSnapshot(
            grid: GridConnection(phaseLimit: 63, margin: 3), mode: .dynamic, buildingLoad: [70, 0, 0],
            connectors: [car("THREE"), car("ON-L2", phases: [1], carPhases: 1)], now: now)
        let allocations = LoadManager.allocate(site)
        #expect(currents(allocations) == ["THREE": 0, "ON-L2": 32])
        #expect(allocations[0].reason == .paused)
    }

    // MARK: Properties over random sites

    @Test func randomSitesRespectEveryBudgetTheMinimumAndEachCarsMaximum() {
        var rng = SplitMix(seed: 0x10AD)
        for _ in 0..<500 {
            let site = randomSite(&rng)
            let allocations = LoadManager.allocate(site)
            #expect(allocations == LoadManager.allocate(site), "the same input gives the same output")
            var usage = [0.0, 0.0, 0.0]
            var power = 0.0
            for (connector, allocation) in zip(site.connectors, allocations) {
                guard let session = connector.session else {
                    #expect(allocation.current == 0)
                    continue
                }
                let phases = Array(connector.gridPhases.prefix(max(1, min(session.carPhases, connector.gridPhases.count))))
                for phase in phases { usage[phase] += allocation.current }
                power += allocation.current * Double(phases.count) * site.grid.voltage
                #expect(allocation.current == 0 || allocation.current >= site.minimumCurrent - 1e-9)
                #expect(allocation.current <= connector.maxCurrent + 1e-9)
            }
            for phase in 0..<3 {
                let budget: Double =
                    switch site.mode {
                    case .fixed(let perPhase): min(perPhase, site.grid.phaseLimit - site.grid.margin) - site.buildingLoad[phase]
                    case .dynamic: site.grid.phaseLimit - site.grid.margin - site.buildingLoad[phase]
                    case .off: .infinity
                    }
                #expect(usage[phase] <= max(0, budget) + 1e-6, "phase L\(phase + 1) over its budget")
            }
            if let limit = site.grid.powerLimit {
                // In dynamic mode the building's own power counts against the limit too.
                let building = site.mode == .dynamic ? site.buildingLoad.reduce(0, +) * site.grid.voltage : 0
                #expect(power <= max(0, limit - building) + 1e-3)
            }
            checkEqualSharesAndPriorities(site, allocations)
        }
    }

    private func checkEqualSharesAndPriorities(_ site: SiteSnapshot, _ allocations: [Allocation]) {
        let charging = zip(site.connectors, allocations).filter { $0.0.session != nil }
        func phases(_ c: ConnectorLoad) -> [Int] {
            Array(c.gridPhases.prefix(max(1, min(c.session!.carPhases, c.gridPhases.count))))
        }
        for (a, x) in charging {
            for (b, y) in charging where a.key != b.key && phases(a) == phases(b) {
                let sameClass = site.strategy == .equal || (site.strategy == .priority && a.priority == b.priority)
                if sameClass, x.reason == .limitedByGrid, y.reason == .limitedByGrid {
                    #expect(abs(x.current - y.current) < 1e-6, "equal shares within a class")
                }
                if site.strategy == .priority, a.priority > b.priority, y.current > 0 {
                    #expect(x.reason != .paused, "a lower class charges while a higher class on the same phases is paused")
                }
            }
        }
    }

    private func randomSite(_ rng: inout SplitMix) -> SiteSnapshot {
        let modes: [LoadMode] = [.dynamic, .dynamic, .fixed(currentPerPhase: Double.random(in: 0...80, using: &rng))]
        let phaseSets: [[Int]] = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0], [1], [2]]
        let connectors = (0..<Int.random(in: 0...40, using: &rng)).map { index -> ConnectorLoad in
            var load = car(
                "C\(index)", max: [16, 32, 32, 63].randomElement(using: &rng)!, phases: phaseSets.randomElement(using: &rng)!,
                carPhases: Bool.random(using: &rng) ? 3 : 1, priority: Int.random(in: 0...2, using: &rng),
                startedMinutesAgo: Double.random(in: 0...120, using: &rng), paused: Bool.random(using: &rng),
                carLimit: Bool.random(using: &rng) ? Double.random(in: 0...32, using: &rng) : nil)
            if Int.random(in: 0..<5, using: &rng) == 0 { load.session = nil }
            return load
        }
        return SiteSnapshot(
            grid: GridConnection(
                phaseLimit: [35, 63, 100, 250].randomElement(using: &rng)!, margin: Double.random(in: 0...5, using: &rng),
                powerLimit: Bool.random(using: &rng) ? Double.random(in: 5_000...150_000, using: &rng) : nil),
            mode: modes.randomElement(using: &rng)!, strategy: LoadStrategy.allCases.randomElement(using: &rng)!,
            buildingLoad: (0..<3).map { _ in Double.random(in: 0...80, using: &rng) }, connectors: connectors, now: now)
    }

    // MARK: Over time

    /// Ten cars, room for three at the minimum: every car gets turns, and a car that charges keeps charging
    /// for at least a rotation interval: no flapping.
    @Test func pausedCarsTakeTurnsWithoutStarvingOrOscillating() {
        var connectors = (0..<10).map { car("C\($0)", max: 32, startedMinutesAgo: Double($0)) }
        var clock = now
        var lastCharged = Dictionary(uniqueKeysWithValues: connectors.map { ($0.key, clock) })
        var longestWait = 0.0
        var shortestTurn = Double.infinity
        for _ in 0..<240 {  // four hours, one decision a minute
            let allocations = LoadManager.allocate(
                SiteSnapshot(
                    grid: GridConnection(phaseLimit: 63), mode: .fixed(currentPerPhase: 18), connectors: connectors,
                    rotationInterval: 900, now: clock))
            #expect(allocations.filter { $0.current > 0 }.count == 3)
            for (index, allocation) in allocations.enumerated() {
                let paused = allocation.current == 0
                if connectors[index].session!.paused != paused {
                    if paused, clock > now {  // a charging turn ends (the first decision only settles the start)
                        shortestTurn = min(shortestTurn, clock.timeIntervalSince(connectors[index].session!.since))
                    }
                    connectors[index].session!.paused = paused
                    connectors[index].session!.since = clock
                }
                if !paused { lastCharged[allocation.key] = clock }
                longestWait = max(longestWait, clock.timeIntervalSince(lastCharged[allocation.key]!))
            }
            clock = clock.addingTimeInterval(60)
        }
        #expect(longestWait <= 4 * 900, "a car waited \(longestWait / 60) minutes")
        #expect(shortestTurn >= 900, "a car changed state after \(shortestTurn / 60) minutes, within its turn")
    }
}
