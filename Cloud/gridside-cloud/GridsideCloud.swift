import ArgumentParser
import CloudAPI
import CloudApp
import CloudCore
import CloudReports
import CloudStore
import ConfigReading
import Foundation
import Logging
import MQTT
import ServerSupport
import ServiceLifecycle
import SyncContract

@main
struct GridsideCloud: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridside-cloud",
        abstract: "The Gridside cloud: every site's data from MQTT, served over HTTPS as a dashboard and a REST API.",
        subcommands: [
            Serve.self, Check.self, SiteCommand.self, UserCommand.self, OrganizationCommand.self, TokenCommand.self,
            StatementCommand.self,
        ],
        defaultSubcommand: Serve.self)
}

struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = "/etc/gridside/cloud.yaml"

    /// The configuration, or exit 78 (EX_CONFIG) after naming every problem.
    func load() throws -> CloudConfiguration {
        do {
            return try CloudConfiguration.load(path: config)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)
        }
    }
}

extension GridsideCloud {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the cloud until SIGTERM.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let configuration = try options.load()
            let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: "gridside-cloud")
            try await CloudApp(configuration: configuration, logger: logger).makeServiceGroup().run()
            logger.notice("cloud stopped")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the configuration and open the store.")
        @OptionGroup var options: ConfigOption

        func run() throws {
            let configuration = try options.load()
            let store = try CloudApp.openStore(configuration)
            try store.close()
            print("\(options.config): OK (store \(configuration.storePath), broker \(configuration.mqtt.broker))")
        }
    }

    struct SiteCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "site", abstract: "Register and list sites.", subcommands: [Add.self, List.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Register a site and print what its edge's configuration needs; with mqtt.dynamic_security, make its "
                    + "broker account too (else print how).")
            @OptionGroup var options: ConfigOption
            @Argument(help: "The site id, as in the edge's site.id (letters, digits, '-', '_', '.').") var id: String
            @Option(help: "A readable name.") var name: String?

            func validate() throws {
                guard SyncTopic.isValidSiteId(id) else {
                    throw ValidationError("site id must be 1 to 64 letters, digits, '-', '_' or '.', got '\(id)'")
                }
            }

            func run() async throws {
                let configuration = try options.load()
                let store = try CloudApp.openStore(configuration)
                defer { try? store.close() }
                if configuration.dynamicSecurity {
                    try await withBrokerAccount(configuration, store: store)
                    return
                }
                do {
                    _ = try await store.addSite(id: id, name: name ?? id, at: Date())
                } catch let error as CloudStoreError {
                    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                    throw ExitCode(1)
                }
                let password = SitePasswords.generate()
                print(
                    """
                    Site '\(id)' registered.

                    1. Give the site broker credentials limited to its own topics (mosquitto):
                         mosquitto_passwd -b /etc/mosquitto/gridside.passwd \(id) '\(password)'
                       and in the ACL file (see config/mosquitto.example.conf):
                         user \(id)
                         topic write gridside/v1/\(id)/up/#
                         topic read gridside/v1/\(id)/down/#

                    2. Add to the edge's configuration (/etc/gridside/edge.yaml); edges reach the broker over TLS
                       (mqtts://, the broker's listener for sites, see config/mosquitto.example.conf), never plain mqtt://:
                         site:
                           id: \(id)
                         cloud:
                           broker: mqtts://<broker host>:8883
                           username: \(id)
                           password: '\(password)'
                    """)
            }

            /// With `mqtt.dynamic_security`, as "Add a site" in the browser does: the site and its account on the
            /// broker, made over the cloud's own connection to the broker's dynamic-security plugin.
            private func withBrokerAccount(_ configuration: CloudConfiguration, store: any CloudRepository) async throws {
                // A client id of its own: the serving cloud's accounts connection keeps its own.
                var mqtt = configuration.mqtt
                mqtt.clientId = "gridside-cloud-cli-\(ProcessInfo.processInfo.processIdentifier)"
                let accounts = DynamicSecurityAccounts(cloud: mqtt, logger: Logger(label: "gridside-cloud"))
                let onboarding = SiteOnboarding(
                    repository: store, accounts: accounts, siteBroker: configuration.siteBroker,
                    reserved: Set([configuration.mqtt.username].compactMap { $0 }))
                let operatorIdentity = APIIdentity(tokenId: "cli", name: "command line", role: .admin)
                let made: SiteCredentials
                do {
                    made = try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await accounts.run() }
                        defer { group.cancelAll() }
                        return try await onboarding.create(
                            SiteCreation(id: id, name: name), by: operatorIdentity, at: Date())
                    }
                } catch let problem as Problem {
                    FileHandle.standardError.write(Data("error: \(problem.detail)\n".utf8))
                    throw ExitCode(1)
                }
                print(
                    """
                    Site '\(id)' registered, and its account made on the broker (limited to its own topics).

                    Put this into the edge's /etc/gridside/edge.yaml (the password is shown this once) and restart the edge:
                    \(made.edgeConfiguration)
                    """)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the registered sites.")
            @OptionGroup var options: ConfigOption

            func run() async throws {
                let store = try CloudApp.openStore(try options.load())
                defer { try? store.close() }
                for site in try await store.sites(in: nil) {
                    print("\(site.id)\t\(site.online ? "online" : "offline")\tlast seq \(site.lastSeq)\t\(site.name)")
                }
            }
        }
    }

    struct StatementCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "statement", abstract: "Monthly statements.", subcommands: [Make.self])

        struct Make: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make a month's statements now (each site's and customer's not made yet; the cloud makes "
                    + "last month's by itself two hours into the next).")
            @OptionGroup var options: ConfigOption
            @Option(help: "The month, YYYY-MM, on the fleet's wall clock (billing.time_zone).") var month: String

            func run() async throws {
                let configuration = try options.load()
                let store = try CloudApp.openStore(configuration)
                defer { try? store.close() }
                let statements = MonthlyStatements(
                    repository: store, settings: configuration.reports, logger: Logger(label: "gridside-cloud"))
                guard let (from, to) = statements.span(of: month) else {
                    throw ValidationError("--month must be a month such as 2026-11, got '\(month)'")
                }
                let made = try await statements.make(month: month, from: from, to: to, now: Date())
                print("made \(made) statements for \(month)")
            }
        }
    }

    struct TokenCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token", abstract: "API tokens.", subcommands: [Create.self, List.self, Revoke.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create an API token and print it (only its hash is kept: store it now).")
            @OptionGroup var options: ConfigOption
            @Option(help: "What the token is for.") var name: String
            @Option(help: "admin, operator, viewer or partner (required without --user; with it, the user's role applies).")
            var role: String?
            @Option(help: "The user the token acts for, with the user's role and organization.") var user: String?
            @Option(help: "Days until the token expires; 0: never.") var expiresInDays = APITokens.defaultLifetimeDays

            func validate() throws {
                if user == nil, role.flatMap(Role.init(rawValue:)) == nil {
                    throw ValidationError("give --role admin, operator, viewer or partner, or --user")
                }
            }

            func run() async throws {
                let store = try CloudApp.openStore(try options.load())
                defer { try? store.close() }
                do {
                    let (_, token) = try await APITokens.issue(
                        name: name, role: role, user: user, days: expiresInDays, repository: store)
                    print(token)
                } catch let problem as Problem {
                    FileHandle.standardError.write(Data("error: \(problem.detail)\n".utf8))
                    throw ExitCode(1)
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List API tokens: id, name, role, user, expiry, last use, and whether revoked.")
            @OptionGroup var options: ConfigOption

            func run() async throws {
                let store = try CloudApp.openStore(try options.load())
                defer { try? store.close() }
                let now = Date()
                for token in try await store.apiTokens() {
                    let state =
                        token.revoked ? "revoked" : token.expiresAt.map { $0 <= now ? "expired" : "active" } ?? "active"
                    let expires = token.expiresAt.map(SyncJSON.format) ?? "never"
                    let used = token.lastUsedAt.map(SyncJSON.format) ?? "never used"
                    print(
                        "\(token.id)\t\(token.name)\t\(token.role)\tuser: \(token.user ?? "-")\texpires: \(expires)\t"
                            + "last used: \(used)\t\(state)")
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke an API token: it is refused from now on.")
            @OptionGroup var options: ConfigOption
            @Argument(help: "The token's id (see token list; the part after gst_ and before the next _).") var id: String

            func run() async throws {
                let store = try CloudApp.openStore(try options.load())
                defer { try? store.close() }
                guard try await store.revokeAPIToken(id: id) else {
                    FileHandle.standardError.write(Data("error: no token '\(id)' that is not revoked already\n".utf8))
                    throw ExitCode(1)
                }
                print("Token '\(id)' revoked.")
            }
        }
    }
}
