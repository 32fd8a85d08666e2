public import Foundation
public import SiteModel

/// What an edge tells the cloud. Each case's `type` is its topic's last level and its envelope's `type`.
public enum UpMessage: Sendable, Equatable {
    /// Retained; `online: false` is the edge's last will.
    case presence(Presence)
    case stationBoot(StationBoot)
    case stationConnection(StationConnection)
    case connectorStatus(ConnectorStatusChange)
    case sessionStart(SessionStarted)
    case sessionUpdate(SessionProgress)
    case sessionStop(SessionStopped)
    case siteMeter(SiteMeterSample)
    case loadSummary(LoadSummary)
    case event(SiteEvent)
    case commandResult(CommandResult)
    case authRequest(AuthRequest)

    public var type: String {
        switch self {
        case .presence: Self.Kind.presence.rawValue
        case .stationBoot: Self.Kind.stationBoot.rawValue
        case .stationConnection: Self.Kind.stationConnection.rawValue
        case .connectorStatus: Self.Kind.connectorStatus.rawValue
        case .sessionStart: Self.Kind.sessionStart.rawValue
        case .sessionUpdate: Self.Kind.sessionUpdate.rawValue
        case .sessionStop: Self.Kind.sessionStop.rawValue
        case .siteMeter: Self.Kind.siteMeter.rawValue
        case .loadSummary: Self.Kind.loadSummary.rawValue
        case .event: Self.Kind.event.rawValue
        case .commandResult: Self.Kind.commandResult.rawValue
        case .authRequest: Self.Kind.authRequest.rawValue
        }
    }

    /// The station the message is about; nil for a message about the site itself (an empty station in a command
    /// result is a command for the edge itself).
    public var station: String? {
        switch self {
        case .presence, .siteMeter, .loadSummary: nil
        case .stationBoot(let data): data.station
        case .stationConnection(let data): data.station
        case .connectorStatus(let data): data.station
        case .sessionStart(let data): data.station
        case .sessionUpdate(let data): data.station
        case .sessionStop(let data): data.station
        case .event(let data): data.station
        case .commandResult(let data): data.station.isEmpty ? nil : data.station
        case .authRequest(let data): data.station
        }
    }

    /// The message types, as they appear in topics and envelopes.
    public enum Kind: String, Sendable, CaseIterable {
        case presence
        case stationBoot = "station.boot"
        case stationConnection = "station.connection"
        case connectorStatus = "connector.status"
        case sessionStart = "session.start"
        case sessionUpdate = "session.update"
        case sessionStop = "session.stop"
        case siteMeter = "meter.site"
        case loadSummary = "load.summary"
        case event
        case commandResult = "command.result"
        case authRequest = "auth.request"

        /// Samples may be thinned when the edge's outbox is full; everything else is never dropped.
        public var isSample: Bool { self == .sessionUpdate || self == .siteMeter || self == .loadSummary }
    }

    init(type: String, from decoder: any Decoder) throws {
        guard let kind = Kind(rawValue: type) else { throw EnvelopeError.unknownType(type) }
        switch kind {
        case .presence: self = .presence(try Presence(from: decoder))
        case .stationBoot: self = .stationBoot(try StationBoot(from: decoder))
        case .stationConnection: self = .stationConnection(try StationConnection(from: decoder))
        case .connectorStatus: self = .connectorStatus(try ConnectorStatusChange(from: decoder))
        case .sessionStart: self = .sessionStart(try SessionStarted(from: decoder))
        case .sessionUpdate: self = .sessionUpdate(try SessionProgress(from: decoder))
        case .sessionStop: self = .sessionStop(try SessionStopped(from: decoder))
        case .siteMeter: self = .siteMeter(try SiteMeterSample(from: decoder))
        case .loadSummary: self = .loadSummary(try LoadSummary(from: decoder))
        case .event: self = .event(try SiteEvent(from: decoder))
        case .commandResult: self = .commandResult(try CommandResult(from: decoder))
        case .authRequest: self = .authRequest(try AuthRequest(from: decoder))
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .presence(let data): try data.encode(to: encoder)
        case .stationBoot(let data): try data.encode(to: encoder)
        case .stationConnection(let data): try data.encode(to: encoder)
        case .connectorStatus(let data): try data.encode(to: encoder)
        case .sessionStart(let data): try data.encode(to: encoder)
        case .sessionUpdate(let data): try data.encode(to: encoder)
        case .sessionStop(let data): try data.encode(to: encoder)
        case .siteMeter(let data): try data.encode(to: encoder)
        case .loadSummary(let data): try data.encode(to: encoder)
        case .event(let data): try data.encode(to: encoder)
        case .commandResult(let data): try data.encode(to: encoder)
        case .authRequest(let data): try data.encode(to: encoder)
        }
    }

    /// The `data` object alone, as JSON.
    public func encodedData() throws -> Data {
        try SyncJSON.encoder().encode(DataBox(message: self))
    }

    private struct DataBox: Encodable {
        let message: UpMessage
        func encode(to encoder: any Encoder) throws { try message.encode(to: encoder) }
    }
}

/// Whether the site's edge is connected to the broker.
public struct Presence: Codable, Sendable, Equatable {
    public var online: Bool
    public var version: String?

    public init(online: Bool, version: String? = nil) {
        self.online = online
        self.version = version
    }
}

/// A station's BootNotification and its approval on the edge.
public struct StationBoot: Codable, Sendable, Equatable {
    public var station: String
    public var vendor: String
    public var model: String
    public var serialNumber: String?
    public var firmwareVersion: String?
    /// `accepted`, `pending` or `rejected`.
    public var approval: OpenEnum<Approval>
    public var time: Date

    public init(
        station: String, vendor: String, model: String, serialNumber: String?, firmwareVersion: String?,
        approval: OpenEnum<Approval>,
        time: Date
    ) {
        self.station = station
        self.vendor = vendor
        self.model = model
        self.serialNumber = serialNumber
        self.firmwareVersion = firmwareVersion
        self.approval = approval
        self.time = time
    }
}

/// A station connected to or disconnected from the edge.
public struct StationConnection: Codable, Sendable, Equatable {
    public var station: String
    public var connected: Bool
    public var time: Date
    public var reason: String?
    /// The OCPP version it connected with (`ocpp1.6`); nil on a disconnection, and from edges before it was sent.
    public var `protocol`: String?

    public init(station: String, connected: Bool, time: Date, reason: String? = nil, protocol: String? = nil) {
        self.station = station
        self.connected = connected
        self.time = time
        self.reason = reason
        self.protocol = `protocol`
    }
}

/// A StatusNotification: the connector's state and error, as the charger sent them.
public struct ConnectorStatusChange: Codable, Sendable, Equatable {
    public var station: String
    public var connector: Int
    public var status: OpenEnum<ConnectorStatus>
    public var errorCode: String?
    public var info: String?
    public var vendorId: String?
    public var vendorErrorCode: String?
    public var time: Date

    public init(
        station: String, connector: Int, status: OpenEnum<ConnectorStatus>, errorCode: String?, info: String?, vendorId: String?,
        vendorErrorCode: String?, time: Date
    ) {
        self.station = station
        self.connector = connector
        self.status = status
        self.errorCode = errorCode
        self.info = info
        self.vendorId = vendorId
        self.vendorErrorCode = vendorErrorCode
        self.time = time
    }
}

/// A session began. `transactionId` is unique within the site.
public struct SessionStarted: Codable, Sendable, Equatable {
    public var station: String
    public var connector: Int
    public var transactionId: Int
    public var idTag: String?
    public var authStatus: OpenEnum<TokenStatus>?
    public var meterStartWh: Double?
    public var startTime: Date?

    public init(
        station: String, connector: Int, transactionId: Int, idTag: String?, authStatus: OpenEnum<TokenStatus>?,
        meterStartWh: Double?,
        startTime: Date?
    ) {
        self.station = station
        self.connector = connector
        self.transactionId = transactionId
        self.idTag = idTag
        self.authStatus = authStatus
        self.meterStartWh = meterStartWh
        self.startTime = startTime
    }
}

/// The latest readings of a running session.
public struct SessionProgress: Codable, Sendable, Equatable {
    public var station: String
    public var connector: Int
    public var transactionId: Int
    public var time: Date
    public var energyWh: Double?
    public var powerW: Double?
    public var currentA: Double?
    public var soc: Double?

    public init(
        station: String, connector: Int, transactionId: Int, time: Date, energyWh: Double?, powerW: Double?,
        currentA: Double?, soc: Double?
    ) {
        self.station = station
        self.connector = connector
        self.transactionId = transactionId
        self.time = time
        self.energyWh = energyWh
        self.powerW = powerW
        self.currentA = currentA
        self.soc = soc
    }
}

/// A session ended. Carries its start too, so a stop whose start the cloud never saw (a charger's offline
/// queue) still makes a whole session.
public struct SessionStopped: Codable, Sendable, Equatable {
    public var station: String
    public var connector: Int
    public var transactionId: Int
    public var idTag: String?
    public var meterStartWh: Double?
    public var startTime: Date?
    public var meterStopWh: Double
    public var stopTime: Date
    public var reason: String?

    public init(
        station: String, connector: Int, transactionId: Int, idTag: String?, meterStartWh: Double?, startTime: Date?,
        meterStopWh: Double, stopTime: Date, reason: String?
    ) {
        self.station = station
        self.connector = connector
        self.transactionId = transactionId
        self.idTag = idTag
        self.meterStartWh = meterStartWh
        self.startTime = startTime
        self.meterStopWh = meterStopWh
        self.stopTime = stopTime
        self.reason = reason
    }
}

/// The site's meters at one moment (every 10 s by default).
public struct SiteMeterSample: Codable, Sendable, Equatable {
    public var time: Date
    public var meters: [Reading]

    public struct Reading: Codable, Sendable, Equatable {
        public var name: String
        /// `grid` or `building`.
        public var role: String
        /// Per phase, L1 first; null where the meter has no reading.
        public var currentA: [Double?]
        public var powerW: Double?
        public var energyImportWh: Double?

        public init(name: String, role: String, currentA: [Double?], powerW: Double?, energyImportWh: Double?) {
            self.name = name
            self.role = role
            self.currentA = currentA
            self.powerW = powerW
            self.energyImportWh = energyImportWh
        }
    }

    public init(time: Date, meters: [Reading]) {
        self.time = time
        self.meters = meters
    }
}

/// What load management decided, in short.
public struct LoadSummary: Codable, Sendable, Equatable {
    public var time: Date
    public var mode: String
    public var failsafe: Bool
    public var gridLimitA: Double?
    /// Per phase, L1 first.
    public var gridCurrentA: [Double?]?
    /// The sum of every charging connector's allocation, A per phase.
    public var allocatedA: Double
    public var charging: Int
    public var waiting: Int
    /// The building's own load, A per phase (what the grid meter reads less what the cars draw); nil from edges
    /// before it was sent.
    public var buildingLoadA: [Double]?
    /// Each managed connector's share now; nil from edges before it was sent.
    public var connectors: [ConnectorShare]?

    /// A connector's share: what load management allocated, the limit the charger last accepted, why, and what the car
    /// draws (A, on its most loaded phase).
    public struct ConnectorShare: Codable, Sendable, Equatable {
        public var station: String
        public var connector: Int
        public var allocatedA: Double
        public var limitA: Double?
        /// idle, unmanaged, limited_by_charger, limited_by_grid, … (the edge's `/status` reasons).
        public var reason: String
        public var drawingA: Double?

        public init(station: String, connector: Int, allocatedA: Double, limitA: Double?, reason: String, drawingA: Double?) {
            self.station = station
            self.connector = connector
            self.allocatedA = allocatedA
            self.limitA = limitA
            self.reason = reason
            self.drawingA = drawingA
        }
    }

    public init(
        time: Date, mode: String, failsafe: Bool, gridLimitA: Double?, gridCurrentA: [Double?]?, allocatedA: Double,
        charging: Int, waiting: Int, buildingLoadA: [Double]? = nil, connectors: [ConnectorShare]? = nil
    ) {
        self.buildingLoadA = buildingLoadA
        self.connectors = connectors
        self.time = time
        self.mode = mode
        self.failsafe = failsafe
        self.gridLimitA = gridLimitA
        self.gridCurrentA = gridCurrentA
        self.allocatedA = allocatedA
        self.charging = charging
        self.waiting = waiting
    }
}

/// Anything else worth a line in the site's history (firmware and diagnostics status, data transfers,
/// load-management interventions); `detail` is a JSON object.
public struct SiteEvent: Codable, Sendable, Equatable {
    public var station: String?
    public var kind: String
    public var severity: OpenEnum<Severity>
    public var detail: String
    public var time: Date

    public init(station: String?, kind: String, severity: OpenEnum<Severity>, detail: String, time: Date) {
        self.station = station
        self.kind = kind
        self.severity = severity
        self.detail = detail
        self.time = time
    }
}

/// The answer to a ``CommandRequest``, naming it by id.
public struct CommandResult: Codable, Sendable, Equatable {
    public var id: String
    public var station: String
    public var action: String
    /// `accepted` (the station answered; `response` is its payload), or why not.
    public var outcome: CommandOutcome
    public var response: String?
    public var error: String?

    public init(
        id: String, station: String, action: String, outcome: CommandOutcome, response: String? = nil, error: String? = nil
    ) {
        self.id = id
        self.station = station
        self.action = action
        self.outcome = outcome
        self.response = response
        self.error = error
    }
}

/// A token the edge does not know, asked of the cloud.
public struct AuthRequest: Codable, Sendable, Equatable {
    public var id: String
    public var idTag: String
    public var station: String

    public init(id: String, idTag: String, station: String) {
        self.id = id
        self.idTag = idTag
        self.station = station
    }
}
