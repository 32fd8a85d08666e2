import CentralSystem
import EdgeStore
import Foundation
import SiteModel

/// What the local HTTP interface shows of a station.
struct StationView: Codable {
    var id: String
    var connected: Bool
    var approval: String
    var vendor: String?
    var model: String?
    var serialNumber: String?
    var firmwareVersion: String?
    var lastBoot: Date?
    var lastSeen: Date?
    var connectedSince: Date?
    var remoteAddress: String?
    var subprotocol: String?
    var connectors: [ConnectorView]

    init(_ record: StationRecord, session: StationSession?, connectors: [ConnectorState]) {
        id = record.id
        connected = session != nil
        approval = record.approval.rawValue
        vendor = record.info?.vendor
        model = record.info?.model
        serialNumber = record.info?.serialNumber
        firmwareVersion = record.info?.firmwareVersion
        lastBoot = record.lastBoot
        lastSeen = session?.lastMessageAt ?? record.lastSeen
        connectedSince = session?.connectedAt
        remoteAddress = session?.remoteAddress
        subprotocol = session?.subprotocol
        self.connectors = connectors.map(ConnectorView.init)
    }
}

/// A connector's state; `operation` is the at-a-glance grouping (available, in use, inoperative).
struct ConnectorView: Codable {
    var connectorId: Int
    var status: String
    var operation: String
    var errorCode: String?
    var info: String?
    var vendorId: String?
    var vendorErrorCode: String?
    var since: Date

    init(_ state: ConnectorState) {
        connectorId = state.connectorId
        status = state.status.rawValue
        operation = state.status.operation.rawValue
        errorCode = state.errorCode
        info = state.info
        vendorId = state.vendorId
        vendorErrorCode = state.vendorErrorCode
        since = state.timestamp
    }
}

/// A charging session with its energy so far.
struct SessionView: Codable {
    var transactionId: Int
    var stationId: String
    var connectorId: Int
    var active: Bool
    var idTag: String?
    var authStatus: String?
    var startTime: Date?
    var stopTime: Date?
    var stopReason: String?
    var meterStartWh: Double?
    var meterStopWh: Double?
    var energyWh: Double?
    var powerW: Double?
    var currentA: Double?
    var soc: Double?
    var recordedFrom: String
    var chargerTransactionId: Int?

    init(_ record: SessionRecord) {
        transactionId = record.id
        stationId = record.stationId
        connectorId = record.connectorId
        active = record.isActive
        idTag = record.idTag
        authStatus = record.authStatus
        startTime = record.startTime
        stopTime = record.stopTime
        stopReason = record.stopReason
        meterStartWh = record.meterStartWh
        meterStopWh = record.meterStopWh
        energyWh = record.energyWh
        powerW = record.isActive ? record.lastPowerW : nil
        currentA = record.isActive ? record.lastCurrentA : nil
        soc = record.lastSoC
        recordedFrom = record.recordedFrom
        chargerTransactionId = record.chargerTransactionId
    }
}

/// The whole site at a glance.
struct SiteStatusView: Codable {
    struct Site: Codable {
        var id: String
        var name: String
    }
    var site: Site
    var connectedStations: Int
    var stations: [StationView]
    var activeSessions: [SessionView]
    var meters: [MeterView]
    var loadManagement: LoadView?
}
