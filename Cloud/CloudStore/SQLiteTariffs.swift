public import Foundation
import GRDB
import Pricing
import SiteModel

extension SQLiteRepository {
    public func saveTariff(_ record: TariffRecord) async throws -> TariffRecord {
        try await pool.write { db in
            let current = try Int.fetchOne(db, sql: "SELECT version FROM tariff WHERE id = ?", arguments: [record.id]) ?? 0
            var kept = record
            kept.version = current + 1
            try db.execute(
                sql: """
                    INSERT INTO tariff (id, version, deleted_at) VALUES (?, ?, NULL)
                    ON CONFLICT (id) DO UPDATE SET version = excluded.version, deleted_at = NULL
                    """, arguments: [kept.id, kept.version])
            try db.execute(
                sql: """
                    INSERT INTO tariff_version (tariff_id, version, name, currency, body, valid_from, created_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    kept.id, kept.version, kept.name, kept.currency, kept.body, kept.validFrom.milliseconds, kept.createdBy,
                ])
            return kept
        }
    }

    public func tariffs() async throws -> [TariffRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT v.* FROM tariff t JOIN tariff_version v ON v.tariff_id = t.id AND v.version = t.version
                    WHERE t.deleted_at IS NULL ORDER BY v.name, v.tariff_id
                    """
            ).map(Self.tariff(from:))
        }
    }

    public func tariff(id: String, version: Int?) async throws -> TariffRecord? {
        try await pool.read { db in
            let row =
                if let version {
                    try Row.fetchOne(
                        db, sql: "SELECT * FROM tariff_version WHERE tariff_id = ? AND version = ?", arguments: [id, version])
                } else {
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT v.* FROM tariff t JOIN tariff_version v ON v.tariff_id = t.id AND v.version = t.version
                            WHERE t.id = ? AND t.deleted_at IS NULL
                            """, arguments: [id])
                }
            return row.map(Self.tariff(from:))
        }
    }

    public func tariff(id: String, at time: Date) async throws -> TariffRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM tariff_version WHERE tariff_id = ? AND valid_from <= ?
                    ORDER BY valid_from DESC, version DESC LIMIT 1
                    """, arguments: [id, time.milliseconds]
            ).map(Self.tariff(from:))
        }
    }

    public func deleteTariff(id: String, at time: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE tariff SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", arguments: [time.milliseconds, id])
            guard db.changesCount > 0 else { return false }
            try db.execute(
                sql: "UPDATE tariff_assignment SET valid_to = ? WHERE tariff_id = ? AND valid_to IS NULL",
                arguments: [time.milliseconds, id])
            return true
        }
    }

    public func addTariffAssignment(_ assignment: TariffAssignment) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO tariff_assignment
                        (id, tariff_id, site_id, group_id, station_id, token_group, valid_from, valid_to)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    assignment.id, assignment.tariff, assignment.site, assignment.group, assignment.station,
                    assignment.tokenGroup, assignment.validFrom.milliseconds, assignment.validTo?.milliseconds,
                ])
        }
    }

    public func endTariffAssignment(id: String, at time: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE tariff_assignment SET valid_to = ? WHERE id = ? AND (valid_to IS NULL OR valid_to > ?)",
                arguments: [time.milliseconds, id, time.milliseconds])
            return db.changesCount > 0
        }
    }

    public func tariffAssignments() async throws -> [TariffAssignment] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tariff_assignment ORDER BY valid_from, id").map { row in
                TariffAssignment(
                    id: row["id"], tariff: row["tariff_id"], site: row["site_id"], group: row["group_id"],
                    station: row["station_id"], tokenGroup: row["token_group"],
                    validFrom: Date(milliseconds: row["valid_from"]),
                    validTo: (row["valid_to"] as Int64?).map(Date.init(milliseconds:)))
            }
        }
    }

    public func unpricedSessions(limit: Int) async throws -> [SessionView] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM session WHERE stop_at IS NOT NULL AND priced_at IS NULL
                    ORDER BY stop_at, site_id, transaction_id LIMIT ?
                    """, arguments: [limit]
            ).map(Self.session(from:))
        }
    }

    public func setSessionPrice(
        site: String, transactionId: Int, price: SessionPrice?, idle: Duration?, at time: Date
    ) async throws {
        // A cost beyond what 10⁻⁴ units in 64 bits hold (about 9 × 10¹⁴) is kept as unpriced rather than trapping.
        let price = price.flatMap { Self.tenThousandths($0.exclVat) != nil && Self.tenThousandths($0.inclVat) != nil ? $0 : nil }
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE session SET currency = ?, cost_excl_e4 = ?, cost_incl_e4 = ?, tariff_id = ?, tariff_version = ?,
                        priced_at = ?, idle_ms = ?
                    WHERE site_id = ? AND transaction_id = ? AND priced_at IS NULL
                    """,
                arguments: [
                    price?.currency, price.flatMap { Self.tenThousandths($0.exclVat) },
                    price.flatMap { Self.tenThousandths($0.inclVat) }, price?.tariff, price?.tariffVersion, time.milliseconds,
                    idle.map { $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 }, site,
                    transactionId,
                ])
            // Priced once: its line in the history goes with it (what people read, and what rules hear of).
            if db.changesCount == 1 { try Self.recordSessionEnded(site: site, transactionId: transactionId, at: time, db) }
        }
    }

    /// A finished, priced session as a line of its site's history (`session_ended`): its energy, its cost, and when
    /// the meter readings are implausible (more than the fleet's maximum power could give, or running backwards) a
    /// warning naming them, which rules on suspicious sessions hear of.
    static func recordSessionEnded(site: String, transactionId: Int, at time: Date, _ db: Database) throws {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT station_id, connector_id, id_tag, stop_at, stop_reason, currency, cost_incl_e4, meter_start_wh,
                        COALESCE(meter_stop_wh, energy_register_wh) AS reading, \(plausibleEnergy(maxPowerW: SessionDayClock.maxPowerSQL)) AS energy
                    FROM session WHERE site_id = ? AND transaction_id = ?
                    """, arguments: [site, transactionId])
        else { return }
        var fields = ["transactionId": "\(transactionId)"]
        fields["idTag"] = row["id_tag"]
        fields["stopReason"] = row["stop_reason"]
        let start = row["meter_start_wh"] as Double?
        let reading = row["reading"] as Double?
        let energy = row["energy"] as Double?
        if let energy { fields["energyKWh"] = String(format: "%.3f", energy / 1000) }
        let suspicious = energy == nil && start != nil && reading != nil
        if suspicious, let start, let reading {
            fields["flagged"] = String(
                format: "implausible energy: meter %.0f Wh at the start, %.0f Wh at the end", start, reading)
        }
        if let currency = row["currency"] as String?, let incl = row["cost_incl_e4"] as Int64? {
            fields["cost"] = money(amount(tenThousandths: incl))
            fields["currency"] = currency
        }
        let stop = (row["stop_at"] as Int64?).map(Date.init(milliseconds:)) ?? time
        let entry = HistoryEntry(
            at: stop, station: row["station_id"], connector: row["connector_id"], kind: "session_ended",
            severity: suspicious ? .warning : .info, fields: fields)
        try Ingest.keep(entry, site: site, seq: try cloudSeq(site: site, band: 52, stop, db), db)
    }

    /// An amount as people write money: at least two decimals (`12.30`, `0.5` → `0.50`, `3` → `3.00`).
    static func money(_ amount: ExactDecimal) -> String {
        let text = amount.description
        guard let dot = text.firstIndex(of: ".") else { return text + ".00" }
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        return decimals >= 2 ? text : text + String(repeating: "0", count: 2 - decimals)
    }

    /// Money as kept: an integer count of 10⁻⁴ (a cost is rounded to its currency's digits, at most four, first).
    static func tenThousandths(_ amount: ExactDecimal) -> Int64? {
        Int64(exactly: amount.rounded(toFractionDigits: 4, .halfEven).units / 100_000_000)
    }

    static func amount(tenThousandths value: Int64) -> ExactDecimal { ExactDecimal(units: Int128(value) * 100_000_000) }

    static func tariff(from row: Row) -> TariffRecord {
        TariffRecord(
            id: row["tariff_id"], version: row["version"], name: row["name"], currency: row["currency"], body: row["body"],
            validFrom: Date(milliseconds: row["valid_from"]), createdBy: row["created_by"])
    }
}
