public import Foundation
import GRDB
import SyncContract

extension SQLiteRepository {
    public func stations(site: String?, in scope: Scope?) async throws -> [StationView] {
        try await pool.read { db in
            let stationRows =
                if let site {
                    try Row.fetchAll(
                        db,
                        sql:
                            "SELECT * FROM station WHERE site_id = ? AND site_id IN (SELECT id FROM site WHERE retired_at IS NULL) ORDER BY id",
                        arguments: [site])
                } else {
                    try Row.fetchAll(
                        db,
                        sql:
                            "SELECT * FROM station WHERE site_id IN (SELECT id FROM site WHERE retired_at IS NULL) ORDER BY id, site_id"
                    )
                }
            let connectorRows =
                if let site {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM connector WHERE site_id = ? ORDER BY station_id, connector_id", arguments: [site])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM connector ORDER BY site_id, station_id, connector_id")
                }
            let connectors = Dictionary(grouping: connectorRows) { StationKey(site: $0["site_id"], station: $0["station_id"]) }
            return stationRows.filter { scope.sees(station: $0["id"], site: $0["site_id"]) }.map { row in
                let key = StationKey(site: row["site_id"], station: row["id"])
                return Self.station(from: row, connectors: (connectors[key] ?? []).map(Self.connector(from:)))
            }
        }
    }

    public func station(site: String, id: String) async throws -> StationView? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM station WHERE site_id = ? AND id = ?", arguments: [site, id])
            else { return nil }
            let connectors = try Row.fetchAll(
                db, sql: "SELECT * FROM connector WHERE site_id = ? AND station_id = ? ORDER BY connector_id",
                arguments: [site, id]
            ).map(Self.connector(from:))
            return Self.station(from: row, connectors: connectors)
        }
    }

    public func stations(id: String, in scope: Scope?) async throws -> [StationView] {
        let sites = try await pool.read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT site_id FROM station WHERE id = ? AND site_id IN (SELECT id FROM site WHERE retired_at IS NULL) ORDER BY site_id",
                arguments: [id])
        }
        var found: [StationView] = []
        for site in sites where scope.sees(station: id, site: site) {
            if let station = try await station(site: site, id: id) { found.append(station) }
        }
        return found
    }

    public func sessions(_ filter: SessionFilter) async throws -> Page<SessionView> {
        try await pool.read { db in
            var more: [(sql: String, arguments: StatementArguments)] = []
            if let active = filter.active { more.append((active ? "stop_at IS NULL" : "stop_at IS NOT NULL", [])) }
            if let after = filter.after {
                more.append(("(sort_at, site_id, transaction_id) < (?, ?, ?)", [after.sortAt, after.site, after.transactionId]))
            }
            guard
                var (filterSQL, arguments) = Self.whereClause(
                    scope: filter.scope, time: "sort_at", from: filter.from, to: filter.to,
                    equal: [("site_id", filter.site), ("station_id", filter.station), ("id_tag", filter.idTag)], more: more)
            else { return Page(items: [], next: nil) }
            arguments += [filter.limit + 1]
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM session \(filterSQL) ORDER BY sort_at DESC, site_id DESC, transaction_id DESC LIMIT ?",
                arguments: arguments)
            let items = rows.prefix(filter.limit).map(Self.session(from:))
            var next: String?
            if rows.count > filter.limit, let last = rows.prefix(filter.limit).last {
                next = SessionCursor(sortAt: last["sort_at"], site: last["site_id"], transactionId: last["transaction_id"]).token
            }
            return Page(items: Array(items), next: next)
        }
    }

    public func session(site: String, transactionId: Int) async throws -> SessionView? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM session WHERE site_id = ? AND transaction_id = ?", arguments: [site, transactionId]
            ).map(Self.session(from:))
        }
    }

    public func meterSeries(site: String, from: Date?, to: Date?, limit: Int) async throws -> [MeterPoint] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (SELECT * FROM meter_sample WHERE site_id = ? AND at >= ? AND at < ? ORDER BY at DESC LIMIT ?)
                    ORDER BY at, meter
                    """,
                arguments: [site, from?.milliseconds ?? 0, to?.milliseconds ?? Int64.max, limit]
            ).map { row in
                MeterPoint(
                    time: Date(milliseconds: row["at"]), meter: row["meter"], role: row["role"],
                    currentA: [row["l1_a"], row["l2_a"], row["l3_a"]], powerW: row["power_w"],
                    energyImportWh: row["energy_import_wh"])
            }
        }
    }

    public func events(_ filter: EventFilter) async throws -> [EventView] {
        var more: [(sql: String, arguments: StatementArguments)] = []
        if let vendorCode = filter.vendorCode {
            more.append(("json_extract(detail, '$.vendorErrorCode') = ?", [vendorCode]))
        }
        if let after = filter.after {
            // The order's own key: (at, site, seq) past the cursor, with SQLite's row values.
            more.append(
                ("(at, site_id, seq) \(filter.ascending ? ">" : "<") (?, ?, ?)", [after.at.milliseconds, after.site, after.seq]))
        }
        let conditions = more
        return try await pool.read { db in
            guard
                let (filterSQL, conditions) = Self.whereClause(
                    scope: filter.scope, time: "at", from: filter.from, to: filter.to,
                    equal: [
                        ("site_id", filter.site), ("station_id", filter.station), ("kind", filter.kind),
                        ("severity", filter.severity), ("code", filter.code),
                    ], more: conditions)
            else { return [] }
            var arguments = conditions
            arguments += [filter.limit]
            return try Row.fetchAll(
                db,
                sql:
                    "SELECT * FROM event \(filterSQL) ORDER BY \(filter.ascending ? "at, site_id, seq" : "at DESC, site_id DESC, seq DESC") LIMIT ?",
                arguments: arguments
            ).map { row in
                EventView(
                    site: row["site_id"], seq: row["seq"], time: Date(milliseconds: row["at"]), station: row["station_id"],
                    connector: row["connector_id"], kind: row["kind"], severity: row["severity"], code: row["code"],
                    detail: row["detail"])
            }
        }
    }

    /// The `WHERE` of a list query: the caller's scope, equal columns (nil values left out), a time range on `time`,
    /// and `more` conditions; nil when the caller may see nothing at all.
    static func whereClause(
        scope: Scope?, time: String, from: Date?, to: Date?, equal: [(column: String, value: String?)],
        more: [(sql: String, arguments: StatementArguments)] = []
    ) -> (sql: String, arguments: StatementArguments)? {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let scope {
            guard let visible = scope.condition(site: "site_id", station: "station_id") else { return nil }
            conditions.append(visible.sql)
            arguments += visible.arguments
        }
        for (column, value) in equal {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            arguments += [value]
        }
        if let from {
            conditions.append("\(time) >= ?")
            arguments += [from.milliseconds]
        }
        if let to {
            conditions.append("\(time) < ?")
            arguments += [to.milliseconds]
        }
        for condition in more {
            conditions.append(condition.sql)
            arguments += condition.arguments
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    // MARK: Rows

    static func station(from row: Row, connectors: [ConnectorView]) -> StationView {
        StationView(
            id: row["id"], site: row["site_id"], vendor: row["vendor"], model: row["model"], serialNumber: row["serial_number"],
            firmwareVersion: row["firmware_version"], approval: row["approval"], connected: row["connected"],
            connectionChangedAt: (row["connection_changed_at"] as Int64?).map(Date.init(milliseconds:)),
            lastBootAt: (row["last_boot_at"] as Int64?).map(Date.init(milliseconds:)), connectors: connectors,
            registration: (row["registration"] as String?).flatMap {
                try? SyncJSON.decoder().decode(StationRegistrationView.self, from: Data($0.utf8))
            },
            connectorTypes: (row["connector_types"] as String?).flatMap {
                try? SyncJSON.decoder().decode([ConnectorType].self, from: Data($0.utf8))
            },
            connectorTypesUpdatedAt: (row["connector_types_updated_at"] as Int64?).map(Date.init(milliseconds:)))
    }

    static func connector(from row: Row) -> ConnectorView {
        ConnectorView(
            station: row["station_id"], connector: row["connector_id"], status: row["status"], errorCode: row["error_code"],
            info: row["info"], vendorId: row["vendor_id"], vendorErrorCode: row["vendor_error_code"],
            since: Date(milliseconds: row["status_at"]))
    }

    static func session(from row: Row) -> SessionView {
        let start = row["meter_start_wh"] as Double?
        let stop = row["meter_stop_wh"] as Double?
        let register = row["energy_register_wh"] as Double?
        let stopAt = (row["stop_at"] as Int64?).map(Date.init(milliseconds:))
        // Energy is what the meter counted since the start: the stop reading once stopped, else the latest.
        let energy: Double? = (stop ?? register).flatMap { reading in start.map { max(0, reading - $0) } }
        return SessionView(
            site: row["site_id"], transactionId: row["transaction_id"], station: row["station_id"],
            connector: row["connector_id"],
            idTag: row["id_tag"], authStatus: row["auth_status"],
            startTime: (row["start_at"] as Int64?).map(Date.init(milliseconds:)), stopTime: stopAt,
            stopReason: row["stop_reason"], meterStartWh: start, meterStopWh: stop, energyWh: energy,
            powerW: stopAt == nil ? row["power_w"] : nil, currentA: stopAt == nil ? row["current_a"] : nil, soc: row["soc"],
            updatedAt: (row["updated_at"] as Int64?).map(Date.init(milliseconds:)), active: stopAt == nil,
            price: Self.price(from: row))
    }

    static func price(from row: Row) -> SessionPrice? {
        guard let currency = row["currency"] as String?, let excl = row["cost_excl_e4"] as Int64?,
            let incl = row["cost_incl_e4"] as Int64?, let tariff = row["tariff_id"] as String?
        else { return nil }
        return SessionPrice(
            currency: currency, exclVat: amount(tenThousandths: excl), inclVat: amount(tenThousandths: incl), tariff: tariff,
            tariffVersion: row["tariff_version"] ?? 0, final: true)
    }
}
