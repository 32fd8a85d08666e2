public import Foundation
public import SiteModel
public import SyncContract

/// A site registered in the cloud.
public struct SiteRecord: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var createdAt: Date
    public var online: Bool
    public var lastSeenAt: Date?
    /// The highest seq applied from this site.
    public var lastSeq: Int64
    public var tokenListVersion: Int
    /// Where it is: a postal address, coordinates (WGS 84), and the IANA time zone its pages show times in.
    public var address: String?
    public var latitude: Double?
    public var longitude: Double?
    public var timeZone: String?
    /// The rest of the postal address, as roaming partners need it (OCPI's Location): city, postal code, and the
    /// country as ISO 3166-1 alpha-3.
    public var city: String?
    public var postalCode: String?
    public var country: String?
    /// When its name, address, coordinates or time zone last changed.
    public var detailsUpdatedAt: Date?

    public init(
        id: String, name: String, createdAt: Date, online: Bool = false, lastSeenAt: Date? = nil, lastSeq: Int64 = 0,
        tokenListVersion: Int = 0, address: String? = nil, latitude: Double? = nil, longitude: Double? = nil,
        timeZone: String? = nil, city: String? = nil, postalCode: String? = nil, country: String? = nil,
        detailsUpdatedAt: Date? = nil
    ) {
        self.detailsUpdatedAt = detailsUpdatedAt
        self.city = city
        self.postalCode = postalCode
        self.country = country
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
        self.timeZone = timeZone
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.online = online
        self.lastSeenAt = lastSeenAt
        self.lastSeq = lastSeq
        self.tokenListVersion = tokenListVersion
    }
}

/// A charging station as the cloud last heard of it.
public struct StationView: Sendable, Equatable, Codable {
    public var id: String
    public var site: String
    public var key: StationKey { StationKey(site: site, station: id) }
    public var vendor: String?
    public var model: String?
    public var serialNumber: String?
    public var firmwareVersion: String?
    public var approval: String?
    public var connected: Bool
    public var connectionChangedAt: Date?
    public var lastBootAt: Date?
    public var connectors: [ConnectorView]
    /// What the cloud registered at the edge for it, as the edge answered (nil: never registered from the cloud).
    public var registration: StationRegistrationView?
    /// What its connectors are, as an operator set it (nil: never set; each connector then a Type 2 socket).
    public var connectorTypes: [ConnectorType]?
    public var connectorTypesUpdatedAt: Date?
}

/// A station's registration as the edge keeps it: its wiring, and whether it has a Basic auth password (never the
/// password or its hash).
public struct StationRegistrationView: Sendable, Equatable, Codable {
    public var maxCurrentA: Double
    public var phases: Int
    public var rotation: String
    public var priority: Int
    public var hasPassword: Bool

    public init(_ registration: StationRegistration) {
        maxCurrentA = registration.maxCurrentA
        phases = registration.phases
        rotation = registration.rotation
        priority = registration.priority
        hasPassword = registration.passwordHash != nil
    }
}

/// A connector's live status.
public struct ConnectorView: Sendable, Equatable, Codable {
    public var station: String
    public var connector: Int
    public var status: String
    public var errorCode: String?
    public var info: String?
    public var vendorId: String?
    public var vendorErrorCode: String?
    public var since: Date
}

/// A charging session, running or finished.
public struct SessionView: Sendable, Equatable, Codable {
    public var site: String
    public var transactionId: Int
    public var station: String
    public var connector: Int
    public var idTag: String?
    public var authStatus: String?
    public var startTime: Date?
    public var stopTime: Date?
    public var stopReason: String?
    public var meterStartWh: Double?
    public var meterStopWh: Double?
    /// Energy delivered so far (or in all, once stopped), in Wh.
    public var energyWh: Double?
    public var powerW: Double?
    public var currentA: Double?
    public var soc: Double?
    public var updatedAt: Date?
    public var active: Bool
    /// What it was billed once priced, or (filled in by the reader) what it costs so far; nil without a tariff.
    public var price: SessionPrice?

    public init(
        site: String, transactionId: Int, station: String, connector: Int, idTag: String?, authStatus: String?,
        startTime: Date?, stopTime: Date?, stopReason: String?, meterStartWh: Double?, meterStopWh: Double?,
        energyWh: Double?, powerW: Double?, currentA: Double?, soc: Double?, updatedAt: Date?, active: Bool,
        price: SessionPrice? = nil
    ) {
        self.site = site
        self.transactionId = transactionId
        self.station = station
        self.connector = connector
        self.idTag = idTag
        self.authStatus = authStatus
        self.startTime = startTime
        self.stopTime = stopTime
        self.stopReason = stopReason
        self.meterStartWh = meterStartWh
        self.meterStopWh = meterStopWh
        self.energyWh = energyWh
        self.powerW = powerW
        self.currentA = currentA
        self.soc = soc
        self.updatedAt = updatedAt
        self.active = active
        self.price = price
    }
}

/// Which sessions to list.
public struct SessionFilter: Sendable, Equatable {
    /// What the caller may see; nil for everything.
    public var scope: Scope?
    public var site: String?
    public var station: String?
    public var idTag: String?
    public var from: Date?
    public var to: Date?
    public var active: Bool?
    public var limit: Int
    public var after: SessionCursor?

    public init(
        scope: Scope? = nil, site: String? = nil, station: String? = nil, idTag: String? = nil, from: Date? = nil,
        to: Date? = nil, active: Bool? = nil, limit: Int = 50, after: SessionCursor? = nil
    ) {
        self.scope = scope
        self.site = site
        self.station = station
        self.idTag = idTag
        self.from = from
        self.to = to
        self.active = active
        self.limit = limit
        self.after = after
    }
}

/// Where a page of sessions ended: the next page starts after it (newest first).
public struct SessionCursor: Sendable, Equatable {
    public var sortAt: Int64
    public var site: String
    public var transactionId: Int

    public init(sortAt: Int64, site: String, transactionId: Int) {
        self.sortAt = sortAt
        self.site = site
        self.transactionId = transactionId
    }

    /// An opaque token for URLs.
    public var token: String {
        Data("\(sortAt)|\(transactionId)|\(site)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|", maxSplits: 2)
        guard parts.count == 3, let sortAt = Int64(parts[0]), let transactionId = Int(parts[1]) else { return nil }
        self.init(sortAt: sortAt, site: String(parts[2]), transactionId: transactionId)
    }
}

/// A page of a list, with where the next one starts.
public struct Page<Item: Sendable & Equatable>: Sendable, Equatable {
    public var items: [Item]
    public var next: String?
}

/// One reading of a site's meters.
public struct MeterPoint: Sendable, Equatable, Codable {
    public var time: Date
    public var meter: String
    public var role: String
    public var currentA: [Double?]
    public var powerW: Double?
    public var energyImportWh: Double?
}

/// A line of a site's history: status changes, connections, station events, command results, rejected
/// messages.
public struct EventView: Sendable, Equatable, Codable {
    public var site: String
    public var seq: Int64
    public var time: Date
    public var station: String?
    public var connector: Int?
    public var kind: String
    public var severity: String
    public var code: String?
    public var detail: String

    public init(
        site: String, seq: Int64, time: Date, station: String?, connector: Int?, kind: String, severity: String,
        code: String?, detail: String
    ) {
        self.site = site
        self.seq = seq
        self.time = time
        self.station = station
        self.connector = connector
        self.kind = kind
        self.severity = severity
        self.code = code
        self.detail = detail
    }

    /// Where a page of the history that ends with this event goes on from.
    public var cursor: EventCursor { EventCursor(at: time, site: site, seq: seq) }
}

/// A place in the history's order (time, site, seq): the next page starts after it. As text `<ms>.<seq>.<site>`.
public struct EventCursor: Sendable, Equatable, CustomStringConvertible {
    public var at: Date
    public var site: String
    public var seq: Int64

    public init(at: Date, site: String, seq: Int64) {
        self.at = at
        self.site = site
        self.seq = seq
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        // Milliseconds within ±2⁵² (±140,000 years): a time the store can hold, never one that overflows.
        guard parts.count == 3, let ms = Int64(parts[0]), ms.magnitude < 1 << 52, let seq = Int64(parts[1]),
            !parts[2].isEmpty
        else { return nil }
        self.init(at: Date(milliseconds: ms), site: String(parts[2]), seq: seq)
    }

    public var description: String { "\(at.milliseconds).\(seq).\(site)" }
}

/// Which events to list.
public struct EventFilter: Sendable, Equatable {
    /// What the caller may see; nil for everything.
    public var scope: Scope?
    public var site: String?
    public var station: String?
    public var kind: String?
    public var severity: String?
    public var from: Date?
    public var to: Date?
    public var limit: Int
    /// The error or event code as the charger sent it (`errorCode`).
    public var code: String?
    /// Oldest first instead of newest first.
    public var ascending: Bool
    /// The charger's own error code (a status's `vendorErrorCode`).
    public var vendorCode: String?
    /// Only events after this place, in the filter's order (the next page).
    public var after: EventCursor?

    public init(
        scope: Scope? = nil, site: String? = nil, station: String? = nil, kind: String? = nil, severity: String? = nil,
        from: Date? = nil, to: Date? = nil, limit: Int = 100, code: String? = nil, ascending: Bool = false,
        vendorCode: String? = nil, after: EventCursor? = nil
    ) {
        self.vendorCode = vendorCode
        self.after = after
        self.code = code
        self.ascending = ascending
        self.scope = scope
        self.site = site
        self.station = station
        self.kind = kind
        self.severity = severity
        self.from = from
        self.to = to
        self.limit = limit
    }
}

/// An API token: only a hash of its secret is kept.
public struct APITokenRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var secretHash: String
    public var role: String
    public var createdAt: Date
    public var revoked: Bool
    /// The user the token acts for: its role and organization apply, not the token's own role.
    public var user: String?
    /// After this the token is refused; nil: it does not expire (tokens made before expiry existed).
    public var expiresAt: Date?
    /// When it was last accepted (kept to the minute).
    public var lastUsedAt: Date?

    public init(
        id: String, name: String, secretHash: String, role: String, createdAt: Date, revoked: Bool = false, user: String? = nil,
        expiresAt: Date? = nil, lastUsedAt: Date? = nil
    ) {
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.role = role
        self.createdAt = createdAt
        self.revoked = revoked
        self.user = user
    }
}

/// A token (RFID card, app id) allowed or refused at a site's chargers.
public typealias SiteToken = SiteModel.Token

/// What applying a batch of up messages did.
public struct ApplyOutcome: Sendable, Equatable {
    /// Per site, the seqs now durable (applied now or before): these are acknowledged to the edge.
    public var acknowledged: [String: [Int64]] = [:]
    /// How many were new, and how many repeats of messages already applied.
    public var applied = 0
    public var duplicates = 0
    public var commandResults: [CommandResultRecord] = []
    public var authRequests: [AuthRequestRecord] = []
    /// Sites whose edge now speaks from another store (a replaced one): alerted, and counted by ingest.
    public var storesReplaced: [String] = []
    /// Session messages of a replaced store about a transaction id its predecessor used: not applied (a start or a
    /// stop is kept as an `ingest_failed` event with the message; progress only counted).
    public var sessionCollisions = 0

    public init() {}
}

/// A station's answer to a relayed command, as it arrived.
public struct CommandResultRecord: Sendable, Equatable {
    public var site: String
    public var id: String
    public var outcome: CommandOutcome
    public var response: String?
    public var error: String?

    public init(site: String, id: String, outcome: CommandOutcome, response: String? = nil, error: String? = nil) {
        self.site = site
        self.id = id
        self.outcome = outcome
        self.response = response
        self.error = error
    }
}

/// A token an edge asked about.
public struct AuthRequestRecord: Sendable, Equatable {
    public var site: String
    public var id: String
    public var idTag: String
    public var station: String
}

/// Errors of the store that callers act on.
public enum CloudStoreError: Error, Equatable, CustomStringConvertible {
    case siteExists(String)
    case unknownSite(String)
    case userExists(String)
    case organizationExists(String)
    case unknownOrganization(String)
    case unknownStation(String)
    case unknownGroup(String)
    case unknownUser(String)
    case organizationInUse(String, users: Int)
    case tokenTaken(idTag: String, vehicle: String)

    public var description: String {
        switch self {
        case .siteExists(let id): "site '\(id)' is already registered"
        case .unknownSite(let id): "site '\(id)' is not registered"
        case .userExists(let id): "user '\(id)' already exists"
        case .organizationExists(let id): "organization '\(id)' already exists"
        case .unknownOrganization(let id): "organization '\(id)' does not exist"
        case .unknownStation(let id): "station '\(id)' is not known: it has not connected nor been added to a site"
        case .unknownGroup(let id): "group '\(id)' does not exist"
        case .unknownUser(let id): "user '\(id)' does not exist"
        case .organizationInUse(let id, let users):
            "organization '\(id)' still has \(users) user\(users == 1 ? "" : "s"): move or remove them first"
        case .tokenTaken(let idTag, let vehicle): "token '\(idTag)' already identifies vehicle '\(vehicle)'"
        }
    }
}

/// What load management decided at a moment: the mode, whether the failsafe held, the grid's limit and current and the
/// building's own load per phase (L1 first), what the cars were allocated in all, and how many charged and waited.
public struct LoadPoint: Sendable, Equatable, Codable {
    public var time: Date
    public var mode: String
    public var failsafe: Bool
    public var gridLimitA: Double?
    public var gridCurrentA: [Double?]
    public var buildingLoadA: [Double?]
    public var allocatedA: Double
    public var charging: Int
    public var waiting: Int

    /// What the cars draw per phase: the grid's current less the building's own load (nil where either is unknown).
    public var carsA: [Double?] {
        zip(gridCurrentA, buildingLoadA).map { grid, building in
            guard let grid, let building else { return nil }
            return max(0, ((grid - building) * 10).rounded() / 10)
        }
    }
}

/// A connector's share as load management last told it.
public struct LoadShare: Sendable, Equatable, Codable {
    public var station: String
    public var connector: Int
    public var time: Date
    public var allocatedA: Double
    /// The limit the charger last accepted.
    public var limitA: Double?
    public var reason: String
    /// What the car draws, on its most loaded phase.
    public var drawingA: Double?
}

/// A site's load management over a stretch, and each connector's share now.
public struct LoadSeries: Sendable, Equatable, Codable {
    public var samples: [LoadPoint]
    public var connectors: [LoadShare]
}
