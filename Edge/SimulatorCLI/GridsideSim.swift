import ArgumentParser
import ChargerSimulator
import Logging

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

    @Option(parsing: .upToNextOption, help: "Tokens the simulated drivers present.")
    var idTags: [String] = ["04A1B2C3D4"]

    @Option(help: "Basic auth password every charger uses (security profile 1).")
    var password: String?

    @Flag(help: "Only connect and answer calls; no cars arrive by themselves.")
    var noAutoSessions = false

    @Option(help: "Log level.")
    var logLevel = "info"

    func validate() throws {
        guard (1...10_000).contains(stations) else { throw ValidationError("--stations must be from 1 to 10000") }
        guard (1...8).contains(connectors) else { throw ValidationError("--connectors must be from 1 to 8") }
        guard meterInterval >= 1 else { throw ValidationError("--meter-interval must be at least 1 second") }
        guard speed > 0, speed <= 3600 else { throw ValidationError("--speed must be above 0 and at most 3600") }
        guard url.hasPrefix("ws://") || url.hasPrefix("wss://") else {
            throw ValidationError("--url must start with ws:// or wss://")
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
        let site = SiteSimulator(centralURL: url, count: stations, stationPrefix: prefix, logger: logger) { profile in
            profile.connectors = connectors
            profile.meterInterval = .seconds(meterInterval)
            profile.speed = speed
            profile.idTags = idTags
            profile.password = password
            profile.autoSessions = !noAutoSessions
        }
        logger.notice("simulating \(stations) chargers with \(connectors) connectors each against \(url)")
        await site.run()
    }
}
