import GRDB

/// What a client organization's users may see: whole sites, and single stations at other sites, granted one by
/// one or through a group. The fleet's own staff have no scope (`Scope?` nil): they see everything.
///
/// A station granted alone shows its site as a place, with that station only: the site's other stations, its
/// meters, its load-management settings and its site-wide events stay hidden.
public struct Scope: Sendable, Equatable {
    /// Sites granted whole: every station there, now and later.
    public var sites: Set<String>
    /// Stations granted alone or through a group.
    public var stations: Set<StationKey>
    /// Groups granted: their stations are in `stations`; the groups themselves are listed for these users.
    public var groups: Set<String>

    public init(sites: Set<String> = [], stations: Set<StationKey> = [], groups: Set<String> = []) {
        self.sites = sites
        self.stations = stations
        self.groups = groups
    }

    /// Every site this scope shows, whole or through one of its stations.
    public var visibleSites: Set<String> { sites.union(stations.map(\.site)) }

    public var isEmpty: Bool { sites.isEmpty && stations.isEmpty }

    /// Whether the site appears at all (whole, or as the place of a granted station).
    public func sees(site: String) -> Bool { sites.contains(site) || stations.contains { $0.site == site } }

    /// Whether the whole site is granted: its settings, meters, every station and site-wide events.
    public func seesWhole(site: String) -> Bool { sites.contains(site) }

    public func sees(station: String, site: String) -> Bool {
        sites.contains(site) || stations.contains(StationKey(site: site, station: station))
    }

    /// This scope narrowed to some sites (a user's chosen home sites).
    public func narrowed(to chosen: Set<String>) -> Scope {
        Scope(sites: sites.intersection(chosen), stations: stations.filter { chosen.contains($0.site) }, groups: groups)
    }

    /// The SQL condition that keeps rows of this scope, for a table with a site column and a station column (rows of
    /// no station, site-wide ones, are kept only on whole sites); nil when nothing is visible.
    func condition(site siteColumn: String, station stationColumn: String) -> (sql: String, arguments: StatementArguments)? {
        guard !isEmpty else { return nil }
        var parts: [String] = []
        var arguments: StatementArguments = []
        if !sites.isEmpty {
            parts.append("\(siteColumn) IN (\(Self.placeholders(sites.count)))")
            arguments += StatementArguments(sites.sorted())
        }
        if !stations.isEmpty {
            // Row values: a station is its site and its id (SQLite 3.15+, PostgreSQL).
            let pairs = Array(repeating: "(?,?)", count: stations.count).joined(separator: ",")
            parts.append("(\(siteColumn), \(stationColumn)) IN (VALUES \(pairs))")
            for key in stations.sorted() { arguments += [key.site, key.station] }
        }
        return ("(" + parts.joined(separator: " OR ") + ")", arguments)
    }

    static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ",") }
}

extension Optional where Wrapped == Scope {
    /// Whether a caller of this scope (nil: staff, everything) sees the site.
    public func sees(site: String) -> Bool { self?.sees(site: site) ?? true }

    public func seesWhole(site: String) -> Bool { self?.seesWhole(site: site) ?? true }

    public func sees(station: String, site: String) -> Bool { self?.sees(station: station, site: site) ?? true }
}
