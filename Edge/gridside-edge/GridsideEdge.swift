import ArgumentParser
import ConfigReading
import EdgeApp
import EdgeConfig
import Foundation
import HummingbirdBcrypt
import LoadManagement
import Logging
import Meters
import ServiceLifecycle

@main
struct GridsideEdge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridside-edge",
        abstract: "The Gridside site controller: an OCPP central system for every charger on a site.",
        subcommands: [Run.self, Check.self, HashPassword.self],
        defaultSubcommand: Run.self)
}

struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "/etc/gridside/edge.yaml"

    /// The configuration, or exit 78 (EX_CONFIG) after naming every problem: in the file, or in what it
    /// points at on this machine.
    func load() throws -> EdgeConfiguration {
        let configuration: EdgeConfiguration
        do {
            configuration = try EdgeConfiguration.load(path: config)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)
        }
        let problems = EdgeApp.problems(in: configuration)
        guard problems.isEmpty else {
            FileHandle.standardError.write(Data((ConfigError(file: config, problems: problems).description + "\n").utf8))
            throw ExitCode(78)
        }
        return configuration
    }
}

extension GridsideEdge {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the edge daemon until SIGTERM.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let configuration = try options.load()
            let level = Logger.Level(rawValue: configuration.log.level) ?? .info
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: "gridside-edge")
            for warning in configuration.securityWarnings { logger.warning("\(warning)") }
            let group = try await EdgeApp(configuration: configuration, logger: logger).makeServiceGroup()
            try await group.run()
            logger.notice("edge stopped")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration file and say what is wrong, naming each key.")
        @OptionGroup var options: ConfigOption
        @Flag(help: "Do not read the configured meters.") var skipMeters = false

        func run() async throws {
            let configuration = try options.load()
            let scheme = configuration.ocpp.tls == nil ? "ws" : "wss"
            print(
                """
                \(options.config) is valid.
                  site:      \(configuration.site.id) (\(configuration.site.name))
                  OCPP:      \(scheme)://\(configuration.ocpp.host):\(configuration.ocpp.port)/ocpp/<stationId>, \
                Basic auth \(configuration.ocpp.basicAuth ? "required" : "per station"), unknown stations: \(configuration.ocpp.unknownStations.rawValue)
                  local HTTP: http://\(configuration.http.host):\(configuration.http.port)/status
                  store:     \(configuration.store.path)
                  stations:  \(configuration.stations.count) configured; tokens: \(configuration.authorization.tokens.count), \
                unknown tokens: \(configuration.authorization.unknownTokens.rawValue)
                """)
            printLoadManagement(configuration)
            let warnings = configuration.securityWarnings
            if !warnings.isEmpty {
                print("security:")
                for warning in warnings { print("  warning: \(warning)") }
            }
            guard !configuration.meters.isEmpty, !skipMeters else { return }
            print("meters (each read once now):")
            var unreadable = 0
            for (meter, result) in await EdgeApp.probeMeters(configuration, logger: Logger(label: "gridside-edge.check")) {
                switch result {
                case .success(let (reading, profile)):
                    func list(_ values: [Double?], _ unit: String) -> String {
                        values.map { $0.map { String(format: "%.1f", $0) } ?? "-" }.joined(separator: " / ") + " \(unit)"
                    }
                    print("  \(meter.name) (\(meter.role.rawValue), \(meter.address), unit \(meter.unit), \(profile)): answers")
                    print("    current L1/L2/L3: \(list(reading.current, "A"))")
                    print("    voltage L1/L2/L3: \(list(reading.voltage, "V"))")
                    print(
                        "    power: \(list([reading.totalPower], "W")); import energy: \(list([reading.importEnergy.map { $0 / 1000 }], "kWh"))"
                    )
                case .failure(let error):
                    unreadable += 1
                    print(
                        "  \(meter.name) (\(meter.role.rawValue), \(meter.address), unit \(meter.unit)): DOES NOT ANSWER: \(error)"
                    )
                }
            }
            if unreadable > 0 {
                print(
                    "\(unreadable) meter\(unreadable == 1 ? "" : "s") could not be read; load management would hold the failsafe."
                )
                throw ExitCode(69)
            }
        }

        private func printLoadManagement(_ configuration: EdgeConfiguration) {
            let settings = configuration.loadManagement
            let mode: String =
                switch settings.mode {
                case .off: "off"
                case .static(let current): "static, \(current.formatted()) A per phase shared"
                case .dynamic: "dynamic"
                }
            print("  load management: \(mode)")
            guard settings.mode != .off, let grid = configuration.grid else { return }
            print(
                """
                    grid: \(grid.phases) phase(s), fuse \(grid.limit.formatted()) A, margin \(grid.margin.formatted()) A\
                \(grid.limitKW.map { ", \($0.formatted()) kW" } ?? ""); strategy \(settings.strategy.rawValue); \
                minimum \(settings.minCurrent.formatted()) A; failsafe \(settings.failsafeCurrent.formatted()) A after \
                \(settings.meterTimeout) without a reading
                """)
        }
    }

    struct HashPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the bcrypt hash of a station password (read from standard input) for `password_hash`.")
        @Option(help: "bcrypt cost factor.") var cost: UInt8 = 10

        func validate() throws {
            guard (4...16).contains(cost) else { throw ValidationError("--cost must be from 4 to 16") }
        }

        func run() throws {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ValidationError("no password on standard input")
            }
            guard (16...40).contains(line.count) else {
                throw ValidationError("OCPP station passwords have 16 to 40 characters; this one has \(line.count)")
            }
            print(Bcrypt.hash(line, cost: cost))
        }
    }
}
