public import Foundation

/// Which sessions a report covers: those that started in `[from, to)` at stations the reader may see, narrowed to
/// sites, stations and tokens (a group, a vehicle, a driver or a customer are turned into these by the caller).
public struct ReportFilter: Sendable, Equatable {
    public var scope: Scope?
    public var from: Date
    public var to: Date
    public var sites: [String]
    public var stations: [StationKey]
    /// nil: every token; empty: none.
    public var idTags: [String]?
    /// Energy above this power over a session's duration is implausible (flagged, not summed).
    public var maxPowerW: Double
    /// Only sessions still running.
    public var running = false

    public init(
        scope: Scope?, from: Date, to: Date, sites: [String] = [], stations: [StationKey] = [], idTags: [String]? = nil,
        maxPowerW: Double = 350_000
    ) {
        self.scope = scope
        self.from = from
        self.to = to
        self.sites = sites
        self.stations = stations
        self.idTags = idTags
        self.maxPowerW = maxPowerW
    }
}

/// What the store sums sessions by before a report folds them further.
public enum ReportGrouping: String, Sendable, CaseIterable {
    case site, station, token
}

/// Sessions summed by grouping and time bucket: counts, energy (plausible sessions only), time, idle time, revenue.
public struct ReportCell: Sendable, Equatable {
    public var site: String?
    public var station: String?
    public var idTag: String?
    /// The index of the period (day, week, month) the sessions started in.
    public var bucket: Int
    public var sessions: Int
    /// Sessions whose energy is missing or implausible (negative, or above the maximum power over their duration).
    public var flagged: Int
    public var energyWh: Double
    public var durationMs: Int64
    public var idleMs: Int64
    /// Revenue per currency, in 10⁻⁴ units, without and with VAT.
    public var currency: String?
    public var revenueExclE4: Int64
    public var revenueInclE4: Int64

    public init(
        site: String?, station: String?, idTag: String?, bucket: Int, sessions: Int, flagged: Int, energyWh: Double,
        durationMs: Int64, idleMs: Int64, currency: String?, revenueExclE4: Int64, revenueInclE4: Int64
    ) {
        self.site = site
        self.station = station
        self.idTag = idTag
        self.bucket = bucket
        self.sessions = sessions
        self.flagged = flagged
        self.energyWh = energyWh
        self.durationMs = durationMs
        self.idleMs = idleMs
        self.currency = currency
        self.revenueExclE4 = revenueExclE4
        self.revenueInclE4 = revenueInclE4
    }
}

/// One session as a report's detailed list has it: the session, its checked energy, and why it was flagged.
public struct ReportSession: Sendable, Equatable {
    public var session: SessionView
    /// nil when flagged.
    public var energyWh: Double?
    public var flag: String?
    public var idleMs: Int64?
    public var sortAt: Int64

    public init(session: SessionView, energyWh: Double?, flag: String?, idleMs: Int64?, sortAt: Int64) {
        self.session = session
        self.energyWh = energyWh
        self.flag = flag
        self.idleMs = idleMs
        self.sortAt = sortAt
    }
}

/// The sums and lists reports are folded from.
public protocol ReportRepository: Sendable {
    /// Sessions of `filter` summed by `grouping` and by the period between consecutive `boundaries` they started in
    /// (`boundaries` from `filter.from` to `filter.to`, at most 401).
    func reportCells(_ filter: ReportFilter, grouping: ReportGrouping, boundaries: [Date]) async throws -> [ReportCell]
    /// Sessions of `filter` in the order they started, `limit` after the one at (`sortAt`, `site`, `transactionId`).
    func reportSessions(
        _ filter: ReportFilter, after: (sortAt: Int64, site: String, transactionId: Int)?, limit: Int
    ) async throws -> [ReportSession]
}

/// What the availability report is folded from: a connector's status or a station's connection, at a time.
public struct AvailabilityEvent: Sendable, Equatable {
    public var time: Date
    public var site: String
    /// Empty for the site's presence.
    public var station: String
    /// nil for a station's connection or the site's presence.
    public var connector: Int?
    /// The connector's OCPP status, `connected` / `disconnected` for a station, `site_online` / `site_offline`.
    public var state: String

    public init(time: Date, site: String, station: String, connector: Int?, state: String) {
        self.time = time
        self.site = site
        self.station = station
        self.connector = connector
        self.state = state
    }
}

/// The status history availability is computed from.
public protocol AvailabilityRepository: Sendable {
    /// For the stations of `filter` (its range, sites, stations and scope): each connector's last status, each
    /// station's last connection and each of their sites' last presence before `filter.from`, then every change in
    /// the range, in order of time.
    func availabilityEvents(_ filter: ReportFilter) async throws -> (before: [AvailabilityEvent], during: [AvailabilityEvent])
}
