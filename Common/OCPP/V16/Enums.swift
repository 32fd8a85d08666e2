extension OCPP16 {
    /// Whether an identifier may charge, as the central system or the local list judges it (`AuthorizationStatus`).
    public enum AuthorizationStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case blocked = "Blocked"
        case expired = "Expired"
        case invalid = "Invalid"
        case concurrentTx = "ConcurrentTx"
    }

    /// The charge point's answer to ChangeAvailability (`AvailabilityStatus`).
    public enum AvailabilityStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
        /// The change happens once the transactions in progress have finished.
        case scheduled = "Scheduled"
    }

    /// The availability ChangeAvailability asks for (`AvailabilityType`).
    public enum AvailabilityType: String, Codable, Sendable, CaseIterable {
        case inoperative = "Inoperative"
        case operative = "Operative"
    }

    /// The charge point's answer to CancelReservation (`CancelReservationStatus`).
    public enum CancelReservationStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// The error a connector or the charge point reports in StatusNotification (`ChargePointErrorCode`).
    public enum ChargePointErrorCode: String, Codable, Sendable, CaseIterable {
        case connectorLockFailure = "ConnectorLockFailure"
        case evCommunicationError = "EVCommunicationError"
        case groundFailure = "GroundFailure"
        case highTemperature = "HighTemperature"
        case internalError = "InternalError"
        case localListConflict = "LocalListConflict"
        case noError = "NoError"
        case otherError = "OtherError"
        case overCurrentFailure = "OverCurrentFailure"
        case powerMeterFailure = "PowerMeterFailure"
        case powerSwitchFailure = "PowerSwitchFailure"
        case readerFailure = "ReaderFailure"
        case resetFailure = "ResetFailure"
        case underVoltage = "UnderVoltage"
        case overVoltage = "OverVoltage"
        case weakSignal = "WeakSignal"
    }

    /// The state of a connector, or of the whole charge point for connector 0 (`ChargePointStatus`).
    public enum ChargePointStatus: String, Codable, Sendable, CaseIterable {
        case available = "Available"
        case preparing = "Preparing"
        case charging = "Charging"
        /// The EVSE does not offer energy (e.g. a charging profile limits it to zero).
        case suspendedEVSE = "SuspendedEVSE"
        /// Energy is offered but the EV does not take it.
        case suspendedEV = "SuspendedEV"
        case finishing = "Finishing"
        case reserved = "Reserved"
        case unavailable = "Unavailable"
        case faulted = "Faulted"
    }

    /// How the periods of a charging schedule are anchored in time (`ChargingProfileKindType`).
    public enum ChargingProfileKindType: String, Codable, Sendable, CaseIterable {
        /// Relative to `startSchedule`.
        case absolute = "Absolute"
        /// Restarts every day or week, after `recurrencyKind`.
        case recurring = "Recurring"
        /// Relative to a situation-specific start, such as the start of the transaction.
        case relative = "Relative"
    }

    /// What a charging profile is for (`ChargingProfilePurposeType`).
    public enum ChargingProfilePurposeType: String, Codable, Sendable, CaseIterable {
        /// Limits the whole charge point; only on connector 0.
        case chargePointMaxProfile = "ChargePointMaxProfile"
        /// The default for new transactions.
        case txDefaultProfile = "TxDefaultProfile"
        /// Applies to one running transaction only.
        case txProfile = "TxProfile"
    }

    /// The charge point's answer to SetChargingProfile (`ChargingProfileStatus`).
    public enum ChargingProfileStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case notSupported = "NotSupported"
    }

    /// The unit a charging schedule's limits are in (`ChargingRateUnitType`).
    public enum ChargingRateUnitType: String, Codable, Sendable, CaseIterable {
        /// Amperes, per phase.
        case a = "A"
        /// Watts, total.
        case w = "W"
    }

    /// The charge point's answer to ClearCache (`ClearCacheStatus`).
    public enum ClearCacheStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// The charge point's answer to ClearChargingProfile (`ClearChargingProfileStatus`).
    public enum ClearChargingProfileStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        /// No profile matched the criteria.
        case unknown = "Unknown"
    }

    /// The charge point's answer to ChangeConfiguration (`ConfigurationStatus`).
    public enum ConfigurationStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case rebootRequired = "RebootRequired"
        case notSupported = "NotSupported"
    }

    /// The receiver's answer to DataTransfer (`DataTransferStatus`).
    public enum DataTransferStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case unknownMessageId = "UnknownMessageId"
        case unknownVendorId = "UnknownVendorId"
    }

    /// The progress of a diagnostics upload (`DiagnosticsStatus`).
    public enum DiagnosticsStatus: String, Codable, Sendable, CaseIterable {
        case idle = "Idle"
        case uploaded = "Uploaded"
        case uploadFailed = "UploadFailed"
        case uploading = "Uploading"
    }

    /// The progress of a firmware update (`FirmwareStatus`).
    public enum FirmwareStatus: String, Codable, Sendable, CaseIterable {
        case downloaded = "Downloaded"
        case downloadFailed = "DownloadFailed"
        case downloading = "Downloading"
        case idle = "Idle"
        case installationFailed = "InstallationFailed"
        case installing = "Installing"
        case installed = "Installed"
    }

    /// The charge point's answer to GetCompositeSchedule (`GetCompositeScheduleStatus`).
    public enum GetCompositeScheduleStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// Where a sampled value is measured (`Location`).
    public enum Location: String, Codable, Sendable, CaseIterable {
        case cable = "Cable"
        case ev = "EV"
        case inlet = "Inlet"
        case outlet = "Outlet"
        case body = "Body"
    }

    /// What quantity a sampled value is (`Measurand`); absent means `Energy.Active.Import.Register`.
    public enum Measurand: String, Codable, Sendable, CaseIterable {
        case energyActiveExportRegister = "Energy.Active.Export.Register"
        case energyActiveImportRegister = "Energy.Active.Import.Register"
        case energyReactiveExportRegister = "Energy.Reactive.Export.Register"
        case energyReactiveImportRegister = "Energy.Reactive.Import.Register"
        case energyActiveExportInterval = "Energy.Active.Export.Interval"
        case energyActiveImportInterval = "Energy.Active.Import.Interval"
        case energyReactiveExportInterval = "Energy.Reactive.Export.Interval"
        case energyReactiveImportInterval = "Energy.Reactive.Import.Interval"
        case powerActiveExport = "Power.Active.Export"
        case powerActiveImport = "Power.Active.Import"
        case powerOffered = "Power.Offered"
        case powerReactiveExport = "Power.Reactive.Export"
        case powerReactiveImport = "Power.Reactive.Import"
        case powerFactor = "Power.Factor"
        case currentImport = "Current.Import"
        case currentExport = "Current.Export"
        case currentOffered = "Current.Offered"
        case voltage = "Voltage"
        case frequency = "Frequency"
        case temperature = "Temperature"
        /// State of charge of the EV, in percent.
        case soc = "SoC"
        /// Fan speed.
        case rpm = "RPM"
    }

    /// The message TriggerMessage asks the charge point to send (`MessageTrigger`).
    public enum MessageTrigger: String, Codable, Sendable, CaseIterable {
        case bootNotification = "BootNotification"
        case diagnosticsStatusNotification = "DiagnosticsStatusNotification"
        case firmwareStatusNotification = "FirmwareStatusNotification"
        case heartbeat = "Heartbeat"
        case meterValues = "MeterValues"
        case statusNotification = "StatusNotification"
    }

    /// The phase, or pair of phases, a sampled value applies to (`Phase`).
    public enum Phase: String, Codable, Sendable, CaseIterable {
        case l1 = "L1"
        case l2 = "L2"
        case l3 = "L3"
        case n = "N"
        case l1N = "L1-N"
        case l2N = "L2-N"
        case l3N = "L3-N"
        case l1L2 = "L1-L2"
        case l2L3 = "L2-L3"
        case l3L1 = "L3-L1"
    }

    /// Why a sampled value was taken (`ReadingContext`); absent means `Sample.Periodic`.
    public enum ReadingContext: String, Codable, Sendable, CaseIterable {
        case interruptionBegin = "Interruption.Begin"
        case interruptionEnd = "Interruption.End"
        case sampleClock = "Sample.Clock"
        case samplePeriodic = "Sample.Periodic"
        case transactionBegin = "Transaction.Begin"
        case transactionEnd = "Transaction.End"
        case trigger = "Trigger"
        case other = "Other"
    }

    /// Why a transaction stopped (`Reason`); absent means `Local`.
    public enum Reason: String, Codable, Sendable, CaseIterable {
        case emergencyStop = "EmergencyStop"
        case evDisconnected = "EVDisconnected"
        case hardReset = "HardReset"
        case local = "Local"
        case other = "Other"
        case powerLoss = "PowerLoss"
        case reboot = "Reboot"
        case remote = "Remote"
        case softReset = "SoftReset"
        case unlockCommand = "UnlockCommand"
        case deAuthorized = "DeAuthorized"
    }

    /// When a recurring charging schedule starts over (`RecurrencyKindType`).
    public enum RecurrencyKindType: String, Codable, Sendable, CaseIterable {
        case daily = "Daily"
        /// At the start of the week, Monday morning.
        case weekly = "Weekly"
    }

    /// The central system's answer to BootNotification (`RegistrationStatus`).
    public enum RegistrationStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case pending = "Pending"
        case rejected = "Rejected"
    }

    /// The charge point's answer to RemoteStartTransaction and RemoteStopTransaction (`RemoteStartStopStatus`).
    public enum RemoteStartStopStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// The charge point's answer to ReserveNow (`ReservationStatus`).
    public enum ReservationStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case faulted = "Faulted"
        case occupied = "Occupied"
        case rejected = "Rejected"
        case unavailable = "Unavailable"
    }

    /// The charge point's answer to Reset (`ResetStatus`).
    public enum ResetStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
    }

    /// The kind of reset asked for (`ResetType`).
    public enum ResetType: String, Codable, Sendable, CaseIterable {
        case hard = "Hard"
        case soft = "Soft"
    }

    /// The charge point's answer to TriggerMessage (`TriggerMessageStatus`).
    public enum TriggerMessageStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case notImplemented = "NotImplemented"
    }

    /// The unit of a sampled value (`UnitOfMeasure`); absent means `Wh`.
    ///
    /// `Hertz` is only in the MeterValues schema, not in StopTransaction's; `Celcius` is the spec's misspelling,
    /// kept because chargers send it.
    public enum UnitOfMeasure: String, Codable, Sendable, CaseIterable {
        case wh = "Wh"
        case kWh = "kWh"
        case varh = "varh"
        case kvarh = "kvarh"
        case w = "W"
        case kW = "kW"
        case va = "VA"
        case kVA = "kVA"
        case `var` = "var"
        case kvar = "kvar"
        case a = "A"
        case v = "V"
        case k = "K"
        case celcius = "Celcius"
        case celsius = "Celsius"
        case fahrenheit = "Fahrenheit"
        case percent = "Percent"
        case hertz = "Hertz"
    }

    /// The charge point's answer to UnlockConnector (`UnlockStatus`).
    public enum UnlockStatus: String, Codable, Sendable, CaseIterable {
        case unlocked = "Unlocked"
        case unlockFailed = "UnlockFailed"
        case notSupported = "NotSupported"
    }

    /// The charge point's answer to SendLocalList (`UpdateStatus`).
    public enum UpdateStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case failed = "Failed"
        case notSupported = "NotSupported"
        case versionMismatch = "VersionMismatch"
    }

    /// Whether SendLocalList replaces the local list or changes it (`UpdateType`).
    public enum UpdateType: String, Codable, Sendable, CaseIterable {
        case differential = "Differential"
        case full = "Full"
    }

    /// How a sampled value's text is to be read (`ValueFormat`); absent means `Raw`.
    public enum ValueFormat: String, Codable, Sendable, CaseIterable {
        /// A plain number.
        case raw = "Raw"
        /// A signed binary blob, hex-encoded.
        case signedData = "SignedData"
    }
}
