public import Foundation
import GRDB
import SyncContract

extension SQLiteRepository {
    static let loadSchema = """
        CREATE TABLE load_sample (
            site_id TEXT NOT NULL, seq BIGINT NOT NULL, at BIGINT NOT NULL, mode TEXT NOT NULL, failsafe BOOLEAN NOT NULL,
            grid_limit_a DOUBLE PRECISION, grid_l1_a DOUBLE PRECISION, grid_l2_a DOUBLE PRECISION,
            grid_l3_a DOUBLE PRECISION, building_l1_a DOUBLE PRECISION, building_l2_a DOUBLE PRECISION,
            building_l3_a DOUBLE PRECISION, allocated_a DOUBLE PRECISION NOT NULL, charging INTEGER NOT NULL,
            waiting INTEGER NOT NULL
        );
        CREATE INDEX load_sample_time ON load_sample(site_id, at);
        CREATE INDEX load_sample_prune ON load_sample(at);
        CREATE TABLE load_share (
            site_id TEXT NOT NULL, station_id TEXT NOT NULL, connector_id INTEGER NOT NULL, at BIGINT NOT NULL,
            allocated_a DOUBLE PRECISION NOT NULL, limit_a DOUBLE PRECISION, reason TEXT NOT NULL,
            drawing_a DOUBLE PRECISION,
            PRIMARY KEY (site_id, station_id, connector_id)
        );
        """

    /// A load summary: one sample of the series, and, when it is the newest, each connector's share now (the shares of
    /// connectors it no longer names go).
    static func keepLoad(_ summary: LoadSummary, site: String, _ seq: Int64, _ db: Database) throws {
        func phase(_ values: [Double?]?, _ index: Int) -> Double? {
            guard let values, index < values.count else { return nil }
            return values[index]
        }
        let building = summary.buildingLoadA.map { $0.map(Optional.some) }
        try db.cachedStatement(
            sql: """
                INSERT INTO load_sample (site_id, seq, at, mode, failsafe, grid_limit_a, grid_l1_a, grid_l2_a, grid_l3_a,
                    building_l1_a, building_l2_a, building_l3_a, allocated_a, charging, waiting)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            site, seq, summary.time.milliseconds, String(summary.mode.prefix(20)), summary.failsafe, summary.gridLimitA,
            phase(summary.gridCurrentA, 0), phase(summary.gridCurrentA, 1), phase(summary.gridCurrentA, 2),
            phase(building, 0), phase(building, 1), phase(building, 2), summary.allocatedA, summary.charging,
            summary.waiting,
        ])
        guard let shares = summary.connectors else { return }
        let newest =
            try Int64.fetchOne(
                db, sql: "SELECT MAX(at) FROM load_share WHERE site_id = ?", arguments: [site]) ?? Int64.min
        guard summary.time.milliseconds >= newest else { return }
        try db.execute(sql: "DELETE FROM load_share WHERE site_id = ?", arguments: [site])
        for share in shares.prefix(1000) {
            try db.cachedStatement(
                sql: """
                    INSERT INTO load_share (site_id, station_id, connector_id, at, allocated_a, limit_a, reason, drawing_a)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """
            ).execute(arguments: [
                site, share.station, share.connector, summary.time.milliseconds, share.allocatedA, share.limitA,
                String(share.reason.prefix(40)), share.drawingA,
            ])
        }
    }

    public func loadSeries(site: String, from: Date, to: Date, limit: Int) async throws -> LoadSeries {
        try await pool.read { db in
            let samples = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (SELECT * FROM load_sample WHERE site_id = ? AND at >= ? AND at < ? ORDER BY at DESC LIMIT ?)
                    ORDER BY at, seq
                    """,
                arguments: [site, from.milliseconds, to.milliseconds, limit]
            ).map { row in
                LoadPoint(
                    time: Date(milliseconds: row["at"]), mode: row["mode"], failsafe: row["failsafe"],
                    gridLimitA: row["grid_limit_a"], gridCurrentA: [row["grid_l1_a"], row["grid_l2_a"], row["grid_l3_a"]],
                    buildingLoadA: [row["building_l1_a"], row["building_l2_a"], row["building_l3_a"]],
                    allocatedA: row["allocated_a"], charging: row["charging"], waiting: row["waiting"])
            }
            let shares = try Row.fetchAll(
                db, sql: "SELECT * FROM load_share WHERE site_id = ? ORDER BY station_id, connector_id", arguments: [site]
            ).map { row in
                LoadShare(
                    station: row["station_id"], connector: row["connector_id"], time: Date(milliseconds: row["at"]),
                    allocatedA: row["allocated_a"], limitA: row["limit_a"], reason: row["reason"], drawingA: row["drawing_a"])
            }
            return LoadSeries(samples: samples, connectors: shares)
        }
    }
}
