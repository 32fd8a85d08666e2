public import Foundation
import GRDB
import SiteModel

extension SQLiteRepository {
    public func saveGroup(id: String, name: String, stations: [StationKey]) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO station_group (id, name, created_at) VALUES (?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name
                    """,
                arguments: [id, name, Date().milliseconds])
            try db.execute(sql: "DELETE FROM station_group_member WHERE group_id = ?", arguments: [id])
            for station in Set(stations).sorted() {
                try db.execute(
                    sql: "INSERT INTO station_group_member (group_id, site_id, station_id) VALUES (?, ?, ?)",
                    arguments: [id, station.site, station.station])
            }
        }
    }

    public func groupMembers(of ids: Set<String>) async throws -> [String: Set<StationKey>] {
        guard !ids.isEmpty else { return [:] }
        return try await pool.read { db in
            var members: [String: Set<StationKey>] = [:]
            for id in try String.fetchAll(
                db, sql: "SELECT id FROM station_group WHERE id IN (\(Scope.placeholders(ids.count)))",
                arguments: StatementArguments(ids.sorted()))
            {
                members[id] = []
            }
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT group_id, site_id, station_id FROM station_group_member WHERE group_id IN (\(Scope.placeholders(ids.count)))",
                arguments: StatementArguments(ids.sorted()))
            {
                members[row["group_id"], default: []].insert(StationKey(site: row["site_id"], station: row["station_id"]))
            }
            return members
        }
    }

    public func groups(in scope: Scope?) async throws -> [StationGroup] {
        try await pool.read { db in
            var groups: [String: StationGroup] = [:]
            var order: [String] = []
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM station_group ORDER BY name, id") {
                let id: String = row["id"]
                // An organization's users see the groups granted to it, whole.
                guard scope?.groups.contains(id) ?? true else { continue }
                order.append(id)
                groups[id] = StationGroup(id: id, name: row["name"], stations: [])
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT m.group_id, m.site_id, m.station_id, st.id AS seen FROM station_group_member m
                    LEFT JOIN station st ON st.site_id = m.site_id AND st.id = m.station_id ORDER BY m.station_id, m.site_id
                    """)
            {
                let key = StationKey(site: row["site_id"], station: row["station_id"])
                // A station not seen yet (registered ahead of its first connection): only staff (no scope) see it listed.
                let seen = (row["seen"] as String?) != nil
                guard scope == nil || (seen && scope.sees(station: key.station, site: key.site)) else { continue }
                groups[row["group_id"]]?.stations.append(key)
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT m.group_id, c.site_id, c.status, st.connected, s.online, COUNT(*) AS n
                    FROM station_group_member m
                    JOIN connector c ON c.site_id = m.site_id AND c.station_id = m.station_id AND c.connector_id > 0
                    JOIN station st ON st.site_id = m.site_id AND st.id = m.station_id JOIN site s ON s.id = st.site_id
                    GROUP BY m.group_id, c.site_id, c.status, st.connected, s.online
                    """)
            {
                guard var group = groups[row["group_id"]] else { continue }
                let reachable: Bool = row["connected"]
                let online: Bool = row["online"]
                let category = Self.category(status: row["status"], reachable: reachable && online)
                group.counts[category, default: 0] += row["n"] as Int
                groups[group.id] = group
            }
            return order.compactMap { groups[$0] }
        }
    }

    public func addToGroup(group: String, station: StationKey) async throws -> Bool {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM station_group WHERE id = ?", arguments: [group]) != nil else {
                return false
            }
            try db.execute(
                sql: "INSERT INTO station_group_member (group_id, site_id, station_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [group, station.site, station.station])
            return true
        }
    }

    public func deleteGroup(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM station_group_member WHERE group_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM organization_group WHERE group_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM station_group WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

    /// The home page's category of a connector: `inUse`, `available`, `reserved` or `inoperative`.
    static func category(status: String, reachable: Bool) -> String {
        reachable ? ConnectorCategory(OpenEnum(rawValue: status)).rawValue : ConnectorCategory.inoperative.rawValue
    }
}
