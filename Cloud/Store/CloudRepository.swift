public import Foundation
public import SyncContract

/// Everything the cloud keeps, behind one contract: SQLite now (``SQLiteRepository``), PostgreSQL later.
/// The SQL stays portable (`INSERT … ON CONFLICT`, row values, integer milliseconds for time).
///
/// `sites` parameters scope a read to the sites a caller may see (nil: all), so roles and partner access
/// slot in without changing the queries.
public protocol CloudRepository: Sendable {
    // MARK: Sites
    func addSite(id: String, name: String, at time: Date) async throws -> SiteRecord
    func sites(in scope: Set<String>?) async throws -> [SiteRecord]
    func site(id: String) async throws -> SiteRecord?
    func setPresence(site: String, online: Bool, at time: Date) async throws

    // MARK: Ingest
    /// Applies a batch of up messages in one transaction, each `(site, seq)` at most once, and returns what
    /// is now durable. Messages of unregistered sites must be filtered out before.
    func apply(_ envelopes: [UpEnvelope], receivedAt: Date) async throws -> ApplyOutcome

    // MARK: Reads
    func stations(site: String?, in scope: Set<String>?) async throws -> [StationView]
    func station(id: String) async throws -> StationView?
    func sessions(_ filter: SessionFilter) async throws -> Page<SessionView>
    func session(site: String, transactionId: Int) async throws -> SessionView?
    func meterSeries(site: String, from: Date?, to: Date?, limit: Int) async throws -> [MeterPoint]
    func events(_ filter: EventFilter) async throws -> [EventView]

    // MARK: Authorization of drivers' tokens
    func siteTokens(site: String) async throws -> (version: Int, tokens: [SiteToken])
    /// Replaces a site's token list and returns its new version.
    func replaceSiteTokens(site: String, with tokens: [SiteToken]) async throws -> Int
    func siteToken(site: String, idTag: String) async throws -> SiteToken?

    // MARK: API tokens
    func addAPIToken(_ token: APITokenRecord) async throws
    func apiToken(id: String) async throws -> APITokenRecord?

    // MARK: Commands
    func recordCommand(id: String, site: String, station: String, action: String, payload: String, at time: Date) async throws
    func commandOutcome(id: String) async throws -> CommandResultRecord?
}
