public import Foundation
public import SyncContract

/// A person who signs in to the dashboard (and whose API tokens act for them).
public struct UserRecord: Sendable, Equatable {
    /// The login name.
    public var id: String
    public var name: String
    /// bcrypt, with its cost and salt in the string.
    public var passwordHash: String
    public var role: String
    /// A client organization limits what the user sees to its granted sites; nil is the fleet's own staff.
    public var organization: String?
    /// The user's chosen language (en, de, fr); nil follows the browser's Accept-Language.
    public var language: String?
    /// Where notification rules naming the user mail it; nil: the user is told in the dashboard only.
    public var email: String?
    public var failedLogins: Int
    public var lockedUntil: Date?
    public var createdAt: Date

    public init(
        id: String, name: String, passwordHash: String, role: String, organization: String? = nil, language: String? = nil,
        email: String? = nil, failedLogins: Int = 0, lockedUntil: Date? = nil, createdAt: Date
    ) {
        self.email = email
        self.id = id
        self.name = name
        self.passwordHash = passwordHash
        self.role = role
        self.organization = organization
        self.language = language
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
    }
}

/// A client organization and what it is granted: whole sites, single stations, groups of stations.
public struct OrganizationRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var sites: Set<String>
    public var stations: Set<StationKey>
    public var groups: Set<String>
    /// Where its statements go and what they say it is.
    public var billing: BillingDetails

    public init(
        id: String, name: String, sites: Set<String>, stations: Set<StationKey> = [], groups: Set<String> = [],
        billing: BillingDetails = BillingDetails()
    ) {
        self.id = id
        self.name = name
        self.sites = sites
        self.stations = stations
        self.groups = groups
        self.billing = billing
    }
}

/// A customer's billing details: the postal address and VAT id its statements carry, and who receives them.
public struct BillingDetails: Sendable, Equatable, Codable {
    /// Lines separated by newlines.
    public var address: String?
    public var vatId: String?
    public var emails: [String]

    public init(address: String? = nil, vatId: String? = nil, emails: [String] = []) {
        self.address = address
        self.vatId = vatId
        self.emails = emails
    }
}

/// What an organization can be granted: its users then see it.
public enum Grant: Sendable, Equatable, CustomStringConvertible {
    /// A whole site: every station there, its meters, settings and site-wide events.
    case site(String)
    /// One station, with its sessions and events; its site appears as its place only.
    case station(StationKey)
    /// A group's stations, as they are at each request, and the group itself.
    case group(String)

    public var description: String {
        switch self {
        case .site(let id): "site '\(id)'"
        case .station(let key): "station '\(key)'"
        case .group(let id): "group '\(id)'"
        }
    }
}

/// A signed-in browser: only a hash of the cookie's value is kept, with the form token (CSRF) of the session.
public struct WebSessionRecord: Sendable, Equatable {
    public var idHash: String
    public var user: String
    public var csrf: String
    public var createdAt: Date
    public var expiresAt: Date
    /// A session that has shown the password but not yet the second factor: ``SecondFactor/code`` (the user has an
    /// authenticator and must give its code) or ``SecondFactor/enroll`` (the user's role requires one and the user
    /// has none yet). Nil: signed in.
    public var pending: SecondFactor?

    public init(
        idHash: String, user: String, csrf: String, createdAt: Date, expiresAt: Date, pending: SecondFactor? = nil
    ) {
        self.idHash = idHash
        self.user = user
        self.csrf = csrf
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.pending = pending
    }
}

/// What a half-signed-in session still has to show.
public enum SecondFactor: String, Sendable, Equatable {
    case code
    case enroll
}

/// A user's authenticator (TOTP): the secret in use, one being set up, and the last step a code was taken for (each
/// code is good once).
public struct TOTPState: Sendable, Equatable {
    public var secret: String?
    public var pending: String?
    public var lastStep: Int64?

    public init(secret: String?, pending: String?, lastStep: Int64?) {
        self.secret = secret
        self.pending = pending
        self.lastStep = lastStep
    }
}

/// One site at a glance, for the home dashboard.
public struct SiteSummary: Sendable, Equatable, Codable {
    public var site: String
    public var name: String
    public var online: Bool
    public var lastSeenAt: Date?
    public var stations: Int
    /// Stations not connected to their edge (or all of them, when the site itself is offline).
    public var stationsOffline: Int
    /// Connectors preparing, charging, suspended or finishing.
    public var inUse: Int
    public var available: Int
    /// Reserved connectors: planned sessions.
    public var reserved: Int
    /// Faulted or unavailable connectors, and every connector of an offline station.
    public var inoperative: Int
    public var faulted: Int
    /// Charging power of the site's active sessions, from their latest meter values.
    public var powerW: Double
    public var activeSessions: Int
    /// What the site's grid meter read last (the whole site, building included), if it has one and it reported in
    /// the last five minutes.
    public var gridPowerW: Double?

    public init(
        site: String, name: String, online: Bool, lastSeenAt: Date?, stations: Int, stationsOffline: Int, inUse: Int,
        available: Int, reserved: Int, inoperative: Int, faulted: Int, powerW: Double, activeSessions: Int
    ) {
        self.site = site
        self.name = name
        self.online = online
        self.lastSeenAt = lastSeenAt
        self.stations = stations
        self.stationsOffline = stationsOffline
        self.inUse = inUse
        self.available = available
        self.reserved = reserved
        self.inoperative = inoperative
        self.faulted = faulted
        self.powerW = powerW
        self.activeSessions = activeSessions
    }
}

/// One meter sample of a session.
public struct SessionSamplePoint: Sendable, Equatable, Codable {
    public var time: Date
    public var energyWh: Double?
    public var powerW: Double?
    public var soc: Double?
    public var currentA: Double?

    public init(time: Date, energyWh: Double?, powerW: Double?, soc: Double?, currentA: Double? = nil) {
        self.time = time
        self.energyWh = energyWh
        self.powerW = powerW
        self.soc = soc
        self.currentA = currentA
    }
}

/// A command the cloud sent, for the event history: who, what, and the station's answer.
public struct CommandView: Sendable, Equatable, Codable {
    public var id: String
    public var site: String
    public var station: String
    public var action: String
    public var payload: String
    public var user: String?
    public var time: Date
    /// Nil while no result has come.
    public var outcome: CommandOutcome?
    public var response: String?
    public var error: String?

    public init(
        id: String, site: String, station: String, action: String, payload: String, user: String?, time: Date,
        outcome: CommandOutcome?, response: String?, error: String?
    ) {
        self.id = id
        self.site = site
        self.station = station
        self.action = action
        self.payload = payload
        self.user = user
        self.time = time
        self.outcome = outcome
        self.response = response
        self.error = error
    }
}

/// Something on the home dashboard's alert list.
public struct AlertView: Sendable, Equatable, Codable {
    /// `siteOffline`, `stationPending` (booted, waiting for an operator's approval), `stationOffline` or `faulted`.
    public var kind: String
    public var site: String
    public var station: String?
    public var connector: Int?
    public var code: String?
    public var vendorErrorCode: String?
    public var since: Date?

    public init(
        kind: String, site: String, station: String?, connector: Int?, code: String?, vendorErrorCode: String?, since: Date?
    ) {
        self.kind = kind
        self.site = site
        self.station = station
        self.connector = connector
        self.code = code
        self.vendorErrorCode = vendorErrorCode
        self.since = since
    }
}

/// A vehicle of the fleet and the tokens (RFID cards, app ids, Autocharge ids) that identify it at a charger.
public struct VehicleRecord: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var plate: String?
    public var fleet: String?
    /// The client organization it belongs to; nil for the fleet's own.
    public var organization: String?
    public var tokens: [String]
    public var createdAt: Date

    public init(
        id: String, name: String, plate: String?, fleet: String?, organization: String?, tokens: [String], createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.plate = plate
        self.fleet = fleet
        self.organization = organization
        self.tokens = tokens
        self.createdAt = createdAt
    }
}

/// A group of stations, within one site or across sites (a fleet's depots, a customer's bays), with the state of its
/// connectors counted as on the home page.
public struct StationGroup: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var stations: [StationKey]
    /// Connectors by the home page's categories: `inUse`, `available`, `reserved`, `inoperative`.
    public var counts: [String: Int]

    public init(id: String, name: String, stations: [StationKey], counts: [String: Int] = [:]) {
        self.id = id
        self.name = name
        self.stations = stations
        self.counts = counts
    }
}

/// What a user chose to see on their home dashboard; an empty set means all they may see.
public struct HomeView: Sendable, Equatable {
    public var sites: Set<String>
    public var groups: Set<String>

    public init(sites: Set<String> = [], groups: Set<String> = []) {
        self.sites = sites
        self.groups = groups
    }
}
