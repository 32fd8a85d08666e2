public import Foundation

// The parts of the OCPP 1.6 security extension (Improved security for OCPP 1.6-J, edition 3) Gridside speaks: signed
// firmware updates and security events. Certificate management (InstallCertificate, SignCertificate …) is not
// included.
extension OCPP16 {
    /// Asks the charge point to download, verify and install firmware signed by its manufacturer
    /// (SignedUpdateFirmware.req).
    public struct SignedUpdateFirmwareRequest: OCPPRequest {
        public typealias Response = SignedUpdateFirmwareResponse
        public static let action = "SignedUpdateFirmware"
        /// How many times to retry the download; absent lets the charge point decide.
        public var retries: Int?
        /// Seconds between retries; absent lets the charge point decide.
        public var retryInterval: Int?
        /// Names this update in the charge point's SignedFirmwareStatusNotifications.
        public var requestId: Int
        public var firmware: Firmware

        public init(requestId: Int, firmware: Firmware, retries: Int? = nil, retryInterval: Int? = nil) {
            self.requestId = requestId
            self.firmware = firmware
            self.retries = retries
            self.retryInterval = retryInterval
        }
    }

    /// The image, where to get it, and what proves it is the manufacturer's (`FirmwareType`).
    public struct Firmware: Codable, Sendable, Equatable {
        /// The URI to download the firmware from.
        public var location: CiString<CiLength512>
        /// When to start the download at the earliest.
        public var retrieveDateTime: Date
        /// When to install it at the earliest; absent: once downloaded and verified.
        public var installDateTime: Date?
        /// The manufacturer's firmware signing certificate, PEM.
        public var signingCertificate: CiString<CiLength5500>
        /// The image's signature, Base64.
        public var signature: CiString<CiLength800>

        public init(
            location: CiString<CiLength512>, retrieveDateTime: Date, installDateTime: Date? = nil,
            signingCertificate: CiString<CiLength5500>, signature: CiString<CiLength800>
        ) {
            self.location = location
            self.retrieveDateTime = retrieveDateTime
            self.installDateTime = installDateTime
            self.signingCertificate = signingCertificate
            self.signature = signature
        }
    }

    /// Whether the charge point takes the signed update (SignedUpdateFirmware.conf).
    public struct SignedUpdateFirmwareResponse: Codable, Sendable, Equatable {
        public var status: UpdateFirmwareStatus

        public init(status: UpdateFirmwareStatus) {
            self.status = status
        }
    }

    /// The charge point's answer to SignedUpdateFirmware (`UpdateFirmwareStatusEnumType`).
    public enum UpdateFirmwareStatus: String, Codable, Sendable, CaseIterable {
        case accepted = "Accepted"
        case rejected = "Rejected"
        case acceptedCanceled = "AcceptedCanceled"
        case invalidCertificate = "InvalidCertificate"
        case revokedCertificate = "RevokedCertificate"
    }

    /// Reports the progress of a signed firmware update (SignedFirmwareStatusNotification.req).
    public struct SignedFirmwareStatusNotificationRequest: OCPPRequest {
        public typealias Response = SignedFirmwareStatusNotificationResponse
        public static let action = "SignedFirmwareStatusNotification"
        public var status: SignedFirmwareStatus
        /// The update's `requestId`; absent for `Idle` or a status not caused by an update.
        public var requestId: Int?

        public init(status: SignedFirmwareStatus, requestId: Int? = nil) {
            self.status = status
            self.requestId = requestId
        }
    }

    /// Acknowledges a signed firmware progress report; it has no fields.
    public struct SignedFirmwareStatusNotificationResponse: Codable, Sendable, Equatable {
        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFieldKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoFieldKeys.self) }
    }

    /// Where a signed firmware update stands (`FirmwareStatusEnumType` of the security extension).
    public enum SignedFirmwareStatus: String, Codable, Sendable, CaseIterable {
        case downloaded = "Downloaded"
        case downloadFailed = "DownloadFailed"
        case downloading = "Downloading"
        case downloadScheduled = "DownloadScheduled"
        case downloadPaused = "DownloadPaused"
        case idle = "Idle"
        case installationFailed = "InstallationFailed"
        case installing = "Installing"
        case installed = "Installed"
        case installRebooting = "InstallRebooting"
        case installScheduled = "InstallScheduled"
        case installVerificationFailed = "InstallVerificationFailed"
        case invalidSignature = "InvalidSignature"
        case signatureVerified = "SignatureVerified"
    }

    /// Something security-related happened at the charge point (SecurityEventNotification.req): a firmware
    /// signature that failed, a reset, a tamper switch, a failed login on its local interface …
    public struct SecurityEventNotificationRequest: OCPPRequest {
        public typealias Response = SecurityEventNotificationResponse
        public static let action = "SecurityEventNotification"
        /// The event, e.g. `InvalidFirmwareSignature`, `TamperDetectionActivated` (the extension's list, or the vendor's).
        public var type: CiString50
        public var timestamp: Date
        /// Further detail, as the charge point words it.
        public var techInfo: CiString255?

        public init(type: CiString50, timestamp: Date, techInfo: CiString255? = nil) {
            self.type = type
            self.timestamp = timestamp
            self.techInfo = techInfo
        }
    }

    /// Acknowledges a security event; it has no fields.
    public struct SecurityEventNotificationResponse: Codable, Sendable, Equatable {
        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFieldKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoFieldKeys.self) }
    }
}
