import ArgumentParser
import Foundation
import LoadManagement

/// Times the load manager's pure allocation on large random sites.
struct AllocationBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocate", abstract: "Time one load-management allocation for N connectors.")

    @Option(help: "Connectors on the site, each with a car.") var connectors = 1000
    @Option(help: "Allocations to time.") var iterations = 2000

    func run() {
        for (title, perPhase) in [("room for most cars", 5_000.0), ("room for one car in ten at the minimum", 600.0)] {
            let site = Self.site(connectors: connectors, budgetPerPhase: perPhase)
            var samples: [Double] = []
            samples.reserveCapacity(iterations)
            var charging = 0
            for iteration in 0..<(iterations + 100) {
                let clock = ContinuousClock()
                let started = clock.now
                let allocations = LoadManager.allocate(site)
                let elapsed = clock.now - started
                if iteration >= 100 {
                    samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
                }
                charging = allocations.filter { $0.current > 0 }.count
            }
            samples.sort()
            let p50 = samples[samples.count / 2]
            let p99 = samples[min(samples.count - 1, samples.count * 99 / 100)]
            print(
                String(
                    format: "%d connectors, %@: %d charging; allocation p50 %.0f µs, p99 %.0f µs", connectors, title,
                    charging, p50, p99))
        }
    }

    /// A site with a mix of three- and single-phase cars on rotated chargers, three priorities and a power limit.
    static func site(connectors: Int, budgetPerPhase: Double) -> SiteSnapshot {
        let now = Date()
        var state: UInt64 = 42
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let phaseSets: [[Int]] = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0], [1], [2]]
        let loads = (0..<connectors).map { index in
            ConnectorLoad(
                key: ConnectorKey(stationId: "CP\(index / 2)", connectorId: index % 2 + 1), maxCurrent: [16, 32][next(2)],
                gridPhases: phaseSets[next(6)], priority: next(3),
                session: .init(
                    startedAt: now.addingTimeInterval(-Double(next(7200))), carPhases: next(2) == 0 ? 1 : 3,
                    paused: next(2) == 0, since: now.addingTimeInterval(-Double(next(3600)))))
        }
        return SiteSnapshot(
            grid: GridConnection(phaseLimit: budgetPerPhase + 200, margin: 10, powerLimit: budgetPerPhase * 3 * 230),
            mode: .fixed(currentPerPhase: budgetPerPhase), strategy: .priority, buildingLoad: [0, 0, 0], connectors: loads,
            now: now)
    }
}
