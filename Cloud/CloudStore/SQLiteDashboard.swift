public import Foundation
import GRDB
import SiteModel
import SyncContract

extension SQLiteRepository {
    public func siteSummaries(in scope: Scope?) async throws -> [SiteSummary] {
        try await pool.read { db in
            // Counted for a scope: the stations it sees (a site granted through some of its stations counts those).
            var visible: (sql: String, arguments: StatementArguments) = ("1", [])
            if let scope {
                guard let condition = scope.condition(site: "site_id", station: "station_id") else { return [] }
                visible = condition
            }
            var order: [String] = []
            var summaries: [String: SiteSummary] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT id, name, online, last_seen_at FROM site WHERE retired_at IS NULL ORDER BY name, id")
            {
                let id: String = row["id"]
                guard scope.sees(site: id) else { continue }
                order.append(id)
                summaries[id] = SiteSummary(
                    site: id, name: row["name"], online: row["online"],
                    lastSeenAt: (row["last_seen_at"] as Int64?).map(Date.init(milliseconds:)), stations: 0, stationsOffline: 0,
                    inUse: 0, available: 0, reserved: 0, inoperative: 0, faulted: 0, powerW: 0, activeSessions: 0)
            }
            try Self.countStations(db, scope, into: &summaries)
            try Self.countConnectors(db, visible, into: &summaries)
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT site_id, COUNT(*) AS n, SUM(COALESCE(power_w, 0)) AS power FROM session
                    WHERE stop_at IS NULL AND \(visible.sql) GROUP BY site_id
                    """, arguments: visible.arguments)
            {
                summaries[row["site_id"]]?.activeSessions = row["n"]
                summaries[row["site_id"]]?.powerW = row["power"]
            }
            // The grid meter's latest reading per site, if recent (the meter_sample_time index, one seek per site).
            let recent = Date().addingTimeInterval(-300).milliseconds
            let latest = try db.cachedStatement(
                sql: """
                    SELECT power_w FROM meter_sample WHERE site_id = ? AND at >= ? AND role = 'grid'
                    ORDER BY at DESC LIMIT 1
                    """)
            // The building's meter is the whole site's, shown only to those who see it whole.
            for site in order where scope.seesWhole(site: site) {
                summaries[site]?.gridPowerW = try Double.fetchOne(latest, arguments: [site, recent])
            }
            return order.compactMap { summaries[$0] }
        }
    }

    /// Each site's stations, and how many of them are offline (all of them while the site is).
    private static func countStations(_ db: Database, _ scope: Scope?, into summaries: inout [String: SiteSummary]) throws {
        let stationVisible = scope?.condition(site: "site_id", station: "id") ?? ("1", [])
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT site_id, COUNT(*) AS n, SUM(CASE WHEN connected THEN 0 ELSE 1 END) AS down FROM station
                WHERE \(stationVisible.sql) GROUP BY site_id
                """, arguments: stationVisible.arguments
        ) {
            let site: String = row["site_id"]
            guard var summary = summaries[site] else { continue }
            summary.stations = row["n"]
            summary.stationsOffline = summary.online ? row["down"] : row["n"]
            summaries[site] = summary
        }
    }

    /// Every connector by state (a covering index), then those of disconnected stations (a partial index: few) moved
    /// to inoperative, whatever state they last reported.
    private static func countConnectors(
        _ db: Database, _ visible: (sql: String, arguments: StatementArguments), into summaries: inout [String: SiteSummary]
    ) throws {
        let everyConnector = """
            SELECT site_id, status, COUNT(*) AS n FROM connector WHERE connector_id > 0 AND \(visible.sql)
            GROUP BY site_id, status
            """
        let ofDisconnectedStations = """
            SELECT site_id, status, COUNT(*) AS n FROM connector
            WHERE (site_id, station_id) IN (SELECT site_id, id FROM station WHERE NOT connected) AND connector_id > 0
                AND \(visible.sql)
            GROUP BY site_id, status
            """
        for (sql, unreachable) in [(everyConnector, false), (ofDisconnectedStations, true)] {
            for row in try Row.fetchAll(db, sql: sql, arguments: visible.arguments) {
                summaries[row["site_id"]]?.count(row["n"], status: OpenEnum(rawValue: row["status"]), unreachable: unreachable)
            }
        }
    }

    public func alerts(in scope: Scope?, limit: Int) async throws -> [AlertView] {
        try await pool.read { db in
            var alerts: [AlertView] = []
            for row in try Row.fetchAll(
                db, sql: "SELECT id, last_seen_at FROM site WHERE NOT online AND retired_at IS NULL ORDER BY id")
            {
                let site: String = row["id"]
                guard scope.sees(site: site) else { continue }
                alerts.append(
                    AlertView(
                        kind: "siteOffline", site: site, station: nil, connector: nil, code: nil, vendorErrorCode: nil,
                        since: (row["last_seen_at"] as Int64?).map(Date.init(milliseconds:))))
            }
            for row in try Row.fetchAll(
                db,
                sql:
                    """
                    SELECT site_id, id, last_boot_at FROM station WHERE approval = 'pending' AND site_id IN (SELECT id FROM site WHERE retired_at IS NULL)
                    ORDER BY last_boot_at DESC LIMIT ?
                    """,
                arguments: [limit])
            {
                let site: String = row["site_id"]
                guard scope.sees(station: row["id"], site: site) else { continue }
                alerts.append(
                    AlertView(
                        kind: "stationPending", site: site, station: row["id"], connector: nil, code: nil, vendorErrorCode: nil,
                        since: (row["last_boot_at"] as Int64?).map(Date.init(milliseconds:))))
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT st.site_id, st.id, st.connection_changed_at FROM station st JOIN site s ON s.id = st.site_id AND s.retired_at IS NULL
                    WHERE s.online AND NOT st.connected ORDER BY st.connection_changed_at DESC LIMIT ?
                    """, arguments: [limit * 4])
            {
                let site: String = row["site_id"]
                guard scope.sees(station: row["id"], site: site) else { continue }
                alerts.append(
                    AlertView(
                        kind: "stationOffline", site: site, station: row["id"], connector: nil, code: nil, vendorErrorCode: nil,
                        since: (row["connection_changed_at"] as Int64?).map(Date.init(milliseconds:))))
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT site_id, station_id, connector_id, error_code, vendor_error_code, status_at FROM connector
                    WHERE status = 'Faulted' AND site_id IN (SELECT id FROM site WHERE retired_at IS NULL) ORDER BY status_at DESC LIMIT ?
                    """, arguments: [limit * 4])
            {
                let site: String = row["site_id"]
                guard scope.sees(station: row["station_id"], site: site) else { continue }
                alerts.append(
                    AlertView(
                        kind: "faulted", site: site, station: row["station_id"], connector: row["connector_id"],
                        code: row["error_code"], vendorErrorCode: row["vendor_error_code"],
                        since: Date(milliseconds: row["status_at"])))
            }
            return Array(alerts.prefix(limit))
        }
    }

    public func sessionSamples(site: String, transactionId: Int, limit: Int) async throws -> [SessionSamplePoint] {
        try await pool.read { db in
            // The latest `limit` samples, returned oldest first.
            try Row.fetchAll(
                db,
                sql: """
                    SELECT at, energy_register_wh, power_w, soc, current_a FROM session_sample
                    WHERE site_id = ? AND transaction_id = ? ORDER BY at DESC LIMIT ?
                    """,
                arguments: [site, transactionId, limit]
            ).reversed().map { row in
                SessionSamplePoint(
                    time: Date(milliseconds: row["at"]), energyWh: row["energy_register_wh"], powerW: row["power_w"],
                    soc: row["soc"], currentA: row["current_a"])
            }
        }
    }

    public func command(id: String) async throws -> CommandView? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM command WHERE id = ?", arguments: [id]).map(Self.command(from:))
        }
    }

    public func commands(actions: [String], since: Date) async throws -> [CommandView] {
        guard !actions.isEmpty else { return [] }
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM command WHERE created_at >= ? AND action IN (\(Array(repeating: "?", count: actions.count).joined(separator: ",")))
                    ORDER BY created_at, id
                    """,
                arguments: StatementArguments([since.milliseconds] as [any DatabaseValueConvertible])
                    + StatementArguments(actions)
            ).map(Self.command(from:))
        }
    }

    static func command(from row: Row) -> CommandView {
        CommandView(
            id: row["id"], site: row["site_id"], station: row["station_id"], action: row["action"], payload: row["payload"],
            user: row["user_id"], time: Date(milliseconds: row["created_at"]),
            outcome: (row["outcome"] as String?).map(CommandOutcome.init(rawValue:)),
            response: row["response"], error: row["error"])
    }

    public func commands(_ filter: EventFilter) async throws -> [CommandView] {
        try await pool.read { db in
            guard
                let (filterSQL, conditions) = Self.whereClause(
                    scope: filter.scope, time: "created_at", from: filter.from, to: filter.to,
                    equal: [("site_id", filter.site), ("station_id", filter.station)])
            else { return [] }
            var arguments = conditions
            arguments += [filter.limit]
            return try Row.fetchAll(
                db, sql: "SELECT * FROM command \(filterSQL) ORDER BY created_at \(filter.ascending ? "" : "DESC"), id LIMIT ?",
                arguments: arguments
            ).map(Self.command(from:))
        }
    }
}

extension SiteSummary {
    /// Counts `count` connectors last reported in `status`: in use, available, reserved or inoperative (a fault also
    /// as faulted). Everything is inoperative while the site is offline; `unreachable` connectors (their station is
    /// disconnected) are moved from the state they last reported to inoperative.
    mutating func count(_ count: Int, status: OpenEnum<ConnectorStatus>, unreachable: Bool) {
        guard online else {
            if !unreachable { inoperative += count }
            return
        }
        let sign = unreachable ? -1 : 1
        let category = ConnectorCategory(status)
        switch category {
        case .inUse: inUse += sign * count
        case .available: available += sign * count
        case .reserved: reserved += sign * count
        case .inoperative: inoperative += sign * count
        }
        if status == .faulted { faulted += sign * count }
        if unreachable { inoperative += count }
    }
}

/// What the home page counts a connector as, from the state it last reported.
enum ConnectorCategory: String {
    case inUse
    case available
    case reserved
    case inoperative

    init(_ status: OpenEnum<ConnectorStatus>) {
        switch status {
        case .known(.reserved): self = .reserved
        case .known(.available): self = .available
        case .known(let known) where known.operation == .inUse: self = .inUse
        // OCPP 2.0.1's Occupied: a car is there.
        case .unknown("Occupied"): self = .inUse
        default: self = .inoperative
        }
    }
}
