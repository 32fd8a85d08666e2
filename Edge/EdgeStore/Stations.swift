public import Foundation
import GRDB
public import SiteModel
import SyncContract

extension EdgeStore {
    /// Records that a station connected, creating it with `approval` when it is new; returns it as stored.
    public func touchStation(id: String, approvalIfNew: Approval, at now: Date) async throws -> StationRecord {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO station (id, approval, first_seen, last_seen) VALUES (?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen
                    """,
                arguments: [id, approvalIfNew.rawValue, now.stored, now.stored])
            return try Self.fetchStation(db, id: id)!
        }
    }

    /// Stores what a station said about itself at boot.
    public func recordBoot(stationId: String, info: StationInfo, at now: Date) async throws -> StationRecord {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE station SET vendor = ?, model = ?, serial_number = ?, charge_box_serial_number = ?,
                        firmware_version = ?, iccid = ?, imsi = ?, meter_type = ?, meter_serial_number = ?,
                        last_boot = ?, last_seen = ?
                    WHERE id = ?
                    """,
                arguments: [
                    info.vendor, info.model, info.serialNumber, info.chargeBoxSerialNumber, info.firmwareVersion,
                    info.iccid, info.imsi, info.meterType, info.meterSerialNumber, now.stored, now.stored, stationId,
                ])
            guard let station = try Self.fetchStation(db, id: stationId) else {
                throw StoreError.unknownStation(stationId)
            }
            try self.enqueue(
                db,
                .stationBoot(
                    StationBoot(
                        station: stationId, vendor: info.vendor, model: info.model, serialNumber: info.serialNumber,
                        firmwareVersion: info.firmwareVersion, approval: .known(station.approval), time: now)),
                at: now)
            return station
        }
    }

    /// Sets whether a station may operate; creates the station when it is not known yet.
    public func setApproval(stationId: String, _ approval: Approval, at now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO station (id, approval, first_seen) VALUES (?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET approval = excluded.approval
                    """,
                arguments: [stationId, approval.rawValue, now.stored])
        }
    }

    /// The station with this id, if the edge has ever seen or been told of it.
    public func station(id: String) async throws -> StationRecord? {
        try await read { db in try Self.fetchStation(db, id: id) }
    }

    /// Every station, by id.
    public func stations() async throws -> [StationRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM station ORDER BY id").map(Self.station(from:))
        }
    }

    /// Records a connector's new state as its current one and in its history.
    public func recordStatus(_ state: ConnectorState, receivedAt: Date) async throws {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO connector (station_id, connector_id, status, error_code, info, vendor_id,
                        vendor_error_code, timestamp)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(station_id, connector_id) DO UPDATE SET status = excluded.status,
                        error_code = excluded.error_code, info = excluded.info, vendor_id = excluded.vendor_id,
                        vendor_error_code = excluded.vendor_error_code, timestamp = excluded.timestamp
                    WHERE excluded.timestamp >= connector.timestamp
                    """
            ).execute(arguments: Self.arguments(state))
            try db.cachedStatement(
                sql: """
                    INSERT INTO status_log (station_id, connector_id, status, error_code, info, vendor_id,
                        vendor_error_code, timestamp, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: Self.arguments(state) + [receivedAt.stored])
            try self.enqueue(
                db,
                .connectorStatus(
                    ConnectorStatusChange(
                        station: state.stationId, connector: state.connectorId, status: .known(state.status),
                        errorCode: state.errorCode, info: state.info, vendorId: state.vendorId,
                        vendorErrorCode: state.vendorErrorCode, time: state.timestamp)),
                at: receivedAt)
        }
    }

    /// The current state of every connector, of one station or of all.
    public func connectors(stationId: String? = nil) async throws -> [ConnectorState] {
        try await read { db in
            let rows =
                if let stationId {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM connector WHERE station_id = ? ORDER BY connector_id",
                        arguments: [stationId])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM connector ORDER BY station_id, connector_id")
                }
            return rows.map(Self.connectorState(from:))
        }
    }

    /// A station's status history, newest first.
    public func statusHistory(stationId: String, limit: Int = 100) async throws -> [ConnectorState] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM status_log WHERE station_id = ? ORDER BY id DESC LIMIT ?",
                arguments: [stationId, limit]
            ).map(Self.connectorState(from:))
        }
    }

    /// Keeps an event in the station's history.
    public func recordEvent(_ event: StationEvent) async throws {
        try await write { db in
            try db.cachedStatement(sql: "INSERT INTO event (station_id, kind, detail, timestamp) VALUES (?, ?, ?, ?)")
                .execute(arguments: [event.stationId, event.kind, event.detail, event.timestamp.stored])
            let message: UpMessage =
                switch event.kind {
                case "connected", "disconnected":
                    .stationConnection(
                        StationConnection(
                            station: event.stationId, connected: event.kind == "connected", time: event.timestamp,
                            protocol: event.kind == "connected" ? event.field("protocol") : nil))
                default:
                    .event(
                        SiteEvent(
                            station: event.stationId, kind: event.kind, severity: .known(event.severity), detail: event.detail,
                            time: event.timestamp))
                }
            try self.enqueue(db, message, at: event.timestamp)
        }
    }

    /// A station's events, newest first.
    public func events(stationId: String, limit: Int = 100) async throws -> [StationEvent] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM event WHERE station_id = ? ORDER BY id DESC LIMIT ?",
                arguments: [stationId, limit]
            ).map { row in
                StationEvent(stationId: row["station_id"], kind: row["kind"], detail: row["detail"], timestamp: row["timestamp"])
            }
        }
    }

    static func fetchStation(_ db: Database, id: String) throws -> StationRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM station WHERE id = ?", arguments: [id]).map(station(from:))
    }

    static func station(from row: Row) -> StationRecord {
        let vendor: String? = row["vendor"]
        let info = vendor.map { vendor in
            StationInfo(
                vendor: vendor, model: row["model"] ?? "", serialNumber: row["serial_number"],
                chargeBoxSerialNumber: row["charge_box_serial_number"], firmwareVersion: row["firmware_version"],
                iccid: row["iccid"], imsi: row["imsi"], meterType: row["meter_type"],
                meterSerialNumber: row["meter_serial_number"])
        }
        return StationRecord(
            id: row["id"], approval: Approval(rawValue: row["approval"]) ?? .pending, info: info,
            firstSeen: row["first_seen"], lastBoot: row["last_boot"], lastSeen: row["last_seen"])
    }

    static func connectorState(from row: Row) -> ConnectorState {
        ConnectorState(
            stationId: row["station_id"], connectorId: row["connector_id"],
            status: ConnectorStatus(rawValue: row["status"]) ?? .unavailable, errorCode: row["error_code"],
            info: row["info"], vendorId: row["vendor_id"], vendorErrorCode: row["vendor_error_code"],
            timestamp: row["timestamp"])
    }

    static func arguments(_ state: ConnectorState) -> StatementArguments {
        [
            state.stationId, state.connectorId, state.status.rawValue, state.errorCode, state.info, state.vendorId,
            state.vendorErrorCode, state.timestamp.stored,
        ]
    }
}

/// A store operation that could not be carried out, with what it was about.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case unknownStation(String)

    public var description: String {
        switch self {
        case .unknownStation(let id): "station '\(id)' is not in the store"
        }
    }
}
