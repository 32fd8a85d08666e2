public import Logging

/// A whole simulated site: many chargers connecting to one central system, run until cancelled.
public struct SiteSimulator: Sendable {
    public let chargers: [SimulatedCharger]

    /// - Parameters:
    ///   - stationPrefix: station ids are `<prefix>-001`, `<prefix>-002`, …
    ///   - configure: adjusts each charger's profile (connectors, speed, tokens…).
    public init(
        centralURL: String, count: Int, stationPrefix: String = "SIM", logger: Logger,
        configure: (inout ChargerProfile) -> Void = { _ in }
    ) {
        let width = max(3, String(count).count)
        chargers = (1...max(1, count)).map { index in
            let number = String(index)
            var profile = ChargerProfile(
                stationId: "\(stationPrefix)-\(String(repeating: "0", count: max(0, width - number.count)) + number)")
            configure(&profile)
            return SimulatedCharger(profile: profile, centralURL: centralURL, logger: logger)
        }
    }

    /// Runs every charger until the task is cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for charger in chargers {
                group.addTask { await charger.run() }
            }
        }
    }
}
