public import CloudStore
import Crypto
public import Foundation
import SwiftASN1
import X509

/// Why a firmware image or campaign was refused; `notFound` for ids the caller may not see.
public enum FirmwareError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .invalid(let reason), .notFound(let reason): reason
        }
    }
}

/// What a new campaign asks for (the API's JSON body; the dashboard's form makes the same).
public struct CampaignRequest: Decodable, Sendable {
    public var name: String
    public var image: String
    public var sites: [String]?
    public var stations: [String]?
    /// Groups of stations: their members when the campaign is created.
    public var groups: [String]?
    /// Absent: now.
    public var startAt: Date?
    /// Stations sent the update per minute at most; absent: 10.
    public var ratePerMinute: Int?

    public init(
        name: String, image: String, sites: [String]? = nil, stations: [String]? = nil, groups: [String]? = nil,
        startAt: Date? = nil, ratePerMinute: Int? = nil
    ) {
        self.name = name
        self.image = image
        self.sites = sites
        self.stations = stations
        self.groups = groups
        self.startAt = startAt
        self.ratePerMinute = ratePerMinute
    }
}

/// Firmware images and campaigns: the checks and the records, shared by the API and the dashboard.
public enum FirmwareCatalog {
    /// The largest image the cloud keeps (it is held in memory while uploaded; it is served in chunks).
    public static let maxImageBytes = 256 << 20

    /// An uploaded image, kept in the store and served at `/firmware/<id>/<fileName>`.
    public static func addUpload(
        name: String, version: String, fileName: String, data: Data, user: String?, organization: String?,
        repository: any CloudRepository
    ) async throws -> FirmwareImage {
        try check(name: name, version: version)
        guard !fileName.isEmpty, fileName.count <= 100,
            fileName.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-+".unicodeScalars.contains($0) })
        else {
            throw FirmwareError.invalid("fileName must be 1 to 100 letters, digits, '.', '_', '-' or '+', got '\(fileName)'")
        }
        guard !data.isEmpty else { throw FirmwareError.invalid("the image is empty") }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let image = FirmwareImage(
            id: newId(), name: name, version: version, fileName: fileName, size: data.count, sha256: digest, url: nil,
            createdAt: Date(), createdBy: user, organization: organization)
        try await repository.addFirmwareImage(image, data: data)
        return image
    }

    /// An image the stations download from somewhere else.
    /// `allowUnencrypted`: an `http` or `ftp` URL is taken only when asked for explicitly (security review, finding
    /// 20: on the way to the charger the image can be replaced).
    public static func addExternal(
        name: String, version: String, url: String, allowUnencrypted: Bool = false, user: String?, organization: String?,
        repository: any CloudRepository
    ) async throws -> FirmwareImage {
        try check(name: name, version: version)
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            ["http", "https", "ftp", "ftps"].contains(scheme), parsed.host != nil, url.count <= 512
        else {
            throw FirmwareError.invalid("url must be an http(s) or ftp(s) URL of at most 512 characters, got '\(url)'")
        }
        guard scheme == "https" || scheme == "ftps" || allowUnencrypted else {
            throw FirmwareError.invalid(
                "url is \(scheme)://, which anyone on the way can replace: use https:// or ftps://, or say "
                    + "allowUnencrypted: true for a charger that can do no better")
        }
        let image = FirmwareImage(
            id: newId(), name: name, version: version, fileName: nil, size: nil, sha256: nil, url: url, createdAt: Date(),
            createdBy: user, organization: organization, allowUnencrypted: scheme == "http" || scheme == "ftp")
        try await repository.addFirmwareImage(image, data: nil)
        return image
    }

    /// A campaign over the stations of `request.sites`, `request.stations` and `request.groups`, only those the
    /// caller may see (a site only if the caller sees it whole), of an image of the caller's `organization`; the
    /// campaign is that organization's.
    /// `publicBase` is how stations reach this cloud (`https://host:port`, `http.public_url`), for an uploaded image's
    /// URL: without it, a campaign of an uploaded image is refused (a URL built from a request's `Host` could point
    /// anywhere: security review, finding 34).
    public static func createCampaign(
        _ request: CampaignRequest, scope: Scope?, publicBase: String?, user: String?, organization: String? = nil,
        repository: any CloudRepository, now: Date = Date()
    ) async throws -> FirmwareCampaign {
        let name = request.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw FirmwareError.invalid("name must be 1 to 100 characters") }
        guard let image = try await repository.firmwareImage(id: request.image),
            sees(owner: image.organization, organization: organization)
        else {
            throw FirmwareError.notFound("no firmware image '\(request.image)'")
        }
        if let url = image.url, let scheme = URL(string: url)?.scheme?.lowercased(), scheme == "http" || scheme == "ftp",
            !image.allowUnencrypted
        {
            throw FirmwareError.invalid(
                "image '\(image.id)' was registered with a \(scheme):// URL before such URLs had to be allowed explicitly: "
                    + "register it again with an https:// URL, or with allowUnencrypted: true")
        }
        let rate = request.ratePerMinute ?? 10
        guard (1...10_000).contains(rate) else {
            throw FirmwareError.invalid("ratePerMinute must be 1 to 10000, got \(rate)")
        }
        var targets: Set<StationKey> = []
        for site in request.sites ?? [] {
            guard scope.seesWhole(site: site), try await repository.site(id: site) != nil else {
                throw FirmwareError.notFound("no site '\(site)'")
            }
            for station in try await repository.stations(site: site, in: scope) { targets.insert(station.key) }
        }
        for reference in request.stations ?? [] {
            do {
                targets.insert(try await repository.resolveStation(reference, in: scope).key)
            } catch let error as StationLookupError {
                switch error {
                case .notFound: throw FirmwareError.notFound(error.description)
                case .ambiguous: throw FirmwareError.invalid(error.description)
                }
            }
        }
        if let groups = request.groups, !groups.isEmpty {
            let visible = Dictionary(
                try await repository.groups(in: scope).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            for id in groups {
                guard let group = visible[id] else { throw FirmwareError.notFound("no group '\(id)'") }
                for key in group.stations where try await repository.station(site: key.site, id: key.station) != nil {
                    targets.insert(key)
                }
            }
        }
        guard !targets.isEmpty else {
            throw FirmwareError.invalid("the campaign has no stations: give sites, stations or groups")
        }
        let startAt = request.startAt ?? now
        let location: String
        if let url = image.url {
            location = url
        } else if let publicBase {
            location = "\(publicBase)/firmware/\(image.id)/\(image.fileName ?? "firmware.bin")"
        } else {
            throw FirmwareError.invalid(
                "an uploaded image is sent from this cloud's own URL: set http.public_url in cloud.yaml (how chargers reach "
                    + "this cloud, such as https://cloud.example.com) first")
        }
        let campaign = FirmwareCampaign(
            id: newId(), name: name, image: image.id, location: location, startAt: startAt, ratePerMinute: rate,
            state: "scheduled", createdAt: now, createdBy: user, organization: organization)
        try await repository.addCampaign(campaign, targets: targets.sorted().map { ($0.station, $0.site) })
        return try await repository.campaign(id: campaign.id) ?? campaign
    }

    /// Whether a caller of `organization` (nil: the fleet's own staff, who see all) sees firmware of `owner`
    /// (security review, finding 2: a client organization sees, uses and stops only its own).
    public static func sees(owner: String?, organization: String?) -> Bool { organization == nil || owner == organization }

    /// Gives an image of the caller's its manufacturer's signature (Base64, at most 800 characters) and firmware
    /// signing certificate (one PEM certificate, at most 5,500 characters), as OCPP 1.6's security extension carries
    /// them; or, with both nil, takes them away. Campaigns of a signed image send SignedUpdateFirmware, and the
    /// charger checks the image against them before it installs it; the cloud only checks their form.
    public static func setSignature(
        image id: String, signature: String?, signingCertificate: String?, organization: String?,
        repository: any CloudRepository
    ) async throws -> FirmwareImage {
        guard var image = try await repository.firmwareImage(id: id), sees(owner: image.organization, organization: organization)
        else {
            throw FirmwareError.notFound("no firmware image '\(id)'")
        }
        // OCPP's lengths are JSON Schema's, in code points; a browser's textarea sends CRLF line ends.
        let signature = signature?.trimmingCharacters(in: .whitespacesAndNewlines)
        let certificate = signingCertificate?.replacingOccurrences(of: "\r\n", with: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        switch (signature, certificate) {
        case (nil, nil):
            break
        case (let signature?, let certificate?):
            guard signature.unicodeScalars.count <= 800, !signature.isEmpty, Data(base64Encoded: signature) != nil else {
                throw FirmwareError.invalid("signature must be the image's signature in Base64, at most 800 characters")
            }
            guard certificate.unicodeScalars.count <= 5500 else {
                throw FirmwareError.invalid(
                    "signingCertificate is \(certificate.unicodeScalars.count) characters; OCPP carries at most 5500")
            }
            guard (try? Certificate(pemEncoded: certificate)) != nil else {
                throw FirmwareError.invalid(
                    "signingCertificate must be one X.509 certificate in PEM (-----BEGIN CERTIFICATE----- …)")
            }
        default:
            throw FirmwareError.invalid("give both signature and signingCertificate (or neither, to remove them)")
        }
        try await repository.setFirmwareSignature(image: id, signature: signature, signingCertificate: certificate)
        image.signature = signature
        image.signingCertificate = certificate
        return image
    }

    private static func check(name: String, version: String) throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 100 else {
            throw FirmwareError.invalid("name must be 1 to 100 characters")
        }
        guard !version.isEmpty, version.count <= 50 else { throw FirmwareError.invalid("version must be 1 to 50 characters") }
    }

    /// 128 random bits: an image's id is also the secret part of its download URL.
    static func newId() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
