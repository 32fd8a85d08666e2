public import Foundation

/// What a station is doing now, as the fleet list shows and filters it: `offline` (it or its site's edge is not
/// connected), else `faulted` (a connector, or the whole station, reports Faulted), `in_use` (a car plugged in:
/// Preparing, Charging, Suspended…, Finishing), `unavailable` (every connector Unavailable), `available`.
public enum FleetState: String, Sendable, CaseIterable, Codable {
    case offline, faulted
    case inUse = "in_use"
    case unavailable, available
}

/// How the fleet list is sorted; ties broken by station id and site.
public enum FleetSort: String, Sendable, CaseIterable {
    case station, site, state, vendor, model, firmware
    case `protocol`
    case lastContact = "last_contact"
}

/// Which stations the fleet list shows: the reader's scope, then each filter given (nil: any).
public struct FleetFilter: Sendable, Equatable {
    public var scope: Scope?
    public var site: String?
    public var group: String?
    public var state: FleetState?
    public var vendor: String?
    public var model: String?
    public var firmware: String?
    public var `protocol`: String?
    /// Only stations out of contact (disconnected, or at an offline site) since before this.
    public var silentSince: Date?
    /// A part of the station's id or serial number, any case.
    public var text: String?
    public var sort: FleetSort
    public var descending: Bool
    public var limit: Int
    public var offset: Int

    public init(
        scope: Scope? = nil, site: String? = nil, group: String? = nil, state: FleetState? = nil, vendor: String? = nil,
        model: String? = nil, firmware: String? = nil, protocol: String? = nil, silentSince: Date? = nil,
        text: String? = nil, sort: FleetSort = .station, descending: Bool = false, limit: Int = 100, offset: Int = 0
    ) {
        self.scope = scope
        self.site = site
        self.group = group
        self.state = state
        self.vendor = vendor
        self.model = model
        self.firmware = firmware
        self.protocol = `protocol`
        self.silentSince = silentSince
        self.text = text
        self.sort = sort
        self.descending = descending
        self.limit = limit
        self.offset = offset
    }
}

/// A station as the fleet list shows it.
public struct FleetStation: Sendable, Equatable, Codable {
    public var site: String
    public var siteName: String
    public var id: String
    public var state: FleetState
    public var vendor: String?
    public var model: String?
    public var serialNumber: String?
    public var firmwareVersion: String?
    /// The OCPP version it last connected with (`ocpp1.6`), once it has connected since the edge tells it.
    public var `protocol`: String?
    public var approval: String?
    public var connectors: Int
    /// When it was last in contact: nil while it is connected (to an edge that is online).
    public var lastContact: Date?
    public var lastBootAt: Date?
    /// The groups it is in, by id.
    public var groups: [String]

    public init(
        site: String, siteName: String, id: String, state: FleetState, vendor: String?, model: String?,
        serialNumber: String?, firmwareVersion: String?, protocol: String?, approval: String?, connectors: Int,
        lastContact: Date?, lastBootAt: Date?, groups: [String]
    ) {
        self.site = site
        self.siteName = siteName
        self.id = id
        self.state = state
        self.vendor = vendor
        self.model = model
        self.serialNumber = serialNumber
        self.firmwareVersion = firmwareVersion
        self.protocol = `protocol`
        self.approval = approval
        self.connectors = connectors
        self.lastContact = lastContact
        self.lastBootAt = lastBootAt
        self.groups = groups
    }
}

/// A page of the fleet list, and how many stations the filter finds in all.
public struct FleetPage: Sendable, Equatable {
    public var items: [FleetStation]
    public var total: Int

    public init(items: [FleetStation], total: Int) {
        self.items = items
        self.total = total
    }
}

/// The values the fleet list's filters offer: each vendor, model, firmware version and protocol among the stations
/// a reader sees.
public struct FleetChoices: Sendable, Equatable {
    public var vendors: [String]
    public var models: [String]
    public var firmwares: [String]
    public var protocols: [String]

    public init(vendors: [String], models: [String], firmwares: [String], protocols: [String]) {
        self.vendors = vendors
        self.models = models
        self.firmwares = firmwares
        self.protocols = protocols
    }
}

/// The fleet list: every station a reader sees, filtered, sorted and paged in the store.
public protocol FleetRepository: Sendable {
    func fleet(_ filter: FleetFilter) async throws -> FleetPage
    func fleetChoices(in scope: Scope?) async throws -> FleetChoices
}
