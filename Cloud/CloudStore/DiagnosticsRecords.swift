public import Foundation

/// A station's diagnostics asked for from the cloud (OCPP 1.6 GetDiagnostics): the request, what the station
/// answered and reported on the way (DiagnosticsStatusNotification), and the file it uploaded to the cloud.
public struct DiagnosticsRecord: Sendable, Equatable, Codable {
    public var id: String
    public var site: String
    public var station: String
    public var requestedBy: String?
    public var requestedAt: Date
    /// Until when the upload URL takes a file.
    public var expiresAt: Date
    /// `requested` (sent, no answer yet), `accepted` (the station will upload), `refused` (the edge or station said
    /// no; `detail` says why), `uploaded` (the file is here).
    public var state: String
    public var detail: String?
    /// The name the station said it would upload under (GetDiagnostics.conf).
    public var fileName: String?
    /// What the station last reported: `Uploading`, `Uploaded`, `UploadFailed` (nil: nothing yet).
    public var stationStatus: String?
    public var stationStatusAt: Date?
    /// The file received, once uploaded.
    public var size: Int?
    public var contentType: String?
    public var uploadedAt: Date?

    public init(
        id: String, site: String, station: String, requestedBy: String?, requestedAt: Date, expiresAt: Date,
        state: String = "requested"
    ) {
        self.id = id
        self.site = site
        self.station = station
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.expiresAt = expiresAt
        self.state = state
    }
}

/// An uploaded diagnostics file.
public struct DiagnosticsFile: Sendable, Equatable {
    public var name: String
    public var contentType: String
    public var content: Data

    public init(name: String, contentType: String, content: Data) {
        self.name = name
        self.contentType = contentType
        self.content = content
    }
}

/// Diagnostics requests and their files.
public protocol DiagnosticsRepository: Sendable {
    /// Keeps a new request; only the SHA-256 of its upload URL's token is kept.
    func addDiagnostics(_ record: DiagnosticsRecord, tokenHash: String) async throws
    func diagnostics(id: String) async throws -> DiagnosticsRecord?
    /// A station's requests, newest first.
    func diagnostics(site: String, station: String, limit: Int) async throws -> [DiagnosticsRecord]
    /// What the edge answered to the request's GetDiagnostics.
    func diagnosticsAnswered(id: String, state: String, fileName: String?, detail: String?) async throws
    /// Keeps the file uploaded to the URL of `tokenHash` (replacing one uploaded before: a station that retries),
    /// if the URL is known and has not expired at `now`; answers the request, or nil.
    func storeDiagnosticsUpload(tokenHash: String, _ file: DiagnosticsFile, now: Date) async throws -> DiagnosticsRecord?
    func diagnosticsFile(id: String) async throws -> DiagnosticsFile?
    /// Whether the URL of `tokenHash` takes a file at `now` (checked before an upload is read).
    func diagnosticsExpected(tokenHash: String, now: Date) async throws -> Bool
}
