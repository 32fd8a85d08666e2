public import CloudStore
public import Foundation
public import ServerSupport
import SyncContract

/// The broker's accounts for sites, kept by the cloud itself: each site's account may write only the site's own up
/// topics and read only its own down topics (mosquitto's dynamic-security plugin; ``SiteOnboarding`` works without
/// one too, and then says how to make the account by hand).
public protocol BrokerAccounts: Sendable {
    /// Makes the site's account with a new password (replacing one of that name), and returns the password.
    func provision(site: String) async throws -> String
    /// Gives the site's account a new password (making the account if it is missing), and returns it.
    func rotate(site: String) async throws -> String
    /// Removes the site's account: its edge is disconnected, and refused from then on.
    func revoke(site: String) async throws
}

/// A new site as the API's `POST /sites` and the dashboard's form give it.
public struct SiteCreation: Decodable, Sendable {
    public var id: String
    public var name: String?
    public var address: String?
    public var latitude: Double?
    public var longitude: Double?
    public var timeZone: String?

    public init(
        id: String, name: String? = nil, address: String? = nil, latitude: Double? = nil, longitude: Double? = nil,
        timeZone: String? = nil
    ) {
        self.id = id
        self.name = name
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
        self.timeZone = timeZone
    }
}

/// The API's confirmation that a site whose edge is online is to be retired all the same.
public struct SiteRetirement: Decodable, Sendable {
    public var confirm: Bool
}

/// What an edge needs to reach the cloud: its site, the broker and its account, and the `cloud:` section of
/// `edge.yaml` ready to copy. The password is in this answer only: the cloud keeps none.
public struct SiteCredentials: Sendable, Encodable {
    public var site: SiteRecord
    /// Whether the cloud made the account on the broker itself; false: it is to be made by hand (`instructions`).
    public var managed: Bool
    public var broker: String
    public var username: String
    public var password: String
    /// The site's part of `edge.yaml`: `site:` and `cloud:`.
    public var edgeConfiguration: String
    /// How to make the account by hand, when the cloud does not manage the broker's accounts.
    public var instructions: String?
}

/// Sites from the browser and the API: made with their broker account, given a new password, retired. Only the
/// fleet's own administrators may; every refusal names the field.
public struct SiteOnboarding: Sendable {
    let repository: any CloudRepository
    /// nil: the broker's accounts are made by hand (`mosquitto_passwd` and the ACL file).
    let accounts: (any BrokerAccounts)?
    /// The broker as edges reach it (`mqtts://broker.example.com:8883`).
    let siteBroker: String

    /// Broker accounts no site may be named after (the cloud's own).
    let reserved: Set<String>

    public init(
        repository: any CloudRepository, accounts: (any BrokerAccounts)?, siteBroker: String, reserved: Set<String> = []
    ) {
        self.reserved = reserved
        self.repository = repository
        self.accounts = accounts
        self.siteBroker = siteBroker
    }

    public func create(_ input: SiteCreation, by identity: APIIdentity, at time: Date) async throws -> SiteCredentials {
        try Self.requireStaffAdmin(identity)
        let id = input.id.trimmingCharacters(in: .whitespaces)
        guard SyncTopic.isValidSiteId(id) else {
            throw Problem(status: 400, detail: "id: 1 to 64 letters, digits, '-', '_' or '.', got '\(id)'")
        }
        guard !reserved.contains(id) else {
            throw Problem(status: 400, detail: "id: '\(id)' is the cloud's own broker account; choose another")
        }
        let change = SiteChange(
            name: nil, address: input.address, latitude: input.latitude, longitude: input.longitude,
            timeZone: input.timeZone)
        try change.check()
        let name = (input.name?.trimmingCharacters(in: .whitespaces)).flatMap { $0.isEmpty ? nil : $0 } ?? id
        guard name.count <= 100 else { throw Problem(status: 400, detail: "name must be 1 to 100 characters") }
        do {
            _ = try await repository.addSite(id: id, name: name, at: time)
        } catch CloudStoreError.siteExists {
            throw Problem(status: 409, detail: "id: a site '\(id)' exists already (a retired site keeps its id)")
        }
        let site = try await change.apply(to: id, repository: repository)
        do {
            return try await credentials(site, password: try await broker { try await $0.provision(site: id) })
        } catch let problem as Problem where problem.status == 502 {
            throw Problem(
                status: 502,
                detail: "\(problem.detail); the site '\(id)' is made: give its account a password once the broker answers "
                    + "(POST /api/v1/sites/\(id)/broker-credentials, or Broker account on its page)")
        }
    }

    /// A new password for the site's account (the edge's old one stops working once the broker has the new one).
    public func rotate(site id: String, by identity: APIIdentity, at time: Date = Date()) async throws -> SiteCredentials {
        try Self.requireStaffAdmin(identity)
        guard !reserved.contains(id), let site = try await repository.site(id: id) else {
            throw Problem(status: 404, detail: "no site '\(id)'")
        }
        let credentials = try await credentials(site, password: try await broker { try await $0.rotate(site: id) })
        // The broker drops the edge's connection with the old password, and no last will says so.
        if accounts != nil, site.online { try await repository.setPresence(site: id, online: false, at: time) }
        return credentials
    }

    /// Retires a site: its broker account goes (its edge is disconnected and refused), it is listed nowhere, its
    /// history stays. A site whose edge is online is retired only when `confirmed`.
    public func retire(site id: String, confirmed: Bool, by identity: APIIdentity, at time: Date) async throws {
        try Self.requireStaffAdmin(identity)
        guard let site = try await repository.site(id: id) else { throw Problem(status: 404, detail: "no site '\(id)'") }
        guard !site.online || confirmed else {
            throw Problem(
                status: 409, detail: "confirm: the edge of site '\(id)' is online; retiring it disconnects it for good")
        }
        _ = try await broker { try await $0.revoke(site: id) }
        guard try await repository.retireSite(id: id, at: time) else {
            throw Problem(status: 404, detail: "no site '\(id)'")
        }
    }

    static func requireStaffAdmin(_ identity: APIIdentity) throws {
        guard identity.role == .admin, identity.organization == nil else {
            throw Problem(
                status: 403, detail: "sites are made, given new passwords and retired by the fleet's own administrators")
        }
    }

    /// A change of the broker's accounts, when the cloud keeps them; the broker's refusal (or silence) is a 502 that
    /// says so.
    func broker<T>(_ change: (any BrokerAccounts) async throws -> T) async throws -> T? {
        guard let accounts else { return nil }
        do {
            return try await change(accounts)
        } catch {
            throw Problem(status: 502, detail: "broker: \(error)")
        }
    }

    func credentials(_ site: SiteRecord, password: String?) async throws -> SiteCredentials {
        let password = password ?? SitePasswords.generate()
        let section = """
            site:
              id: \(site.id)
            cloud:
              broker: \(siteBroker)
              username: \(site.id)
              password: '\(password)'

            """
        return SiteCredentials(
            site: site, managed: accounts != nil, broker: siteBroker, username: site.id, password: password,
            edgeConfiguration: section,
            instructions: accounts != nil
                ? nil
                : """
                mosquitto_passwd -b /etc/mosquitto/gridside.passwd \(site.id) '\(password)'
                (the ACL file's patterns limit the account to gridside/v1/\(site.id)/up/# and …/down/#; see \
                config/mosquitto.acl.example), then reload mosquitto
                """)
    }
}

/// Broker passwords: 24 letters and digits (no look-alikes), about 140 bits.
public enum SitePasswords {
    public static func generate() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
