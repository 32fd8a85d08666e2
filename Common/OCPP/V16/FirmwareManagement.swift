public import Foundation

// The Firmware Management profile: diagnostics uploads and firmware updates.
extension OCPP16 {
    /// Asks the charge point to upload a diagnostics file (GetDiagnostics.req).
    public struct GetDiagnosticsRequest: OCPPRequest {
        public typealias Response = GetDiagnosticsResponse
        public static let action = "GetDiagnostics"
        /// The directory URI to upload the file to (e.g. FTP or HTTP(S)).
        public var location: String
        /// How many times to retry the upload; absent lets the charge point decide.
        public var retries: Int?
        /// Seconds between retries; absent lets the charge point decide.
        public var retryInterval: Int?
        /// The oldest logging information to include.
        public var startTime: Date?
        /// The newest logging information to include.
        public var stopTime: Date?

        public init(
            location: String, retries: Int? = nil, retryInterval: Int? = nil, startTime: Date? = nil,
            stopTime: Date? = nil
        ) {
            self.location = location
            self.retries = retries
            self.retryInterval = retryInterval
            self.startTime = startTime
            self.stopTime = stopTime
        }
    }

    /// The name of the file the charge point will upload (GetDiagnostics.conf).
    public struct GetDiagnosticsResponse: Codable, Sendable, Equatable {
        /// The file's name; absent when there is no diagnostics information to upload.
        public var fileName: CiString255?

        public init(fileName: CiString255? = nil) {
            self.fileName = fileName
        }
    }

    /// Reports the progress of a diagnostics upload (DiagnosticsStatusNotification.req).
    public struct DiagnosticsStatusNotificationRequest: OCPPRequest {
        public typealias Response = DiagnosticsStatusNotificationResponse
        public static let action = "DiagnosticsStatusNotification"
        /// Where the upload stands.
        public var status: DiagnosticsStatus

        public init(status: DiagnosticsStatus) {
            self.status = status
        }
    }

    /// Acknowledges a diagnostics progress report (DiagnosticsStatusNotification.conf); it has no fields.
    public struct DiagnosticsStatusNotificationResponse: Codable, Sendable, Equatable {
        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFieldKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoFieldKeys.self) }
    }

    /// Reports the progress of a firmware update (FirmwareStatusNotification.req).
    public struct FirmwareStatusNotificationRequest: OCPPRequest {
        public typealias Response = FirmwareStatusNotificationResponse
        public static let action = "FirmwareStatusNotification"
        /// Where the update stands.
        public var status: FirmwareStatus

        public init(status: FirmwareStatus) {
            self.status = status
        }
    }

    /// Acknowledges a firmware progress report (FirmwareStatusNotification.conf); it has no fields.
    public struct FirmwareStatusNotificationResponse: Codable, Sendable, Equatable {
        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFieldKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoFieldKeys.self) }
    }

    /// Asks the charge point to download and install new firmware (UpdateFirmware.req).
    public struct UpdateFirmwareRequest: OCPPRequest {
        public typealias Response = UpdateFirmwareResponse
        public static let action = "UpdateFirmware"
        /// The URI to download the firmware from.
        public var location: String
        /// How many times to retry the download; absent lets the charge point decide.
        public var retries: Int?
        /// When to start the download at the earliest.
        public var retrieveDate: Date
        /// Seconds between retries; absent lets the charge point decide.
        public var retryInterval: Int?

        public init(location: String, retries: Int? = nil, retrieveDate: Date, retryInterval: Int? = nil) {
            self.location = location
            self.retries = retries
            self.retrieveDate = retrieveDate
            self.retryInterval = retryInterval
        }
    }

    /// Acknowledges a firmware update request (UpdateFirmware.conf); it has no fields.
    public struct UpdateFirmwareResponse: Codable, Sendable, Equatable {
        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFieldKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoFieldKeys.self) }
    }
}
