import ArgumentParser
import EdgeConfig
import EdgeServer
import Foundation
import HummingbirdBcrypt
import Logging
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

    func load() throws -> EdgeConfiguration {
        do {
            return try EdgeConfiguration.load(path: config)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
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
            let group = try await EdgeApp(configuration: configuration, logger: logger).makeServiceGroup()
            try await group.run()
            logger.notice("edge stopped")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration file and say what is wrong, naming each key.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let configuration = try options.load()
            var problems: [String] = []
            let directory = URL(fileURLWithPath: configuration.store.path).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
                if !isDirectory.boolValue || !FileManager.default.isWritableFile(atPath: directory) {
                    problems.append("store.path: directory \(directory) is not writable")
                }
            }
            if let tls = configuration.ocpp.tls {
                do { try EdgeApp.validateTLS(tls) } catch {
                    problems.append("ocpp.tls: certificate or key cannot be loaded: \(error)")
                }
            }
            if configuration.ocpp.basicAuth, configuration.stations.contains(where: { $0.passwordHash == nil }) {
                let missing = configuration.stations.filter { $0.passwordHash == nil }.map(\.id)
                problems.append("stations: basic_auth is on but \(missing.joined(separator: ", ")) have no password_hash")
            }
            guard problems.isEmpty else {
                print("\(options.config) has \(problems.count) problem\(problems.count == 1 ? "" : "s"):")
                for problem in problems { print("  - \(problem)") }
                throw ExitCode(78)
            }
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
