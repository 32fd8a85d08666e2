import ArgumentParser
import CloudAPI
import CloudApp
import CloudCore
import CloudStore
import CloudWeb
import Foundation
import ServerSupport

extension GridsideCloud {
    struct UserCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "user", abstract: "Dashboard users.", subcommands: [Add.self, List.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a user who signs in to the dashboard.",
                discussion: """
                    The password is read from the first line of standard input with --password-stdin; without it a \
                    random password is made and printed once. Users of an organization (--organization) see only the \
                    sites granted to it; a partner must belong to one.
                    """)
            @OptionGroup var options: ConfigOption
            @Argument(help: "The login name (letters, digits, '.', '-', '_', '@').") var id: String
            @Option(help: "admin, operator, viewer or partner.") var role: String
            @Option(help: "The person's name, as the dashboard shows it.") var name: String?
            @Option(help: "The client organization the user belongs to.") var organization: String?
            @Option(help: "The dashboard's language for this user: en, de or fr (default: the browser's).")
            var language: String?
            @Option(help: "Where notification rules naming the user mail it.") var email: String?
            @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

            func validate() throws {
                if let problem = Users.idProblem(id)
                    ?? Users.profileProblem(
                        role: role, organization: organization, language: language)
                {
                    throw ValidationError(problem)
                }
            }

            func run() async throws {
                let password: String
                var generated = false
                if passwordStdin {
                    guard let line = readLine(strippingNewline: true) else {
                        throw ValidationError("--password-stdin: standard input is empty")
                    }
                    password = line
                } else {
                    password = SitePasswords.generate()
                    generated = true
                }
                if let problem = Users.passwordProblem(password) { throw ValidationError(problem) }
                let store = try CloudApp.openStore(try options.load())
                defer { try? store.close() }
                do {
                    _ = try await Users.add(
                        UserInput(
                            id: id, name: name, role: role, organization: organization, language: language,
                            email: email, password: password), by: nil, repository: store)
                } catch let problem as Problem {
                    FileHandle.standardError.write(Data("error: \(problem.detail)\n".utf8))
                    throw ExitCode(1)
                }
                print("User '\(id)' added with role \(role)\(organization.map { " in organization '\($0)'" } ?? "").")
                if generated { print("Password (shown once): \(password)") }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the users.")
            @OptionGroup var options: ConfigOption

            func run() async throws {
                let store = try CloudApp.openStore(try options.load())
                defer { try? store.close() }
                for user in try await store.users() {
                    let locked = WebAuth.isLocked(user, now: Date()) ? "\tlocked" : ""
                    print("\(user.id)\t\(user.role)\t\(user.organization ?? "-")\t\(user.name)\(locked)")
                }
            }
        }
    }

    struct OrganizationCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "organization",
            abstract: "Client organizations and the sites, stations and groups they are granted.",
            subcommands: [Add.self, Grant.self, Revoke.self, List.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a client organization.")
            @OptionGroup var options: ConfigOption
            @Argument(help: "The organization's id.") var id: String
            @Option(help: "A readable name.") var name: String?

            func run() async throws {
                let store = try CloudApp.openStore(try options.load())
                defer { try? store.close() }
                do {
                    try await store.addOrganization(id: id, name: name ?? id, at: Date())
                } catch let error as CloudStoreError {
                    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                    throw ExitCode(1)
                }
                print("Organization '\(id)' added.")
            }
        }

        /// The sites, stations and groups of a grant or revoke command line.
        struct Grants: ParsableArguments {
            @Option(help: "A whole site: every station there, its meters and settings (repeatable).") var site: [String] = []
            @Option(
                help:
                    "A single station, as site/station (or an id known at one site only): its connectors, sessions and events (repeatable)."
            ) var station: [String] = []
            @Option(help: "A group: its stations as they are at each request, and the group (repeatable).")
            var group: [String] = []

            func validate() throws {
                guard !(site.isEmpty && station.isEmpty && group.isEmpty) else {
                    throw ValidationError("give at least one --site, --station or --group")
                }
            }

            /// The grants, each station named by its site (a bare id is looked up: it must be known at one site only).
            func resolve(in store: any CloudRepository) async throws -> [CloudStore.Grant] {
                var stations: [CloudStore.Grant] = []
                for reference in station {
                    if let key = StationKey(reference: reference) {
                        stations.append(.station(key))
                        continue
                    }
                    do {
                        stations.append(.station(try await store.resolveStation(reference, in: nil).key))
                    } catch let error as StationLookupError {
                        FileHandle.standardError.write(Data("error: --station: \(error)\n".utf8))
                        throw ExitCode(1)
                    }
                }
                return site.map { .site($0) } + stations + group.map { .group($0) }
            }
        }

        struct Grant: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Grant an organization sites, stations or groups: its users see them.")
            @OptionGroup var options: ConfigOption
            @Argument(help: "The organization's id.") var organization: String
            @OptionGroup var grants: Grants

            func run() async throws {
                let store = try CloudApp.openStore(try options.load())
                defer { try? store.close() }
                for grant in try await grants.resolve(in: store) {
                    do {
                        try await store.grant(organization: organization, grant)
                    } catch let error as CloudStoreError {
                        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                        throw ExitCode(1)
                    }
                    print("Organization '\(organization)' now sees \(grant).")
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Take back sites, stations or groups granted.")
            @OptionGroup var options: ConfigOption
            @Argument(help: "The organization's id.") var organization: String
            @OptionGroup var grants: Grants

            func run() async throws {
                let store = try CloudApp.openStore(try options.load())
                defer { try? store.close() }
                guard try await store.organization(id: organization) != nil else {
                    FileHandle.standardError.write(Data("error: \(CloudStoreError.unknownOrganization(organization))\n".utf8))
                    throw ExitCode(1)
                }
                for grant in try await grants.resolve(in: store) {
                    if try await store.revoke(organization: organization, grant) {
                        print("Organization '\(organization)' no longer sees \(grant).")
                    } else {
                        print("Organization '\(organization)' was not granted \(grant).")
                    }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List organizations and what they are granted.")
            @OptionGroup var options: ConfigOption

            func run() async throws {
                let store = try CloudApp.openStore(try options.load())
                defer { try? store.close() }
                for organization in try await store.organizations() {
                    func list(_ ids: Set<String>) -> String { ids.isEmpty ? "-" : ids.sorted().joined(separator: ",") }
                    let stations = Set(organization.stations.map(\.description))
                    print(
                        "\(organization.id)\tsites: \(list(organization.sites))\tstations: \(list(stations))"
                            + "\tgroups: \(list(organization.groups))\t\(organization.name)")
                }
            }
        }
    }
}
