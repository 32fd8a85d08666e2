import ArgumentParser
import ChargerSimulator
import Logging
import SiteModel

@main
struct GridsideSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridside-sim",
        abstract: "Simulated OCPP 1.6J chargers: they boot, charge simulated cars and answer every central-system call.")

    @Option(help: "The central system's OCPP base URL; each station id is appended.")
    var url = "ws://127.0.0.1:9000/ocpp"

    @Option(help: "How many chargers.")
    var stations = 4

    @Option(help: "Connectors per charger.")
    var connectors = 2

    @Option(help: "Station id prefix: ids are <prefix>-001, <prefix>-002, …")
    var prefix = "SIM"

    @Option(help: "Seconds between meter values while charging.")
    var meterInterval = 10

    @Option(help: "Simulated time per real time for charging (60: a real minute charges like an hour).")
    var speed = 1.0

    @Option(parsing: .upToNextOption, help: "Tokens the simulated drivers present, in turn (each charger from its own place).")
    var idTags: [String] = ["04A1B2C3D4"]

    @Option(help: "Basic auth password every charger uses (security profile 1).")
    var password: String?

    @Flag(help: "Only connect and answer calls; no cars arrive by themselves.")
    var noAutoSessions = false

    @Option(help: "Log level.")
    var logLevel = "info"

    @Option(
        parsing: .upToNextOption,
        help: """
            How chargers are wired, cycled over the stations: phases:rotation, e.g. 3:L1L2L3 1:L2 3:L2L3L1 1:L3 \
            (the grid phase of each of the charger's phases).
            """)
    var wiring: [String] = ["3:L1L2L3"]

    @Option(
        help: """
            Trust the certificates in this PEM file too when downloading firmware over HTTPS (a cloud's self-signed \
            certificate); the system's authorities are always trusted.
            """)
    var trust: String?

    @Option(help: "Serve a building meter (SDM630 over Modbus TCP) on this port; 0 picks a free one. Off when not given.")
    var meterPort: Int?

    @Option(help: "The building's base load, in A per phase.")
    var buildingLoad = 20.0

    @Option(help: "How much the building load swings above its base, in A, over each --building-period.")
    var buildingSwing = 25.0

    @Option(help: "Seconds per swing of the building load.")
    var buildingPeriod = 120.0

    @Option(
        parsing: .upToNextOption,
        help:
            "Fixed building load steps instead of the swing: seconds=amps, e.g. 0=10 20=45 40=10 (the same on every phase), or seconds=L1/L2/L3, e.g. 25=20/15/10."
    )
    var buildingSteps: [String] = []

    @Option(help: "The meter stops answering after this many seconds (to see the failsafe).")
    var meterDiesAfter: Double?

    @Option(
        help: """
            The first charger's connector 1 reports Faulted (GroundFailure, vendor code SIM-E42) after this many \
            seconds (its session stopped with EmergencyStop), and Available again two minutes later.
            """)
    var faultAfter: Int?

    func validate() throws {
        guard (1...10_000).contains(stations) else { throw ValidationError("--stations must be from 1 to 10000") }
        guard (1...8).contains(connectors) else { throw ValidationError("--connectors must be from 1 to 8") }
        guard meterInterval >= 1 else { throw ValidationError("--meter-interval must be at least 1 second") }
        guard speed > 0, speed <= 3600 else { throw ValidationError("--speed must be above 0 and at most 3600") }
        guard url.hasPrefix("ws://") || url.hasPrefix("wss://") else {
            throw ValidationError("--url must start with ws:// or wss://")
        }
        _ = try parsedWiring()
        _ = try parsedSteps()
        if let meterPort, !(0...65_535).contains(meterPort) { throw ValidationError("--meter-port must be from 0 to 65535") }
        if let faultAfter, !(0...86_400).contains(faultAfter) {
            throw ValidationError("--fault-after must be from 0 to 86400 seconds")
        }
        guard buildingLoad >= 0, buildingSwing >= 0, buildingPeriod >= 1 else {
            throw ValidationError("--building-load and --building-swing must not be negative, --building-period at least 1")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning or error")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "gridside-sim")
        let firmware: FirmwareDownloader
        do {
            firmware = try trust.map(FirmwareDownloader.init(trusting:)) ?? .system
        } catch {
            throw ValidationError("--trust \(trust ?? ""): not a readable PEM certificate file (\(error))")
        }
        let wiring = try parsedWiring()
        let steps = try parsedSteps()
        let building: BuildingLoad =
            steps.isEmpty
            ? .curve(base: [buildingLoad, buildingLoad, buildingLoad], swing: buildingSwing, period: buildingPeriod)
            : .steps(steps.map { (at: $0.at, load: $0.amps) })
        let site = SiteSimulator(
            centralURL: url, count: stations, stationPrefix: prefix, logger: logger,
            meter: meterPort.map { (building: building, port: $0, diesAfter: meterDiesAfter) }
        ) { profile, index in
            let (phases, gridPhases) = wiring[index % wiring.count]
            profile.phases = phases
            profile.gridPhases = gridPhases
            profile.connectors = connectors
            profile.meterInterval = .seconds(meterInterval)
            profile.speed = speed
            // Each charger starts at its own place in the list, so that every driver comes early in a short run.
            profile.idTags = Array(idTags[(index % max(idTags.count, 1))...] + idTags[..<(index % max(idTags.count, 1))])
            profile.password = password
            profile.autoSessions = !noAutoSessions
            profile.firmware = firmware
            if index == 0 { profile.faultAfter = faultAfter.map { .seconds($0) } }
        }
        logger.notice("simulating \(stations) chargers with \(connectors) connectors each against \(url)")
        let announcesMeter = site.meterPort != nil || meterPort != nil
        do {
            try await withThrowingDiscardingTaskGroup { group in
                if announcesMeter {
                    // Once the meter server listens (within 5 s), its port is logged for the installer and the tests.
                    group.addTask {
                        for _ in 0..<100 {
                            if let port = site.meterPort {
                                logger.notice(
                                    "building meter ready: SDM630 on modbus tcp://127.0.0.1:\(port)",
                                    metadata: ["meter_port": "\(port)"])
                                return
                            }
                            try? await Task.sleep(for: .milliseconds(50))
                        }
                    }
                }
                group.addTask { try await site.run() }
            }
        } catch {
            try? await firmware.shutdown()
            throw error
        }
        try await firmware.shutdown()
    }

    private func parsedWiring() throws -> [(Int, [Int])] {
        try wiring.map { entry in
            let parts = entry.split(separator: ":")
            guard parts.count == 2, let phases = Int(parts[0]), phases == 1 || phases == 3 else {
                throw ValidationError(
                    "--wiring entries are phases:rotation with phases 1 or 3, like 3:L2L3L1 or 1:L2; got \(entry)")
            }
            guard let grid = PhaseRotation.gridPhases(String(parts[1])), grid.count == phases else {
                throw ValidationError("--wiring \(entry): the rotation must name \(phases) distinct phase(s) of L1, L2, L3")
            }
            return (phases, grid)
        }
    }

    private func parsedSteps() throws -> [(at: Double, amps: [Double])] {
        try buildingSteps.map { entry in
            let parts = entry.split(separator: "=")
            let amps = parts.count == 2 ? parts[1].split(separator: "/").compactMap { Double($0) } : []
            guard parts.count == 2, let at = Double(parts[0]), at >= 0, amps.count == 1 || amps.count == 3,
                amps.count == parts[1].split(separator: "/").count, amps.allSatisfy({ $0 >= 0 })
            else {
                throw ValidationError(
                    "--building-steps entries are seconds=amps (every phase) or seconds=L1/L2/L3, like 20=45 or 20=12/30/8; "
                        + "got \(entry)")
            }
            return (at, amps.count == 1 ? [amps[0], amps[0], amps[0]] : amps)
        }.sorted { $0.at < $1.at }
    }
}
