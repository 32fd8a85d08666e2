public import Foundation

// The Core profile: boot, authorization, transactions, status, configuration and the basic remote commands.
extension OCPP16 {
    /// Asks whether an identifier may start or stop charging (Authorize.req).
    public struct AuthorizeRequest: OCPPRequest {
        public typealias Response = AuthorizeResponse
        public static let action = "Authorize"
        /// The identifier presented, e.g. an RFID card's UID.
        public var idTag: CiString20

        public init(idTag: CiString20) {
            self.idTag = idTag
        }
    }

    /// The central system's verdict on an identifier (Authorize.conf).
    public struct AuthorizeResponse: Codable, Sendable, Equatable {
        /// Whether, and until when, the identifier may charge.
        public var idTagInfo: IdTagInfo

        public init(idTagInfo: IdTagInfo) {
            self.idTagInfo = idTagInfo
        }
    }

    /// Announces a charge point that has (re)started, with what it is (BootNotification.req).
    public struct BootNotificationRequest: OCPPRequest {
        public typealias Response = BootNotificationResponse
        public static let action = "BootNotification"
        /// The charge point's maker.
        public var chargePointVendor: CiString20
        /// Its model.
        public var chargePointModel: CiString20
        /// Its serial number.
        public var chargePointSerialNumber: CiString25?
        /// The serial number of its charge box; deprecated in 1.6 in favour of `chargePointSerialNumber`.
        public var chargeBoxSerialNumber: CiString25?
        /// The firmware it runs.
        public var firmwareVersion: CiString50?
        /// The ICCID of its modem's SIM card.
        public var iccid: CiString20?
        /// The IMSI of its modem's SIM card.
        public var imsi: CiString20?
        /// The type of its main electrical meter.
        public var meterType: CiString25?
        /// The serial number of its main electrical meter.
        public var meterSerialNumber: CiString25?

        public init(
            chargePointVendor: CiString20, chargePointModel: CiString20, chargePointSerialNumber: CiString25? = nil,
            chargeBoxSerialNumber: CiString25? = nil, firmwareVersion: CiString50? = nil, iccid: CiString20? = nil,
            imsi: CiString20? = nil, meterType: CiString25? = nil, meterSerialNumber: CiString25? = nil
        ) {
            self.chargePointVendor = chargePointVendor
            self.chargePointModel = chargePointModel
            self.chargePointSerialNumber = chargePointSerialNumber
            self.chargeBoxSerialNumber = chargeBoxSerialNumber
            self.firmwareVersion = firmwareVersion
            self.iccid = iccid
            self.imsi = imsi
            self.meterType = meterType
            self.meterSerialNumber = meterSerialNumber
        }
    }

    /// Whether the central system accepts the charge point, with its clock and heartbeat interval
    /// (BootNotification.conf).
    public struct BootNotificationResponse: Codable, Sendable, Equatable {
        /// Whether the charge point is registered.
        public var status: RegistrationStatus
        /// The central system's current time, to set the charge point's clock by.
        public var currentTime: Date
        /// When accepted, the heartbeat interval in seconds; otherwise the delay before the next BootNotification.
        public var interval: Int

        public init(status: RegistrationStatus, currentTime: Date, interval: Int) {
            self.status = status
            self.currentTime = currentTime
            self.interval = interval
        }
    }

    /// Makes a connector, or the whole charge point for connector 0, operative or inoperative
    /// (ChangeAvailability.req).
    public struct ChangeAvailabilityRequest: OCPPRequest {
        public typealias Response = ChangeAvailabilityResponse
        public static let action = "ChangeAvailability"
        /// The connector, or 0 for the whole charge point.
        public var connectorId: Int
        /// The availability asked for.
        public var type: AvailabilityType

        public init(connectorId: Int, type: AvailabilityType) {
            self.connectorId = connectorId
            self.type = type
        }
    }

    /// Whether the availability changed, or will once transactions end (ChangeAvailability.conf).
    public struct ChangeAvailabilityResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: AvailabilityStatus

        public init(status: AvailabilityStatus) {
            self.status = status
        }
    }

    /// Sets one configuration key (ChangeConfiguration.req).
    public struct ChangeConfigurationRequest: OCPPRequest {
        public typealias Response = ChangeConfigurationResponse
        public static let action = "ChangeConfiguration"
        /// The key's name.
        public var key: CiString50
        /// Its new value.
        public var value: CiString500

        public init(key: CiString50, value: CiString500) {
            self.key = key
            self.value = value
        }
    }

    /// Whether the key was changed (ChangeConfiguration.conf).
    public struct ChangeConfigurationResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: ConfigurationStatus

        public init(status: ConfigurationStatus) {
            self.status = status
        }
    }

    /// Empties the charge point's authorization cache (ClearCache.req); it has no fields.
    public struct ClearCacheRequest: OCPPRequest {
        public typealias Response = ClearCacheResponse
        public static let action = "ClearCache"

        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFieldKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoFieldKeys.self) }
    }

    /// Whether the cache was emptied (ClearCache.conf).
    public struct ClearCacheResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: ClearCacheStatus

        public init(status: ClearCacheStatus) {
            self.status = status
        }
    }

    /// A vendor-specific message, sent either way (DataTransfer.req).
    public struct DataTransferRequest: OCPPRequest {
        public typealias Response = DataTransferResponse
        public static let action = "DataTransfer"
        /// Identifies the vendor, ideally by a reversed DNS name.
        public var vendorId: CiString255
        /// Identifies the vendor's message.
        public var messageId: CiString50?
        /// The message's content, in a format agreed with the vendor.
        public var data: String?

        public init(vendorId: CiString255, messageId: CiString50? = nil, data: String? = nil) {
            self.vendorId = vendorId
            self.messageId = messageId
            self.data = data
        }
    }

    /// The receiver's answer to a vendor-specific message (DataTransfer.conf).
    public struct DataTransferResponse: Codable, Sendable, Equatable {
        /// Whether the message was understood and accepted.
        public var status: DataTransferStatus
        /// The answer's content, in a format agreed with the vendor.
        public var data: String?

        public init(status: DataTransferStatus, data: String? = nil) {
            self.status = status
            self.data = data
        }
    }

    /// Reads configuration keys (GetConfiguration.req).
    public struct GetConfigurationRequest: OCPPRequest {
        public typealias Response = GetConfigurationResponse
        public static let action = "GetConfiguration"
        /// The keys wanted; absent or empty means all of them.
        public var key: [CiString50]?

        public init(key: [CiString50]? = nil) {
            self.key = key
        }
    }

    /// The configuration keys asked for, and the ones the charge point does not know (GetConfiguration.conf).
    public struct GetConfigurationResponse: Codable, Sendable, Equatable {
        /// The known keys with their values.
        public var configurationKey: [KeyValue]?
        /// The requested keys that are not known.
        public var unknownKey: [CiString50]?

        public init(configurationKey: [KeyValue]? = nil, unknownKey: [CiString50]? = nil) {
            self.configurationKey = configurationKey
            self.unknownKey = unknownKey
        }
    }

    /// Tells the central system the charge point is alive (Heartbeat.req); it has no fields.
    public struct HeartbeatRequest: OCPPRequest {
        public typealias Response = HeartbeatResponse
        public static let action = "Heartbeat"

        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFieldKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoFieldKeys.self) }
    }

    /// The central system's clock (Heartbeat.conf).
    public struct HeartbeatResponse: Codable, Sendable, Equatable {
        /// The central system's current time.
        public var currentTime: Date

        public init(currentTime: Date) {
            self.currentTime = currentTime
        }
    }

    /// Meter readings of a connector, during a transaction or not (MeterValues.req).
    public struct MeterValuesRequest: OCPPRequest {
        public typealias Response = MeterValuesResponse
        public static let action = "MeterValues"
        /// The connector measured, or 0 for the charge point's main meter.
        public var connectorId: Int
        /// The transaction the readings belong to.
        public var transactionId: Int?
        /// The readings; the schema wants at least one.
        public var meterValue: [MeterValue]

        public init(connectorId: Int, transactionId: Int? = nil, meterValue: [MeterValue]) {
            self.connectorId = connectorId
            self.transactionId = transactionId
            self.meterValue = meterValue
        }
    }

    /// Acknowledges meter readings (MeterValues.conf); it has no fields.
    public struct MeterValuesResponse: Codable, Sendable, Equatable {
        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFieldKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoFieldKeys.self) }
    }

    /// Asks the charge point to start a transaction for an identifier (RemoteStartTransaction.req).
    public struct RemoteStartTransactionRequest: OCPPRequest {
        public typealias Response = RemoteStartTransactionResponse
        public static let action = "RemoteStartTransaction"
        /// The connector to start on (greater than 0); absent lets the charge point choose.
        public var connectorId: Int?
        /// The identifier to start the transaction for.
        public var idTag: CiString20
        /// A `TxProfile` charging profile for the transaction.
        public var chargingProfile: ChargingProfile?

        public init(connectorId: Int? = nil, idTag: CiString20, chargingProfile: ChargingProfile? = nil) {
            self.connectorId = connectorId
            self.idTag = idTag
            self.chargingProfile = chargingProfile
        }
    }

    /// Whether the charge point will try to start the transaction (RemoteStartTransaction.conf).
    public struct RemoteStartTransactionResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: RemoteStartStopStatus

        public init(status: RemoteStartStopStatus) {
            self.status = status
        }
    }

    /// Asks the charge point to stop a transaction (RemoteStopTransaction.req).
    public struct RemoteStopTransactionRequest: OCPPRequest {
        public typealias Response = RemoteStopTransactionResponse
        public static let action = "RemoteStopTransaction"
        /// The transaction to stop.
        public var transactionId: Int

        public init(transactionId: Int) {
            self.transactionId = transactionId
        }
    }

    /// Whether the charge point will try to stop the transaction (RemoteStopTransaction.conf).
    public struct RemoteStopTransactionResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: RemoteStartStopStatus

        public init(status: RemoteStartStopStatus) {
            self.status = status
        }
    }

    /// Asks the charge point to reboot (Reset.req).
    public struct ResetRequest: OCPPRequest {
        public typealias Response = ResetResponse
        public static let action = "Reset"
        /// A hard reset (power cycle) or a soft one (restart the software, stopping transactions first).
        public var type: ResetType

        public init(type: ResetType) {
            self.type = type
        }
    }

    /// Whether the charge point will reset (Reset.conf).
    public struct ResetResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: ResetStatus

        public init(status: ResetStatus) {
            self.status = status
        }
    }

    /// Reports a transaction that has started (StartTransaction.req).
    public struct StartTransactionRequest: OCPPRequest {
        public typealias Response = StartTransactionResponse
        public static let action = "StartTransaction"
        /// The connector charging (greater than 0).
        public var connectorId: Int
        /// The identifier the transaction was started for.
        public var idTag: CiString20
        /// The connector's energy meter reading at the start, in Wh.
        public var meterStart: Int
        /// The reservation this transaction ends.
        public var reservationId: Int?
        /// When the transaction started.
        public var timestamp: Date

        public init(connectorId: Int, idTag: CiString20, meterStart: Int, reservationId: Int? = nil, timestamp: Date) {
            self.connectorId = connectorId
            self.idTag = idTag
            self.meterStart = meterStart
            self.reservationId = reservationId
            self.timestamp = timestamp
        }
    }

    /// The transaction's id, and the verdict on its identifier (StartTransaction.conf).
    public struct StartTransactionResponse: Codable, Sendable, Equatable {
        /// Whether the identifier may charge.
        public var idTagInfo: IdTagInfo
        /// The id the central system gave the transaction.
        public var transactionId: Int

        public init(idTagInfo: IdTagInfo, transactionId: Int) {
            self.idTagInfo = idTagInfo
            self.transactionId = transactionId
        }
    }

    /// Reports the state of a connector, or of the whole charge point for connector 0 (StatusNotification.req).
    public struct StatusNotificationRequest: OCPPRequest {
        public typealias Response = StatusNotificationResponse
        public static let action = "StatusNotification"
        /// The connector, or 0 for the charge point's main controller.
        public var connectorId: Int
        /// The error, or `NoError`.
        public var errorCode: ChargePointErrorCode
        /// Free-form additional information about the error.
        public var info: CiString50?
        /// The new state.
        public var status: ChargePointStatus
        /// When the state was reached; absent means when the message was received.
        public var timestamp: Date?
        /// Identifies the vendor of `vendorErrorCode`.
        public var vendorId: CiString255?
        /// The vendor's own error code.
        public var vendorErrorCode: CiString50?

        public init(
            connectorId: Int, errorCode: ChargePointErrorCode, info: CiString50? = nil, status: ChargePointStatus,
            timestamp: Date? = nil, vendorId: CiString255? = nil, vendorErrorCode: CiString50? = nil
        ) {
            self.connectorId = connectorId
            self.errorCode = errorCode
            self.info = info
            self.status = status
            self.timestamp = timestamp
            self.vendorId = vendorId
            self.vendorErrorCode = vendorErrorCode
        }
    }

    /// Acknowledges a status report (StatusNotification.conf); it has no fields.
    public struct StatusNotificationResponse: Codable, Sendable, Equatable {
        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFieldKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoFieldKeys.self) }
    }

    /// Reports a transaction that has stopped (StopTransaction.req).
    public struct StopTransactionRequest: OCPPRequest {
        public typealias Response = StopTransactionResponse
        public static let action = "StopTransaction"
        /// The identifier that stopped the transaction, when one did.
        public var idTag: CiString20?
        /// The connector's energy meter reading at the end, in Wh.
        public var meterStop: Int
        /// When the transaction stopped.
        public var timestamp: Date
        /// The transaction, as StartTransaction.conf numbered it.
        public var transactionId: Int
        /// Why it stopped; absent means `Local`.
        public var reason: Reason?
        /// Readings taken during the transaction, for billing.
        public var transactionData: [MeterValue]?

        public init(
            idTag: CiString20? = nil, meterStop: Int, timestamp: Date, transactionId: Int, reason: Reason? = nil,
            transactionData: [MeterValue]? = nil
        ) {
            self.idTag = idTag
            self.meterStop = meterStop
            self.timestamp = timestamp
            self.transactionId = transactionId
            self.reason = reason
            self.transactionData = transactionData
        }
    }

    /// Acknowledges a stopped transaction, with the verdict on the stopping identifier (StopTransaction.conf).
    public struct StopTransactionResponse: Codable, Sendable, Equatable {
        /// Whether the identifier that stopped the transaction is valid; present only when an `idTag` was sent.
        public var idTagInfo: IdTagInfo?

        public init(idTagInfo: IdTagInfo? = nil) {
            self.idTagInfo = idTagInfo
        }
    }

    /// Asks the charge point to unlock a connector's cable (UnlockConnector.req).
    public struct UnlockConnectorRequest: OCPPRequest {
        public typealias Response = UnlockConnectorResponse
        public static let action = "UnlockConnector"
        /// The connector to unlock (greater than 0).
        public var connectorId: Int

        public init(connectorId: Int) {
            self.connectorId = connectorId
        }
    }

    /// Whether the connector was unlocked (UnlockConnector.conf).
    public struct UnlockConnectorResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: UnlockStatus

        public init(status: UnlockStatus) {
            self.status = status
        }
    }
}
