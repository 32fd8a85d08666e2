public import Foundation

/// A firmware image: uploaded (kept in the store and served by the cloud) or at an external URL.
public struct FirmwareImage: Sendable, Equatable, Codable {
    /// An uploaded image is kept and served in chunks of this size: a download holds one at a time.
    public static let chunkBytes = 1 << 20

    public var id: String
    public var name: String
    public var version: String
    /// The uploaded file's name, as chargers download it; nil for an external URL.
    public var fileName: String?
    public var size: Int?
    public var sha256: String?
    /// The external URL; nil for an uploaded file.
    public var url: String?
    public var createdAt: Date
    public var createdBy: String?
    /// The client organization whose image it is; nil: the fleet's own staff's. Each sees only its own.
    public var organization: String?
    /// An external `http://` or `ftp://` URL that was explicitly allowed when the image was registered; one registered
    /// before plain URLs needed that is not used for new campaigns until registered again.
    public var allowUnencrypted: Bool
    /// The manufacturer's signature of the image (Base64) and its firmware signing certificate (PEM): with them,
    /// campaigns send SignedUpdateFirmware and the charger verifies the image before installing it (OCPP 1.6
    /// security extension).
    public var signature: String?
    public var signingCertificate: String?

    public init(
        id: String, name: String, version: String, fileName: String?, size: Int?, sha256: String?, url: String?,
        createdAt: Date, createdBy: String?, organization: String? = nil, allowUnencrypted: Bool = false,
        signature: String? = nil, signingCertificate: String? = nil
    ) {
        self.organization = organization
        self.allowUnencrypted = allowUnencrypted
        self.signature = signature
        self.signingCertificate = signingCertificate
        self.id = id
        self.name = name
        self.version = version
        self.fileName = fileName
        self.size = size
        self.sha256 = sha256
        self.url = url
        self.createdAt = createdAt
        self.createdBy = createdBy
    }
}

/// A firmware roll-out: one image to a set of stations, from a start time, at most `ratePerMinute` stations a
/// minute.
public struct FirmwareCampaign: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var image: String
    /// Where the stations download the image from (the cloud's own URL for an uploaded image).
    public var location: String
    public var startAt: Date
    public var ratePerMinute: Int
    /// `scheduled` (before its start), `running`, `stopped`, `finished`.
    public var state: String
    public var createdAt: Date
    public var createdBy: String?
    /// The client organization whose campaign it is; nil: the fleet's own staff's. Each sees and stops only its own.
    public var organization: String?
    public var finishedAt: Date?
    /// How many targets are in each state.
    public var progress: [String: Int]
    public var targets: [FirmwareTarget]?

    public init(
        id: String, name: String, image: String, location: String, startAt: Date, ratePerMinute: Int, state: String,
        createdAt: Date, createdBy: String?, organization: String? = nil, finishedAt: Date? = nil,
        progress: [String: Int] = [:], targets: [FirmwareTarget]? = nil
    ) {
        self.organization = organization
        self.id = id
        self.name = name
        self.image = image
        self.location = location
        self.startAt = startAt
        self.ratePerMinute = ratePerMinute
        self.state = state
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.finishedAt = finishedAt
        self.progress = progress
        self.targets = targets
    }
}

/// One station of a campaign and how far it got.
public struct FirmwareTarget: Sendable, Equatable, Codable {
    public var station: String
    public var site: String
    public var key: StationKey { StationKey(site: site, station: station) }
    /// `pending` (not sent yet), `sent` (UpdateFirmware accepted), then what the station reports:
    /// `Downloading`, `Downloaded`, `Installing`, `Installed`, `DownloadFailed`, `InstallationFailed`; `skipped`
    /// when the campaign stopped before it was sent.
    public var state: String
    public var sentAt: Date?
    public var updatedAt: Date?
    /// Why the last attempt to send failed, or the station's last report.
    public var detail: String?

    public init(station: String, site: String, state: String, sentAt: Date?, updatedAt: Date?, detail: String?) {
        self.station = station
        self.site = site
        self.state = state
        self.sentAt = sentAt
        self.updatedAt = updatedAt
        self.detail = detail
    }

    /// States after which nothing more is expected of the station. A signed update may also end in the station's
    /// `InvalidSignature` or `InstallVerificationFailed`, in its refusal of the certificate (`InvalidCertificate`,
    /// `RevokedCertificate`) or of the update (`Rejected`), or in `NotSupported` when the station does not speak the
    /// security extension; any update in `Invalid` when the edge refused its payload.
    public static let finalStates: Set = [
        "Installed", "DownloadFailed", "InstallationFailed", "skipped", "timeout", "InvalidSignature",
        "InstallVerificationFailed", "InvalidCertificate", "RevokedCertificate", "Rejected", "NotSupported", "Invalid",
    ]
}
