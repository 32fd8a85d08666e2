public import Foundation
import GRDB

extension SQLiteRepository {
    /// A session's checked energy in SQL: NULL when missing, negative or above the maximum power over its duration.
    /// `maxPowerW` is SQL (a number or a subquery); `row` prefixes the columns (`NEW.` in a trigger).
    static func plausibleEnergy(maxPowerW: String, row r: String = "") -> String {
        let reading = "COALESCE(\(r)meter_stop_wh, \(r)energy_register_wh)"
        return """
            CASE WHEN \(r)meter_start_wh IS NULL OR \(reading) IS NULL THEN NULL
                 WHEN \(reading) < \(r)meter_start_wh THEN NULL
                 WHEN \(reading) - \(r)meter_start_wh
                      > \(maxPowerW) * MAX(COALESCE(\(r)stop_at, \(r)updated_at, \(r)start_at) - \(r)start_at, 60000) / 3600000.0
                      THEN NULL
                 ELSE \(reading) - \(r)meter_start_wh END
            """
    }

    /// The conditions of a filter's sites and stations.
    static func placeConditions(_ filter: ReportFilter) -> [(sql: String, arguments: StatementArguments)] {
        var conditions: [(sql: String, arguments: StatementArguments)] = []
        if !filter.sites.isEmpty {
            conditions.append(
                ("site_id IN (\(filter.sites.map { _ in "?" }.joined(separator: ",")))", StatementArguments(filter.sites)))
        }
        if !filter.stations.isEmpty {
            conditions.append(
                (
                    "(site_id, station_id) IN (\(filter.stations.map { _ in "(?, ?)" }.joined(separator: ",")))",
                    StatementArguments(filter.stations.flatMap { [$0.site, $0.station] })
                ))
        }
        return conditions
    }

    static func reportWhere(_ filter: ReportFilter) -> (sql: String, arguments: StatementArguments)? {
        var more = placeConditions(filter)
        if let tags = filter.idTags {
            guard !tags.isEmpty else { return nil }
            more.append(("id_tag IN (\(tags.map { _ in "?" }.joined(separator: ",")))", StatementArguments(tags)))
        }
        return whereClause(scope: filter.scope, time: "sort_at", from: filter.from, to: filter.to, equal: [], more: more)
    }

    public func reportCells(_ filter: ReportFilter, grouping: ReportGrouping, boundaries: [Date]) async throws -> [ReportCell] {
        guard boundaries.count >= 2 else { return [] }
        let range = sessionDayRange(filter, grouping: grouping, boundaries: boundaries)
        // One read, so the day sums and the sessions read beside them are of one moment: a session stopping in
        // between would be in neither.
        return try await pool.read { db in
            guard let (start, end, days, periodStarts) = range else {
                return try Self.scannedCells(db, filter, grouping: grouping, boundaries: boundaries)
            }
            // Whole days from the day sums; running sessions, and the hours before the first midnight and after the
            // last, from the sessions themselves.
            var cells = try Self.sessionDayCells(db, filter, days: days, periodStarts: periodStarts)
            var running = filter
            (running.from, running.to, running.running) = (start, end, true)
            cells += try Self.scannedCells(db, running, grouping: grouping, boundaries: boundaries)
            var before = filter
            before.to = start
            cells += try Self.scannedCells(db, before, grouping: grouping, boundaries: [filter.from, start])
            var after = filter
            after.from = end
            cells += try Self.scannedCells(
                db, after, grouping: grouping, boundaries: [end, filter.to], offset: boundaries.count - 2)
            return cells
        }
    }

    /// Sessions of `filter` summed from the sessions themselves; buckets numbered from `offset`.
    static func scannedCells(
        _ db: Database, _ filter: ReportFilter, grouping: ReportGrouping, boundaries: [Date], offset: Int = 0
    ) throws -> [ReportCell] {
        guard let (narrowed, arguments) = Self.reportWhere(filter) else { return [] }
        let whereSQL = filter.running ? narrowed + (narrowed.isEmpty ? "WHERE" : " AND") + " stop_at IS NULL" : narrowed
        let inner = boundaries.dropFirst().dropLast().enumerated().map {
            "WHEN sort_at < \($1.milliseconds) THEN \(offset + $0)"
        }
        let bucket =
            inner.isEmpty ? "\(offset)" : "CASE \(inner.joined(separator: " ")) ELSE \(offset + boundaries.count - 2) END"
        let keys =
            switch grouping {
            case .site: "site_id, NULL AS station_id, NULL AS id_tag"
            case .station: "site_id, station_id, NULL AS id_tag"
            case .token: "NULL AS site_id, NULL AS station_id, id_tag"
            }
        let groupBy =
            switch grouping {
            case .site: "site_id"
            case .station: "site_id, station_id"
            case .token: "id_tag"
            }
        let energy = Self.plausibleEnergy(maxPowerW: "\(filter.maxPowerW)")
        return try Row.fetchAll(
            db,
            sql: """
                SELECT \(keys), bucket, currency, COUNT(*) AS sessions, SUM(CASE WHEN energy IS NULL THEN 1 ELSE 0 END) AS flagged,
                    COALESCE(SUM(energy), 0) AS energy_wh, SUM(duration) AS duration_ms, SUM(COALESCE(idle_ms, 0)) AS idle_ms,
                    SUM(COALESCE(cost_excl_e4, 0)) AS excl, SUM(COALESCE(cost_incl_e4, 0)) AS incl
                FROM (SELECT site_id, station_id, id_tag, currency, cost_excl_e4, cost_incl_e4, idle_ms,
                        \(bucket) AS bucket, \(energy) AS energy,
                        MAX(COALESCE(stop_at, updated_at, start_at, sort_at) - COALESCE(start_at, sort_at), 0) AS duration
                      FROM session \(whereSQL)) AS sessions
                GROUP BY \(groupBy), bucket, currency
                """, arguments: arguments
        ).map { row in
            ReportCell(
                site: row["site_id"], station: row["station_id"], idTag: row["id_tag"], bucket: row["bucket"],
                sessions: row["sessions"], flagged: row["flagged"], energyWh: row["energy_wh"],
                durationMs: row["duration_ms"] ?? 0, idleMs: row["idle_ms"] ?? 0, currency: row["currency"],
                revenueExclE4: row["excl"] ?? 0, revenueInclE4: row["incl"] ?? 0)
        }
    }

    public func reportSessions(
        _ filter: ReportFilter, after: (sortAt: Int64, site: String, transactionId: Int)?, limit: Int
    ) async throws -> [ReportSession] {
        // The page's lower bound is where the last one ended: with the range's own `from` as well, SQLite would seek
        // to `from` and filter its way to the page for every page.
        var narrowed = filter
        if let after { narrowed.from = Date(milliseconds: after.sortAt) }
        guard var (whereSQL, arguments) = Self.reportWhere(narrowed) else { return [] }
        if let after {
            whereSQL += " AND (sort_at > ? OR (sort_at = ? AND (site_id, transaction_id) > (?, ?)))"
            arguments += [after.sortAt, after.sortAt, after.site, after.transactionId]
        }
        arguments += [limit]
        // Columns by position: reading a row by column name lowercases the name each time, most of an export's cost.
        let sql = """
            SELECT site_id, transaction_id, station_id, connector_id, id_tag, auth_status, start_at, stop_at, stop_reason,
                meter_start_wh, meter_stop_wh, energy_register_wh, updated_at, currency, cost_excl_e4, cost_incl_e4,
                tariff_id, tariff_version, idle_ms, sort_at, \(Self.plausibleEnergy(maxPowerW: "\(filter.maxPowerW)")) AS checked_wh
            FROM session \(whereSQL)
            ORDER BY sort_at, site_id, transaction_id LIMIT ?
            """
        let bound = arguments
        return try await pool.read { db in
            var found: [ReportSession] = []
            let rows = try Row.fetchCursor(db, sql: sql, arguments: bound)
            while let row = try rows.next() { found.append(Self.reportSession(row)) }
            return found
        }
    }

    private static func reportSession(_ row: Row) -> ReportSession {
        let start = row[9] as Double?
        let stop = row[10] as Double?
        let register = row[11] as Double?
        let stopAt = (row[7] as Int64?).map(Date.init(milliseconds:))
        var price: SessionPrice?
        if let currency = row[13] as String?, let excl = row[14] as Int64?, let incl = row[15] as Int64?,
            let tariff = row[16] as String?
        {
            price = SessionPrice(
                currency: currency, exclVat: amount(tenThousandths: excl), inclVat: amount(tenThousandths: incl),
                tariff: tariff, tariffVersion: row[17] ?? 0, final: true)
        }
        let session = SessionView(
            site: row[0], transactionId: row[1], station: row[2], connector: row[3], idTag: row[4], authStatus: row[5],
            startTime: (row[6] as Int64?).map(Date.init(milliseconds:)), stopTime: stopAt, stopReason: row[8],
            meterStartWh: start, meterStopWh: stop,
            energyWh: (stop ?? register).flatMap { reading in start.map { max(0, reading - $0) } }, powerW: nil,
            currentA: nil, soc: nil, updatedAt: (row[12] as Int64?).map(Date.init(milliseconds:)), active: stopAt == nil,
            price: price)
        let checked = row[20] as Double?
        var flag: String?
        if checked == nil {
            if start == nil || (stop ?? register) == nil {
                flag = "missing"
            } else if let start, let reading = stop ?? register, reading < start {
                flag = "negative"
            } else {
                flag = "implausible"
            }
        }
        return ReportSession(session: session, energyWh: checked, flag: flag, idleMs: row[18], sortAt: row[19])
    }
}

extension SQLiteRepository {
    public func availabilityEvents(
        _ filter: ReportFilter
    ) async throws -> (before: [AvailabilityEvent], during: [AvailabilityEvent]) {
        // Tokens do not narrow availability; an empty list still means nothing matched (a group with no stations).
        guard filter.idTags?.isEmpty != true else { return ([], []) }
        var scoped = filter
        scoped.idTags = nil
        guard let (inRange, rangeArguments) = Self.eventWhere(scoped, from: filter.from, to: filter.to),
            let (earlier, earlierArguments) = Self.eventWhere(scoped, from: nil, to: filter.from)
        else { return ([], []) }
        let kinds = "kind IN ('status', 'connected', 'disconnected')"
        let presenceFilter = scoped
        return try await pool.read { db in
            // The latest row of each connector (or station, for connections) before the range: SQLite returns the
            // other columns of the row holding the MAX.
            let before = try Row.fetchAll(
                db,
                sql: """
                    SELECT site_id, station_id, connector_id, kind, detail, MAX(at) AS at FROM event
                    \(earlier) AND \(kinds) GROUP BY site_id, station_id, connector_id, kind = 'status'
                    """, arguments: earlierArguments
            ).compactMap(Self.availabilityEvent)
            let during = try Row.fetchAll(
                db,
                sql:
                    "SELECT site_id, station_id, connector_id, kind, detail, at FROM event \(inRange) AND \(kinds) ORDER BY at, seq",
                arguments: rangeArguments
            ).compactMap(Self.availabilityEvent)
            let (presenceBefore, presenceDuring) = try Self.presenceEvents(db, presenceFilter)
            return (before + presenceBefore, during + presenceDuring)
        }
    }

    /// The presence of the sites whose stations `filter` concerns: the last before its range, then each change in it.
    static func presenceEvents(
        _ db: Database, _ filter: ReportFilter
    ) throws -> (before: [AvailabilityEvent], during: [AvailabilityEvent]) {
        var sites = Set(filter.sites).union(filter.stations.map(\.site))
        if let scope = filter.scope { sites = sites.isEmpty ? scope.visibleSites : sites.intersection(scope.visibleSites) }
        let everywhere = sites.isEmpty && filter.scope == nil
        guard everywhere || !sites.isEmpty else { return ([], []) }
        let place = everywhere ? "" : " AND site_id IN (\(Scope.placeholders(sites.count)))"
        let placeArguments = everywhere ? StatementArguments() : StatementArguments(sites.sorted())
        func event(_ row: Row) -> AvailabilityEvent {
            AvailabilityEvent(time: Date(milliseconds: row[2]), site: row[0], station: "", connector: nil, state: row[1])
        }
        let kinds = "kind IN ('site_online', 'site_offline')"
        // SQLite returns the other columns of the row holding the MAX.
        let before = try Row.fetchAll(
            db,
            sql: "SELECT site_id, kind, MAX(at) FROM event WHERE \(kinds) AND at < ?\(place) GROUP BY site_id",
            arguments: [filter.from.milliseconds] + placeArguments
        ).map(event)
        let during = try Row.fetchAll(
            db,
            sql: "SELECT site_id, kind, at FROM event WHERE \(kinds) AND at >= ? AND at < ?\(place) ORDER BY at, seq",
            arguments: [filter.from.milliseconds, filter.to.milliseconds] + placeArguments
        ).map(event)
        return (before, during)
    }

    static func eventWhere(_ filter: ReportFilter, from: Date?, to: Date) -> (sql: String, arguments: StatementArguments)? {
        let more = [("station_id IS NOT NULL", StatementArguments())] + placeConditions(filter)
        guard let (sql, arguments) = whereClause(scope: filter.scope, time: "at", from: from, to: to, equal: [], more: more)
        else { return nil }
        return (sql.isEmpty ? "WHERE 1 = 1" : sql, arguments)
    }

    static func availabilityEvent(_ row: Row) -> AvailabilityEvent? {
        let kind: String = row["kind"]
        var state = kind
        if kind == "status" {
            guard let detail = (row["detail"] as String?)?.data(using: .utf8),
                let fields = try? JSONSerialization.jsonObject(with: detail) as? [String: Any],
                let status = fields["status"] as? String
            else { return nil }
            state = status
        }
        return AvailabilityEvent(
            time: Date(milliseconds: row["at"]), site: row["site_id"], station: row["station_id"],
            connector: kind == "status" ? row["connector_id"] : nil, state: state)
    }
}
