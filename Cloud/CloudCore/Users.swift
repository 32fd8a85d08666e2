public import CloudStore
public import Foundation
import HummingbirdBcrypt
import NIOPosix
import ServerSupport
import SyncContract

/// A user as the API and the dashboard show one: never the password's hash.
public struct UserView: Sendable, Encodable, Equatable {
    public var id: String
    public var name: String
    public var role: String
    public var organization: String?
    public var language: String?
    /// Where notification rules naming the user mail it.
    public var email: String?
    /// Locked after repeated failed sign-ins, until this time.
    public var lockedUntil: Date?
    public var createdAt: Date

    public init(_ user: UserRecord) {
        id = user.id
        name = user.name
        role = user.role
        organization = user.organization
        language = user.language
        email = user.email
        lockedUntil = user.lockedUntil.flatMap { $0 > Date() ? $0 : nil }
        createdAt = user.createdAt
    }
}

/// A new user (the API's body, the dashboard's form and `gridside-cloud user add` make the same).
public struct UserInput: Decodable, Sendable {
    public var id: String
    public var name: String?
    public var role: String
    public var organization: String?
    public var language: String?
    public var email: String?
    public var password: String

    public init(
        id: String, name: String?, role: String, organization: String?, language: String?, email: String? = nil,
        password: String
    ) {
        self.email = email
        self.id = id
        self.name = name
        self.role = role
        self.organization = organization
        self.language = language
        self.password = password
    }
}

/// What changes of a user; absent fields stay as they are (an empty organization makes the user staff again).
public struct UserChange: Decodable, Sendable {
    public var name: String?
    public var role: String?
    public var organization: String?
    public var language: String?
    /// The user's address for notifications; empty removes it.
    public var email: String?
    /// A new password: the user's browsers are signed out.
    public var password: String?
    /// Lifts a lock set by failed sign-ins.
    public var unlock: Bool?

    public init(
        name: String? = nil, role: String? = nil, organization: String? = nil, language: String? = nil,
        email: String? = nil, password: String? = nil, unlock: Bool? = nil
    ) {
        self.email = email
        self.name = name
        self.role = role
        self.organization = organization
        self.language = language
        self.password = password
        self.unlock = unlock
    }
}

/// An organization's name and everything it is granted, replacing what it had.
public struct OrganizationInput: Decodable, Sendable {
    public var name: String
    public var sites: [String]?
    public var stations: [String]?
    public var groups: [String]?
    /// Replaces the billing details when given; kept as they are when absent.
    public var billing: BillingInput?

    public init(
        name: String, sites: [String]? = nil, stations: [String]? = nil, groups: [String]? = nil, billing: BillingInput? = nil
    ) {
        self.name = name
        self.sites = sites
        self.stations = stations
        self.groups = groups
        self.billing = billing
    }
}

/// An organization as the API shows it.
public struct OrganizationView: Sendable, Encodable, Equatable {
    public var id: String
    public var name: String
    public var sites: [String]
    /// Stations granted alone, each as `site/station`.
    public var stations: [StationKey]
    public var groups: [String]
    public var billing: BillingDetails

    public init(_ record: OrganizationRecord) {
        id = record.id
        name = record.name
        sites = record.sites.sorted()
        stations = record.stations.sorted()
        groups = record.groups.sorted()
        billing = record.billing
    }
}

/// Who may sign in, with which role, for which organization: the rules shared by the API, the dashboard and the
/// command line. Only the fleet's own administrators manage access.
public enum Users {
    /// bcrypt's cost for new passwords (2^12 rounds: about a quarter of a second here).
    public static let bcryptCost: UInt8 = 12

    /// Hashes a password with bcrypt, off the cooperative pool (it takes a good fraction of a second by design).
    public static func hashPassword(_ password: String, cost: UInt8 = bcryptCost) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Why a password is refused, or nil.
    public static func passwordProblem(_ password: String) -> String? {
        if password.count < 10 { return "the password must be at least 10 characters long" }
        if password.utf8.count > 72 { return "the password must be at most 72 bytes long (bcrypt reads no further)" }
        return nil
    }

    /// Why a login name is refused, or nil.
    public static func idProblem(_ id: String) -> String? {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_@"))
        guard !id.isEmpty, id.count <= 64, id.unicodeScalars.allSatisfy(allowed.contains) else {
            return "the login name must be 1 to 64 letters, digits, '.', '-', '_' or '@', got '\(id)'"
        }
        return nil
    }

    /// A user's address as given (trimmed; empty is none), or 400 naming `email`.
    static func email(_ text: String?) throws -> String? {
        guard let email = text?.trimmingCharacters(in: .whitespaces), !email.isEmpty else { return nil }
        guard Billing.isEmail(email) else { throw Problem(status: 400, detail: "email: '\(email)' is not an e-mail address") }
        return email
    }

    /// Why a role, organization and language together are refused, or nil.
    public static func profileProblem(role: String, organization: String?, language: String?) -> String? {
        guard let parsed = Role(rawValue: role) else { return "role must be admin, operator, viewer or partner, got '\(role)'" }
        if parsed == .partner && organization == nil {
            return "a partner must belong to an organization"
        }
        if let language, !["en", "de", "fr"].contains(language) { return "language must be en, de or fr, got '\(language)'" }
        return nil
    }

    /// Checks and adds a user.
    public static func add(
        _ input: UserInput, by identity: APIIdentity?, repository: any CloudRepository, cost: UInt8 = bcryptCost
    ) async throws -> UserView {
        if let identity { try requireStaffAdmin(identity) }
        let name = (input.name ?? input.id).trimmingCharacters(in: .whitespaces)
        let organization = input.organization.flatMap { $0.isEmpty ? nil : $0 }
        let language = input.language.flatMap { $0.isEmpty ? nil : $0 }
        if let problem = idProblem(input.id) ?? profileProblem(role: input.role, organization: organization, language: language)
            ?? passwordProblem(input.password)
        {
            throw Problem(status: 400, detail: problem)
        }
        guard !name.isEmpty, name.count <= 100 else { throw Problem(status: 400, detail: "name must be 1 to 100 characters") }
        let email = try self.email(input.email)
        let user = UserRecord(
            id: input.id, name: name, passwordHash: try await hashPassword(input.password, cost: cost), role: input.role,
            organization: organization, language: language, email: email, createdAt: Date())
        do {
            try await repository.addUser(user)
        } catch let error as CloudStoreError {
            throw Problem(status: error == .userExists(input.id) ? 409 : 404, detail: error.description)
        }
        return UserView(user)
    }

    /// Checks and applies a change to user `id`. The last administrator of the fleet stays one.
    public static func change(
        id: String, _ change: UserChange, by identity: APIIdentity, repository: any CloudRepository,
        cost: UInt8 = bcryptCost
    ) async throws -> UserView {
        try requireStaffAdmin(identity)
        guard var user = try await repository.user(id: id) else { throw Problem(status: 404, detail: "no user '\(id)'") }
        let wasAdministrator = isStaffAdministrator(user)
        if let name = change.name?.trimmingCharacters(in: .whitespaces) {
            guard !name.isEmpty, name.count <= 100 else { throw Problem(status: 400, detail: "name must be 1 to 100 characters") }
            user.name = name
        }
        if let role = change.role { user.role = role }
        if let organization = change.organization { user.organization = organization.isEmpty ? nil : organization }
        if let language = change.language { user.language = language.isEmpty ? nil : language }
        if change.email != nil { user.email = try email(change.email) }
        if let problem = profileProblem(role: user.role, organization: user.organization, language: user.language) {
            throw Problem(status: 400, detail: problem)
        }
        if wasAdministrator && !isStaffAdministrator(user) {
            try await keepAnAdministrator(besides: id, repository: repository)
        }
        var endSessions = false
        if let password = change.password {
            if let problem = passwordProblem(password) { throw Problem(status: 400, detail: problem) }
            user.passwordHash = try await hashPassword(password, cost: cost)
            endSessions = true
        }
        if change.unlock == true || endSessions {
            user.failedLogins = 0
            user.lockedUntil = nil
        }
        do {
            try await repository.updateUser(user, endSessions: endSessions)
        } catch let error as CloudStoreError {
            throw Problem(status: 404, detail: error.description)
        }
        return UserView(user)
    }

    /// Removes user `id`, with their sessions and API tokens; never the last administrator.
    public static func delete(id: String, by identity: APIIdentity, repository: any CloudRepository) async throws {
        try requireStaffAdmin(identity)
        guard let user = try await repository.user(id: id) else { throw Problem(status: 404, detail: "no user '\(id)'") }
        if isStaffAdministrator(user) { try await keepAnAdministrator(besides: id, repository: repository) }
        _ = try await repository.deleteUser(id: id)
        // Rules name the user no more: a new user of the same login hears nothing meant for the old one.
        for var rule in try await NotificationRules.naming(user: id, repository: repository) {
            rule.users = rule.users?.filter { $0 != id }
            if rule.users?.isEmpty == true { rule.users = nil }
            try await repository.saveRule(rule)
        }
    }

    /// Checks and saves organization `id` with its grants, replacing what it had.
    public static func saveOrganization(
        id: String, _ input: OrganizationInput, by identity: APIIdentity, repository: any CloudRepository
    ) async throws -> OrganizationView {
        try requireStaffAdmin(identity)
        guard SyncTopic.isValidSiteId(id) else {
            throw Problem(
                status: 400, detail: "the organization id must be 1 to 64 letters, digits, '-', '_' or '.', got '\(id)'")
        }
        let name = input.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw Problem(status: 400, detail: "name must be 1 to 100 characters") }
        func ids(_ list: [String]?) -> Set<String> {
            Set((list ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        let billing = try input.billing.map(Billing.details)
        do {
            var stations: Set<StationKey> = []
            for reference in ids(input.stations).sorted() {
                stations.insert(try await repository.resolveStation(reference, in: nil).key)
            }
            try await repository.saveOrganization(
                id: id, name: name, sites: ids(input.sites), stations: stations, groups: ids(input.groups))
            if let billing { _ = try await repository.setBilling(organization: id, billing) }
        } catch let error as CloudStoreError {
            throw Problem(status: 404, detail: error.description)
        } catch let error as StationLookupError {
            switch error {
            case .notFound: throw Problem(status: 404, detail: "stations: \(error)")
            case .ambiguous: throw Problem(status: 400, detail: "stations: \(error)")
            }
        }
        guard let saved = try await repository.organization(id: id) else {
            throw Problem(status: 500, detail: "the organization was not kept")
        }
        return OrganizationView(saved)
    }

    /// Removes an organization no user belongs to any more.
    public static func deleteOrganization(
        id: String, by identity: APIIdentity, repository: any CloudRepository
    )
        async throws
    {
        try requireStaffAdmin(identity)
        do {
            guard try await repository.deleteOrganization(id: id) else {
                throw Problem(status: 404, detail: "no organization '\(id)'")
            }
        } catch let error as CloudStoreError {
            throw Problem(status: 409, detail: error.description)
        }
    }

    /// Access is the fleet's own: an administrator of a client organization may not manage it.
    public static func requireStaffAdmin(_ identity: APIIdentity) throws {
        guard identity.role == .admin, identity.organization == nil else {
            throw Problem(status: 403, detail: "users and organizations are managed by the fleet's own administrators")
        }
    }

    private static func isStaffAdministrator(_ user: UserRecord) -> Bool {
        user.role == Role.admin.rawValue && user.organization == nil
    }

    private static func keepAnAdministrator(besides id: String, repository: any CloudRepository) async throws {
        let others = try await repository.users().filter { $0.id != id && isStaffAdministrator($0) }
        guard !others.isEmpty else {
            throw Problem(status: 409, detail: "'\(id)' is the fleet's last administrator: make another one first")
        }
    }
}
