public import Foundation
import GRDB

/// Finished sessions summed per site, day and currency on the fleet's report clock, kept by triggers as sessions are
/// written, so that a report of whole days, weeks or months by site reads one row per site and day instead of every
/// session (a year of a 500-site fleet: 180,000 rows instead of 1,000,000).
///
/// The clock (an IANA zone) and the plausibility limit are the fleet's report settings; the store keeps the zone's
/// offsets from UTC as a table the triggers read, and rebuilds the sums when either setting changes. Running sessions
/// are not in the sums: a report adds them from the sessions themselves (few, and found by `session_active`).
struct SessionDayClock: Sendable, Equatable {
    var timeZone: String
    var maxPowerW: Double
    /// `(from, offset)` in milliseconds, ascending: from `from` on the wall clock is `offset` ahead of UTC.
    var offsets: [(from: Int64, offset: Int64)]

    static let day: Int64 = 86_400_000
    /// Before every instant a store holds (year 1).
    static let beginning: Int64 = -62_135_596_800_000

    static func == (a: SessionDayClock, b: SessionDayClock) -> Bool {
        a.timeZone == b.timeZone && a.maxPowerW == b.maxPowerW && a.offsets.elementsEqual(b.offsets, by: ==)
    }

    /// The zone's offsets from the beginning to 2100, at each of its transitions.
    init(timeZone zone: TimeZone, maxPowerW: Double) {
        timeZone = zone.identifier
        self.maxPowerW = maxPowerW
        var offsets: [(from: Int64, offset: Int64)] = [
            (Self.beginning, Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: 0))) * 1000)
        ]
        var instant = Date(timeIntervalSince1970: 0)
        let end = Date(timeIntervalSince1970: 4_102_444_800)
        while let next = zone.nextDaylightSavingTimeTransition(after: instant), next < end, next > instant {
            offsets.append((Int64(next.timeIntervalSince1970 * 1000), Int64(zone.secondsFromGMT(for: next)) * 1000))
            instant = next
        }
        self.offsets = offsets
    }

    init(timeZone: String, maxPowerW: Double, offsets: [(from: Int64, offset: Int64)]) {
        self.timeZone = timeZone
        self.maxPowerW = maxPowerW
        self.offsets = offsets
    }

    /// The wall clock's offset at `ms` (the same lookup the triggers make in SQL).
    func offset(at ms: Int64) -> Int64 {
        var low = 0
        var high = offsets.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if offsets[middle].from <= ms { low = middle } else { high = middle - 1 }
        }
        return offsets[low].offset
    }

    /// The local day `ms` falls in, and whether it is that day's first instant.
    func day(at ms: Int64) -> (day: Int64, midnight: Bool) {
        let local = ms + offset(at: ms)
        let (day, rest) = local.quotientAndRemainder(dividingBy: Self.day)
        return rest < 0 ? (day - 1, false) : (day, rest == 0)
    }

    /// The first instant of local day `day`, found with the same offsets (nil if the clock skips that midnight).
    func midnight(_ day: Int64) -> Date? {
        var instant = day * Self.day - offset(at: day * Self.day)
        instant = day * Self.day - offset(at: instant)
        let found = self.day(at: instant)
        return found.day == day && found.midnight ? Date(timeIntervalSince1970: Double(instant) / 1000) : nil
    }

    // MARK: SQL

    /// The local day of a session row (`row` is `NEW.`, `OLD.` or empty).
    static func daySQL(_ row: String) -> String {
        """
        ((\(row)sort_at + COALESCE((SELECT offset_ms FROM session_day_offset WHERE from_ms <= \(row)sort_at
            ORDER BY from_ms DESC LIMIT 1), 0)) / \(day))
        """
    }

    static let maxPowerSQL = "(SELECT max_power_w FROM session_day_setting)"

    /// The values a session row adds to its day: sessions, flagged, energy (mWh), duration, idle time, revenue.
    static func contributionSQL(_ row: String) -> [String] {
        let energy = SQLiteRepository.plausibleEnergy(maxPowerW: maxPowerSQL, row: row)
        return [
            "1", "CASE WHEN (\(energy)) IS NULL THEN 1 ELSE 0 END", "COALESCE(CAST(ROUND((\(energy)) * 1000) AS INTEGER), 0)",
            """
            MAX(COALESCE(\(row)stop_at, \(row)updated_at, \(row)start_at, \(row)sort_at)
                - COALESCE(\(row)start_at, \(row)sort_at), 0)
            """,
            "COALESCE(\(row)idle_ms, 0)", "COALESCE(\(row)cost_excl_e4, 0)", "COALESCE(\(row)cost_incl_e4, 0)",
        ]
    }

    static let sumColumns = ["sessions", "flagged", "energy_mwh", "duration_ms", "idle_ms", "excl_e4", "incl_e4"]

    /// Every finished session summed afresh (a new clock or limit).
    static let refillSQL = """
        INSERT INTO session_day (site_id, day, currency, \(sumColumns.joined(separator: ", ")))
        SELECT site_id, \(daySQL("")), COALESCE(currency, ''), \(contributionSQL("").map { "SUM(\($0))" }.joined(separator: ", "))
        FROM session WHERE stop_at IS NOT NULL GROUP BY 1, 2, 3
        """

    /// The tables and the triggers that keep `session_day` equal to the sums of finished sessions.
    static let schemaSQL: String = {
        let add = sumColumns.map { "\($0) = \($0) + excluded.\($0)" }
        let subtract = zip(sumColumns, contributionSQL("OLD.")).map { "\($0) = \($0) - (\($1))" }
        let addNew = """
            INSERT INTO session_day (site_id, day, currency, \(sumColumns.joined(separator: ", ")))
                SELECT NEW.site_id, \(daySQL("NEW.")), COALESCE(NEW.currency, ''), \(contributionSQL("NEW.").joined(separator: ", "))
                WHERE NEW.stop_at IS NOT NULL
                ON CONFLICT (day, site_id, currency) DO UPDATE SET \(add.joined(separator: ", "));
            """
        let subtractOld = """
            UPDATE session_day SET \(subtract.joined(separator: ", "))
                WHERE OLD.stop_at IS NOT NULL AND day = \(daySQL("OLD.")) AND site_id = OLD.site_id
                    AND currency = COALESCE(OLD.currency, '');
            """
        return """
            CREATE TABLE session_day_setting (
                id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1), time_zone TEXT NOT NULL, max_power_w DOUBLE PRECISION NOT NULL
            );
            INSERT INTO session_day_setting VALUES (1, 'GMT', 350000);
            CREATE TABLE session_day_offset (from_ms BIGINT PRIMARY KEY NOT NULL, offset_ms BIGINT NOT NULL);
            INSERT INTO session_day_offset VALUES (\(beginning), 0);
            CREATE TABLE session_day (
                site_id TEXT NOT NULL, day BIGINT NOT NULL, currency TEXT NOT NULL,
                sessions BIGINT NOT NULL, flagged BIGINT NOT NULL, energy_mwh BIGINT NOT NULL, duration_ms BIGINT NOT NULL,
                idle_ms BIGINT NOT NULL, excl_e4 BIGINT NOT NULL, incl_e4 BIGINT NOT NULL,
                PRIMARY KEY (day, site_id, currency)
            ) WITHOUT ROWID;
            CREATE TRIGGER session_day_insert AFTER INSERT ON session WHEN NEW.stop_at IS NOT NULL BEGIN
                \(addNew)
            END;
            CREATE TRIGGER session_day_update AFTER UPDATE ON session
                WHEN OLD.stop_at IS NOT NULL OR NEW.stop_at IS NOT NULL BEGIN
                \(subtractOld)
                \(addNew)
            END;
            CREATE TRIGGER session_day_delete AFTER DELETE ON session WHEN OLD.stop_at IS NOT NULL BEGIN
                \(subtractOld)
            END;
            \(refillSQL);
            """
    }()
}

extension SQLiteRepository {
    /// Puts the day sums on `clock` (rebuilding them when the zone or the limit changed) and returns what is in force.
    static func setSessionDays(_ clock: SessionDayClock, in pool: DatabasePool) throws -> SessionDayClock {
        try pool.write { db in
            let stored = try storedSessionDays(db)
            guard stored != clock else { return stored }
            try db.execute(sql: "DELETE FROM session_day_offset")
            for (from, offset) in clock.offsets {
                try db.execute(
                    sql: "INSERT INTO session_day_offset (from_ms, offset_ms) VALUES (?, ?)", arguments: [from, offset])
            }
            try db.execute(
                sql: "UPDATE session_day_setting SET time_zone = ?, max_power_w = ?",
                arguments: [clock.timeZone, clock.maxPowerW])
            try db.execute(sql: "DELETE FROM session_day")
            try db.execute(sql: SessionDayClock.refillSQL)
            return clock
        }
    }

    static func storedSessionDays(_ db: Database) throws -> SessionDayClock {
        let setting = try Row.fetchOne(db, sql: "SELECT time_zone, max_power_w FROM session_day_setting")
        let offsets = try Row.fetchAll(db, sql: "SELECT from_ms, offset_ms FROM session_day_offset ORDER BY from_ms").map {
            (from: $0[0] as Int64, offset: $0[1] as Int64)
        }
        return SessionDayClock(timeZone: setting?[0] ?? "GMT", maxPowerW: setting?[1] ?? 350_000, offsets: offsets)
    }

    /// The whole days between `boundaries`' first and last the day sums can answer, when every period starts at a
    /// midnight on their clock: the days `days` (from the first's midnight `start` to the last's `end`) and the days
    /// where the inner periods start.
    func sessionDayRange(
        _ filter: ReportFilter, grouping: ReportGrouping, boundaries: [Date]
    ) -> (start: Date, end: Date, days: Range<Int64>, periodStarts: [Int64])? {
        guard grouping == .site, filter.stations.isEmpty, filter.idTags == nil, filter.scope?.stations.isEmpty ?? true,
            filter.maxPowerW == sessionDays.maxPowerW, let from = boundaries.first, let to = boundaries.last
        else { return nil }
        var periodStarts: [Int64] = []
        for boundary in boundaries.dropFirst().dropLast() {
            let (day, midnight) = sessionDays.day(at: boundary.milliseconds)
            guard midnight else { return nil }
            periodStarts.append(day)
        }
        let (fromDay, fromMidnight) = sessionDays.day(at: from.milliseconds)
        let first = fromMidnight ? fromDay : fromDay + 1
        let last = sessionDays.day(at: to.milliseconds).day
        guard first < last, let start = sessionDays.midnight(first), let end = sessionDays.midnight(last) else { return nil }
        return (start, end, first..<last, periodStarts)
    }

    /// The day sums of `days` by site, the day `periodStarts[k]` starting period `k + 1`.
    static func sessionDayCells(
        _ db: Database, _ filter: ReportFilter, days: Range<Int64>, periodStarts: [Int64]
    ) throws -> [ReportCell] {
        var more = Self.placeConditions(filter)
        more.append(("day >= ? AND day < ?", [days.lowerBound, days.upperBound]))
        guard
            let (whereSQL, arguments) = Self.whereClause(scope: filter.scope, time: "", from: nil, to: nil, equal: [], more: more)
        else { return [] }
        let inner = periodStarts.enumerated().map { "WHEN day < \($1) THEN \($0)" }
        let bucket = inner.isEmpty ? "0" : "CASE \(inner.joined(separator: " ")) ELSE \(periodStarts.count) END"
        return try Row.fetchAll(
            db,
            sql: """
                SELECT site_id, \(bucket) AS bucket, currency, SUM(sessions), SUM(flagged), SUM(energy_mwh),
                    SUM(duration_ms), SUM(idle_ms), SUM(excl_e4), SUM(incl_e4)
                FROM session_day \(whereSQL) GROUP BY site_id, bucket, currency HAVING SUM(sessions) > 0
                """, arguments: arguments
        ).map { row in
            let currency = row[2] as String
            return ReportCell(
                site: row[0], station: nil, idTag: nil, bucket: row[1], sessions: row[3], flagged: row[4],
                energyWh: Double(row[5] as Int64) / 1000, durationMs: row[6], idleMs: row[7],
                currency: currency.isEmpty ? nil : currency, revenueExclE4: row[8], revenueInclE4: row[9])
        }
    }
}
