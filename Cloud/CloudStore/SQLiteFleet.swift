public import Foundation
import GRDB

extension SQLiteRepository {
    public func fleet(_ filter: FleetFilter) async throws -> FleetPage {
        guard let (inner, arguments) = Self.fleetQuery(filter) else { return FleetPage(items: [], total: 0) }
        let direction = filter.descending ? "DESC" : "ASC"
        let order =
            "(\(Self.fleetOrder(filter.sort)) IS NULL), \(Self.fleetOrder(filter.sort)) \(direction), id \(direction), site_id \(direction)"
        return try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(inner))", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM (\(inner)) ORDER BY \(order) LIMIT ? OFFSET ?",
                arguments: arguments + [filter.limit, filter.offset])
            var items = rows.map(Self.fleetStation(from:))
            // A client organization's users see the groups granted to it, no others.
            if let scope = filter.scope {
                for index in items.indices { items[index].groups = items[index].groups.filter(scope.groups.contains) }
            }
            return FleetPage(items: items, total: total)
        }
    }

    public func fleetChoices(in scope: Scope?) async throws -> FleetChoices {
        guard let visible = scope.map({ $0.condition(site: "site_id", station: "id") }) ?? ("1", []) else {
            return FleetChoices(vendors: [], models: [], firmwares: [], protocols: [])
        }
        return try await pool.read { db in
            func values(_ column: String) throws -> [String] {
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT \(column) FROM station WHERE \(column) IS NOT NULL AND \(column) <> ''
                        AND site_id IN (SELECT id FROM site WHERE retired_at IS NULL) AND \(visible.sql) ORDER BY \(column) COLLATE NOCASE LIMIT 500
                        """,
                    arguments: visible.arguments)
            }
            return FleetChoices(
                vendors: try values("vendor"), models: try values("model"), firmwares: try values("firmware_version"),
                protocols: try values("protocol"))
        }
    }

    /// The stations of `filter` with their state and last contact, unsorted and unpaged; nil when the scope sees none.
    static func fleetQuery(_ filter: FleetFilter) -> (String, StatementArguments)? {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let scope = filter.scope {
            guard let visible = scope.condition(site: "st.site_id", station: "st.id") else { return nil }
            conditions.append(visible.sql)
            arguments += visible.arguments
        }
        for (column, value) in [
            ("st.site_id", filter.site), ("st.vendor", filter.vendor), ("st.model", filter.model),
            ("st.firmware_version", filter.firmware), ("st.protocol", filter.protocol),
        ] {
            guard let value else { continue }
            conditions.append("\(column) = ?")
            arguments += [value]
        }
        if let group = filter.group {
            // A group not granted to the reader's organization tells nothing, not even who is in it.
            if let scope = filter.scope, !scope.groups.contains(group) { return nil }
            conditions.append(
                "EXISTS (SELECT 1 FROM station_group_member m WHERE m.group_id = ? AND m.site_id = st.site_id AND m.station_id = st.id)"
            )
            arguments += [group]
        }
        if let text = filter.text {
            let pattern =
                "%"
                + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append(#"(st.id LIKE ? ESCAPE '\' OR st.serial_number LIKE ? ESCAPE '\')"#)
            arguments += [pattern, pattern]
        }
        let inner = """
            SELECT st.site_id, si.name AS site_name, st.id, st.vendor, st.model, st.serial_number, st.firmware_version,
                st.protocol, st.approval, st.last_boot_at,
                CASE WHEN NOT st.connected THEN st.connection_changed_at WHEN NOT si.online THEN si.last_seen_at END
                    AS last_contact,
                CASE WHEN NOT (st.connected AND si.online) THEN 'offline' ELSE (
                    SELECT CASE
                        WHEN MAX(c.status = 'Faulted') THEN 'faulted'
                        WHEN MAX(c.connector_id > 0 AND c.status IN \(inUse)) THEN 'in_use'
                        WHEN MAX(c.connector_id = 0 AND c.status = 'Unavailable')
                            OR (SUM(c.connector_id > 0) > 0 AND SUM(c.connector_id > 0 AND c.status <> 'Unavailable') = 0)
                            THEN 'unavailable'
                        ELSE 'available' END
                    FROM connector c WHERE c.site_id = st.site_id AND c.station_id = st.id) END AS state,
                (SELECT COUNT(*) FROM connector c WHERE c.site_id = st.site_id AND c.station_id = st.id AND c.connector_id > 0)
                    AS connectors,
                (SELECT group_concat(m.group_id, ' ') FROM station_group_member m
                    WHERE m.site_id = st.site_id AND m.station_id = st.id) AS groups
            FROM station st JOIN site si ON si.id = st.site_id AND si.retired_at IS NULL
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            """
        var outer: [String] = []
        if let state = filter.state {
            outer.append("state = ?")
            arguments += [state.rawValue]
        }
        if let since = filter.silentSince {
            outer.append("last_contact IS NOT NULL AND last_contact < ?")
            arguments += [since.milliseconds]
        }
        guard !outer.isEmpty else { return (inner, arguments) }
        return ("SELECT * FROM (\(inner)) WHERE " + outer.joined(separator: " AND "), arguments)
    }

    /// The statuses of a connector with a car at it.
    static let inUse = "('Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing')"

    static func fleetOrder(_ sort: FleetSort) -> String {
        switch sort {
        case .station: "id COLLATE NOCASE"
        case .site: "site_name COLLATE NOCASE"
        case .state:
            "CASE state WHEN 'offline' THEN 0 WHEN 'faulted' THEN 1 WHEN 'unavailable' THEN 2 WHEN 'in_use' THEN 3 ELSE 4 END"
        case .vendor: "vendor COLLATE NOCASE"
        case .model: "model COLLATE NOCASE"
        case .firmware: "firmware_version COLLATE NOCASE"
        case .protocol: "protocol"
        case .lastContact: "last_contact"
        }
    }

    static func fleetStation(from row: Row) -> FleetStation {
        let groups = (row["groups"] as String?)?.split(separator: " ").map(String.init).sorted() ?? []
        return FleetStation(
            site: row["site_id"], siteName: row["site_name"], id: row["id"],
            state: FleetState(rawValue: row["state"]) ?? .available, vendor: row["vendor"], model: row["model"],
            serialNumber: row["serial_number"], firmwareVersion: row["firmware_version"], protocol: row["protocol"],
            approval: row["approval"], connectors: row["connectors"],
            lastContact: (row["last_contact"] as Int64?).map(Date.init(milliseconds:)),
            lastBootAt: (row["last_boot_at"] as Int64?).map(Date.init(milliseconds:)), groups: groups)
    }
}
