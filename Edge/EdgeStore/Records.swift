public import Foundation
public import SiteModel

/// What a station tells about itself when it boots.
public struct StationInfo: Sendable, Codable, Equatable {
    public var vendor: String
    public var model: String
    public var serialNumber: String?
    public var chargeBoxSerialNumber: String?
    public var firmwareVersion: String?
    public var iccid: String?
    public var imsi: String?
    public var meterType: String?
    public var meterSerialNumber: String?

    public init(
        vendor: String, model: String, serialNumber: String? = nil, chargeBoxSerialNumber: String? = nil,
        firmwareVersion: String? = nil, iccid: String? = nil, imsi: String? = nil, meterType: String? = nil,
        meterSerialNumber: String? = nil
    ) {
        self.vendor = vendor
        self.model = model
        self.serialNumber = serialNumber
        self.chargeBoxSerialNumber = chargeBoxSerialNumber
        self.firmwareVersion = firmwareVersion
        self.iccid = iccid
        self.imsi = imsi
        self.meterType = meterType
        self.meterSerialNumber = meterSerialNumber
    }
}

/// A station as the edge knows it.
public struct StationRecord: Sendable, Codable, Equatable {
    public var id: String
    public var approval: Approval
    /// Nil until the station has sent a BootNotification.
    public var info: StationInfo?
    public var firstSeen: Date
    public var lastBoot: Date?
    public var lastSeen: Date?
}

/// A connector's last reported state, or one entry of its history.
public struct ConnectorState: Sendable, Codable, Equatable {
    public var stationId: String
    public var connectorId: Int
    public var status: ConnectorStatus
    /// The OCPP error code (`NoError` when there is none).
    public var errorCode: String?
    public var info: String?
    public var vendorId: String?
    public var vendorErrorCode: String?
    /// When the station says the state began.
    public var timestamp: Date

    public init(
        stationId: String, connectorId: Int, status: ConnectorStatus, errorCode: String? = nil, info: String? = nil,
        vendorId: String? = nil, vendorErrorCode: String? = nil, timestamp: Date
    ) {
        self.stationId = stationId
        self.connectorId = connectorId
        self.status = status
        self.errorCode = errorCode
        self.info = info
        self.vendorId = vendorId
        self.vendorErrorCode = vendorErrorCode
        self.timestamp = timestamp
    }
}

/// A charging session (an OCPP transaction) as recorded on the edge.
public struct SessionRecord: Sendable, Codable, Equatable {
    /// The transaction id given to the charger.
    public var id: Int
    public var stationId: String
    public var connectorId: Int
    public var idTag: String?
    public var authStatus: String?
    public var reservationId: Int?
    public var meterStartWh: Double?
    public var startTime: Date?
    public var meterStopWh: Double?
    public var stopTime: Date?
    public var stopReason: String?
    public var stopIdTag: String?
    public var lastEnergyWh: Double?
    public var lastPowerW: Double?
    public var lastCurrentA: Double?
    public var lastSoC: Double?
    public var lastSampleTime: Date?
    /// `start` when the edge saw the StartTransaction, `stop` when it learned of the session from its stop only.
    public var recordedFrom: String
    /// The id the charger used, when it differs from `id` (a session the edge learned of from its stop only).
    public var chargerTransactionId: Int?

    /// Whether the session is still running.
    public var isActive: Bool { stopTime == nil }

    /// The stop reason of a session the edge closed itself because a newer one started on its connector
    /// before its StopTransaction came. Not an OCPP reason; a later StopTransaction replaces it.
    public static let supersededReason = "SupersededByNewSession"

    /// Energy delivered so far (or in total, once stopped), in Wh; nil when the start reading is unknown.
    public var energyWh: Double? {
        guard let start = meterStartWh else { return nil }
        if let stop = meterStopWh { return stop - start }
        return lastEnergyWh.map { $0 - start }
    }
}

/// A session start as a charger reports it.
public struct SessionStart: Sendable, Equatable {
    public var stationId: String
    public var connectorId: Int
    public var idTag: String
    public var meterStartWh: Double
    public var timestamp: Date
    public var reservationId: Int?
    /// The authorization verdict given with the transaction id.
    public var authStatus: TokenStatus

    public init(
        stationId: String, connectorId: Int, idTag: String, meterStartWh: Double, timestamp: Date,
        reservationId: Int? = nil, authStatus: TokenStatus
    ) {
        self.stationId = stationId
        self.connectorId = connectorId
        self.idTag = idTag
        self.meterStartWh = meterStartWh
        self.timestamp = timestamp
        self.reservationId = reservationId
        self.authStatus = authStatus
    }
}

/// The outcome of recording a start.
public struct SessionStartOutcome: Sendable, Equatable {
    public var transactionId: Int
    /// True when this start was a retry of one already recorded, which keeps its transaction id.
    public var wasRetry: Bool
}

/// A session stop as a charger reports it, with the meter values it attached.
public struct SessionStop: Sendable, Equatable {
    public var stationId: String
    public var transactionId: Int
    public var idTag: String?
    public var meterStopWh: Double
    public var timestamp: Date
    public var reason: String?
    public var samples: [MeterSample]

    public init(
        stationId: String, transactionId: Int, idTag: String? = nil, meterStopWh: Double, timestamp: Date,
        reason: String? = nil, samples: [MeterSample] = []
    ) {
        self.stationId = stationId
        self.transactionId = transactionId
        self.idTag = idTag
        self.meterStopWh = meterStopWh
        self.timestamp = timestamp
        self.reason = reason
        self.samples = samples
    }
}

/// The outcome of recording a stop.
public struct SessionStopOutcome: Sendable, Equatable {
    /// The session the stop closed (or created, for a session the edge had not seen start).
    public var sessionId: Int
    /// False when the edge had no record of the transaction and created one from the stop.
    public var wasKnown: Bool
    /// True when the session was already stopped: a retried StopTransaction.
    public var wasRetry: Bool
}

/// A token the edge can authorize locally.
public struct TokenRecord: Sendable, Codable, Equatable {
    public var idTag: String
    public var status: TokenStatus
    public var expiry: Date?
    public var parentIdTag: String?
    /// Where the token came from: `config`, `local` (API) or `cloud`.
    public var source: String
    /// Asked of the cloud first; the list's status holds only when no answer comes (see ``SiteModel/Token/askFirst``).
    public var askFirst: Bool

    public init(
        idTag: String, status: TokenStatus, expiry: Date? = nil, parentIdTag: String? = nil, source: String,
        askFirst: Bool = false
    ) {
        self.idTag = idTag
        self.status = status
        self.expiry = expiry
        self.parentIdTag = parentIdTag
        self.source = source
        self.askFirst = askFirst
    }
}

/// Something a station reported that is kept as history: data transfers, firmware and diagnostics progress,
/// connections and disconnections.
public struct StationEvent: Sendable, Codable, Equatable {
    public var stationId: String
    public var kind: String
    /// JSON with the event's details.
    public var detail: String
    public var timestamp: Date

    public init(stationId: String, kind: String, detail: String, timestamp: Date) {
        self.stationId = stationId
        self.kind = kind
        self.detail = detail
        self.timestamp = timestamp
    }

    /// `error` for a failed firmware or diagnostics step (a signature that does not verify included), `warning` for
    /// a lost connection and a charger's security event, else `info`.
    public var severity: Severity {
        if kind.hasSuffix("_status"),
            detail.contains("Failed") || detail.contains("InvalidSignature") || detail.contains("VerificationFailed")
        {
            return .error
        }
        return kind == "disconnected" || kind == "security_event" ? .warning : .info
    }

    /// A detail of text fields, as JSON (keys sorted).
    public static func detail(_ fields: [String: String]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A text field of the detail, if it has one.
    public func field(_ name: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(detail.utf8)) as? [String: Any])?[name] as? String
    }
}
