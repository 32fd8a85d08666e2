public import Logging
public import MeterIO
import Meters

/// A whole simulated site: many chargers connecting to one central system, and optionally a building meter
/// served over Modbus TCP, run until cancelled.
public struct SiteSimulator: Sendable {
    public let chargers: [SimulatedCharger]
    public let siteLoad = SiteLoad()
    let meterServer: ModbusMeterServer?

    /// - Parameters:
    ///   - stationPrefix: station ids are `<prefix>-001`, `<prefix>-002`, …
    ///   - meter: a building meter, served on `meterPort` as an SDM630.
    ///   - configure: adjusts each charger's profile (connectors, speed, tokens…); gets the charger's index.
    public init(
        centralURL: String, count: Int, stationPrefix: String = "SIM", logger: Logger,
        meter: (building: BuildingLoad, port: Int, diesAfter: Double?)? = nil,
        configure: (inout ChargerProfile, Int) -> Void = { _, _ in }
    ) {
        let width = max(3, String(count).count)
        let siteLoad = self.siteLoad
        chargers = (1...max(1, count)).map { index in
            let number = String(index)
            var profile = ChargerProfile(
                stationId: "\(stationPrefix)-\(String(repeating: "0", count: max(0, width - number.count)) + number)")
            configure(&profile, index - 1)
            return SimulatedCharger(profile: profile, centralURL: centralURL, logger: logger, siteLoad: siteLoad)
        }
        if let meter {
            let building = BuildingMeter(building: meter.building, siteLoad: siteLoad, diesAfter: meter.diesAfter)
            meterServer = ModbusMeterServer(host: "0.0.0.0", port: meter.port, profile: .sdm630) { building.measurement() }
        } else {
            meterServer = nil
        }
    }

    /// The port the building meter listens on, once it does.
    public var meterPort: Int? { meterServer?.port }

    /// Runs every charger (and the meter) until the task is cancelled.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            if let meterServer {
                group.addTask { try await meterServer.run() }
            }
            for charger in chargers {
                group.addTask { await charger.run() }
            }
        }
    }
}
