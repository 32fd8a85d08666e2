public import Foundation
public import SyncContract

/// Everything the cloud keeps: one protocol per aggregate below, each small enough to implement twice and with a
/// contract test suite any implementation must pass (`Tests/SyncTests/RepositoryContracts`); SQLite now
/// (``SQLiteRepository``), PostgreSQL later.
/// The SQL stays portable (`INSERT … ON CONFLICT`, row values, integer milliseconds for time).
///
/// `sites` parameters scope a read to the sites a caller may see (nil: all), so roles and partner access
/// slot in without changing the queries.
public protocol CloudRepository:
    SiteRepository, IngestRepository, StationRepository, SessionRepository, SiteTokenRepository, APITokenRepository,
    CommandRepository, OrganizationRepository, UserRepository, WebSessionRepository, VehicleRepository, GroupRepository,
    FirmwareRepository, RetentionRepository, DashboardReads, TariffRepository, ReportRepository,
    StatementRepository, AvailabilityRepository, CardRepository, NotificationRepository, RecipientRepository,
    FleetRepository, DiagnosticsRepository, TwoFactorRepository, OCPIRepository, OCPIPushRepository,
    SessionCorrectionRepository
{}

/// Sites: registered by the fleet, their presence, name and location.
public protocol SiteRepository: Sendable {
    func addSite(id: String, name: String, at time: Date) async throws -> SiteRecord
    func sites(in scope: Scope?) async throws -> [SiteRecord]
    func site(id: String) async throws -> SiteRecord?
    /// Retires a site: listed nowhere from now on, its messages refused, its history kept; false when there is no
    /// such site (or it was retired before). Its id stays taken.
    func retireSite(id: String, at time: Date) async throws -> Bool
    func setPresence(site: String, online: Bool, at time: Date) async throws
    /// Changes a site's name and location (fields given as nil are left as they are).
    func updateSite(
        id: String, name: String?, address: String?, latitude: Double?, longitude: Double?, timeZone: String?)
        async throws
    /// Changes the rest of a site's postal address (nil: left as it is).
    func updateSitePostal(id: String, city: String?, postalCode: String?, country: String?) async throws
}

/// What the edges send up, applied at most once each.
public protocol IngestRepository: Sendable {
    /// Applies a batch of up messages in one transaction, each `(site, seq)` at most once, and returns what
    /// is now durable. Messages of unregistered sites must be filtered out before.
    func apply(_ envelopes: [UpEnvelope], receivedAt: Date) async throws -> ApplyOutcome
}

/// Stations as the sites report them, by (site, id).
public protocol StationRepository: Sendable {
    func stations(site: String?, in scope: Scope?) async throws -> [StationView]
    func station(site: String, id: String) async throws -> StationView?
    /// Every station of this id that `scope` sees, one per site (the same identity at several sites is several stations).
    func stations(id: String, in scope: Scope?) async throws -> [StationView]
    /// Makes station `key` the station of the same id at site `to` (the charger was moved there): its grants and
    /// groups go with it; its sessions and events stay at the site where they happened (its registration at the old
    /// site's edge stays there). When the other site has heard of the station already, its live state is kept (and it
    /// is taken to be the same charger). False when there is no such station.
    func moveStation(_ key: StationKey, to site: String) async throws -> Bool
    /// Sets what a station's connectors are (checked by the caller); false when there is no such station.
    func setConnectorTypes(_ key: StationKey, _ types: [ConnectorType], at time: Date) async throws -> Bool
}

/// Charging sessions, meter readings and the event history.
public protocol SessionRepository: Sendable {
    func sessions(_ filter: SessionFilter) async throws -> Page<SessionView>
    func session(site: String, transactionId: Int) async throws -> SessionView?
    func meterSeries(site: String, from: Date?, to: Date?, limit: Int) async throws -> [MeterPoint]
    /// What the site's load management decided from `from` until before `to` (the newest `limit`, oldest first), and
    /// each connector's share as last told.
    func loadSeries(site: String, from: Date, to: Date, limit: Int) async throws -> LoadSeries
    func events(_ filter: EventFilter) async throws -> [EventView]
    /// A session's samples, oldest first (for its power and energy chart).
    func sessionSamples(site: String, transactionId: Int, limit: Int) async throws -> [SessionSamplePoint]
}

/// Each site's list of drivers' tokens, versioned.
public protocol SiteTokenRepository: Sendable {
    func siteTokens(site: String) async throws -> (version: Int, tokens: [SiteToken])
    /// Replaces a site's token list and returns its new version.
    func replaceSiteTokens(site: String, with tokens: [SiteToken]) async throws -> Int
    func siteToken(site: String, idTag: String) async throws -> SiteToken?
}

/// Bearer tokens of the REST API (only their hashes).
public protocol APITokenRepository: Sendable {
    func addAPIToken(_ token: APITokenRecord) async throws
    func apiToken(id: String) async throws -> APITokenRecord?
    /// Every token, revoked and expired ones too, oldest first.
    func apiTokens() async throws -> [APITokenRecord]
    /// Revokes a token; false when there is no such token or it was revoked already.
    func revokeAPIToken(id: String) async throws -> Bool
    /// Notes that a token was accepted at `time`.
    func tokenUsed(id: String, at time: Date) async throws
}

/// Commands relayed to stations, and their results.
public protocol CommandRepository: Sendable {
    /// Keeps a command sent to a site, with the user who sent it (nil: an API token of no user).
    func recordCommand(
        id: String, site: String, station: String, action: String, payload: String, user: String?, at time: Date
    ) async throws
    func commandOutcome(id: String) async throws -> CommandResultRecord?
    /// Commands sent from the cloud, newest first, with who sent them and what the station answered.
    func commands(_ filter: EventFilter) async throws -> [CommandView]
    func command(id: String) async throws -> CommandView?
    /// Commands of these actions sent at or after `since`, oldest first (reservations and their cancellations).
    func commands(actions: [String], since: Date) async throws -> [CommandView]
}

/// Client organizations and what they are granted.
public protocol OrganizationRepository: Sendable {
    func addOrganization(id: String, name: String, at time: Date) async throws
    /// Grants an organization a site, a station or a group; an unknown one is refused, naming it.
    func grant(organization: String, _ grant: Grant) async throws
    /// Takes a grant back; false when the organization did not have it.
    func revoke(organization: String, _ grant: Grant) async throws -> Bool
    func organization(id: String) async throws -> OrganizationRecord?
    func organizations() async throws -> [OrganizationRecord]
    /// What the organization's users see now: its sites, and its stations and groups' stations with their sites.
    func scope(ofOrganization id: String) async throws -> Scope
    /// Sets an organization's name and replaces its grants in one transaction (an unknown one is refused, naming
    /// it, and nothing changes).
    func saveOrganization(
        id: String, name: String, sites: Set<String>, stations: Set<StationKey>, groups: Set<String>)
        async throws
    /// Removes an organization that no user belongs to any more, with its grants; false when there is none.
    func deleteOrganization(id: String) async throws -> Bool
    /// Replaces an organization's billing details; false when there is no such organization.
    func setBilling(organization: String, _ billing: BillingDetails) async throws -> Bool
}

/// People who sign in: accounts, sign-in attempts, their language and home view.
extension OrganizationRepository {
    /// What `user` sees: its organization's grants (nothing when it is gone); a partner without one sees nothing; the
    /// fleet's own staff see everything (nil).
    public func scope(ofUser user: UserRecord) async throws -> Scope? {
        if let organization = user.organization { return try await scope(ofOrganization: organization) }
        return user.role == "partner" ? Scope() : nil
    }
}

public protocol UserRepository: Sendable {
    func addUser(_ user: UserRecord) async throws
    /// Saves a user's name, role, organization, language and password hash, and clears a lock when
    /// `failedLogins` is 0; with `endSessions`, the user's browsers are signed out.
    func updateUser(_ user: UserRecord, endSessions: Bool) async throws
    /// Removes a user, their browser sessions, home view and API tokens; false when there is none.
    func deleteUser(id: String) async throws -> Bool
    func user(id: String) async throws -> UserRecord?
    func users() async throws -> [UserRecord]
    /// Records a login attempt's outcome: a failure counts (and locks the user until `lockUntil` when given), a
    /// success clears the count.
    func recordLogin(user: String, succeeded: Bool, lockUntil: Date?) async throws
    /// Counts a sign-in attempt before its password is checked, so that guesses sent at once cannot all be checked:
    /// false (nothing counted) while the user is locked; the attempt that reaches `maxFailures` locks the user until
    /// `lockUntil`. A success (``recordLogin(user:succeeded:lockUntil:)``) clears the count and the lock.
    func beginLogin(user: String, maxFailures: Int, lockUntil: Date, now: Date) async throws -> Bool
    func setLanguage(user: String, language: String?) async throws
    /// Keeps a password-reset link's token (its SHA-256) for `user` until `expiresAt`; the user's earlier links go.
    func addPasswordReset(tokenHash: String, user: String, expiresAt: Date) async throws
    /// Takes a reset link: the user it is for when it exists and has not expired; used once (it is gone after).
    func redeemPasswordReset(tokenHash: String, now: Date) async throws -> String?
    /// When the user's reset link expires, if the user has one.
    func passwordResetExpiry(user: String) async throws -> Date?
    /// The sites and groups a user chose for their home dashboard (either empty: all they may see).
    func homeView(user: String) async throws -> HomeView
    func setHomeView(user: String, _ view: HomeView) async throws
}

/// Browser sessions of the dashboard.
public protocol WebSessionRepository: Sendable {
    func addWebSession(_ session: WebSessionRecord) async throws
    func webSession(idHash: String) async throws -> WebSessionRecord?
    func deleteWebSession(idHash: String) async throws
}

/// Two-factor sign-in: each user's authenticator, and the roles that must have one.
public protocol TwoFactorRepository: Sendable {
    func totp(user: String) async throws -> TOTPState
    /// Keeps a secret being set up (replacing one set up before and never confirmed).
    func setPendingTOTP(user: String, secret: String) async throws
    /// The secret set up becomes the one in use, `step` its first code; false when none was being set up.
    func confirmTOTP(user: String, step: Int64) async throws -> Bool
    /// Takes `step` as used, unless it (or a later one) was already: a code is good once, even when two sign-ins
    /// race with it.
    func useTOTPStep(user: String, step: Int64) async throws -> Bool
    /// Removes the user's authenticator (and one being set up).
    func removeTOTP(user: String) async throws
    func twoFactorRoles() async throws -> Set<String>
    func setTwoFactorRoles(_ roles: Set<String>) async throws
}

/// Vehicles and the tokens they charge with.
public protocol VehicleRepository: Sendable {
    /// Adds a vehicle with the tokens that identify it (a token identifies one vehicle at most).
    func addVehicle(_ vehicle: VehicleRecord) async throws
    func vehicles() async throws -> [VehicleRecord]
    func deleteVehicle(id: String) async throws -> Bool
    /// The sessions in progress of any of these tokens.
    func activeSessions(idTags: [String]) async throws -> [SessionView]
}

/// Groups of stations.
public protocol GroupRepository: Sendable {
    /// Adds a group, or replaces its name and stations.
    func saveGroup(id: String, name: String, stations: [StationKey]) async throws
    /// Adds one station (seen yet or not) to a group; false when there is no such group.
    func addToGroup(group: String, station: StationKey) async throws -> Bool
    /// Every group with its connectors counted (only stations of `scope`'s sites count).
    func groups(in scope: Scope?) async throws -> [StationGroup]
    /// The stations of each of these groups now (seen yet or not); an unknown group is absent.
    func groupMembers(of ids: Set<String>) async throws -> [String: Set<StationKey>]
    func deleteGroup(id: String) async throws -> Bool
}

/// Firmware images, their chunks and signatures, and roll-out campaigns with their targets.
public protocol FirmwareRepository: Sendable {
    /// Keeps an image; `data` is the uploaded file (nil for an image at an external URL).
    func addFirmwareImage(_ image: FirmwareImage, data: Data?) async throws
    func firmwareImages() async throws -> [FirmwareImage]
    func firmwareImage(id: String) async throws -> FirmwareImage?
    /// Sets (or, with nils, removes) an image's manufacturer signature and signing certificate.
    func setFirmwareSignature(image: String, signature: String?, signingCertificate: String?) async throws
    /// Chunk `index` (from 0) of an uploaded image, ``FirmwareImage/chunkBytes`` long but the last; nil past the end.
    func firmwareChunk(image: String, index: Int) async throws -> Data?
    func addCampaign(_ campaign: FirmwareCampaign, targets: [(station: String, site: String)]) async throws
    /// Campaigns with their progress, newest first.
    func campaigns() async throws -> [FirmwareCampaign]
    /// A campaign with its progress and every target.
    func campaign(id: String) async throws -> FirmwareCampaign?
    func setCampaignState(id: String, state: String, at time: Date) async throws
    /// Takes a pending target for sending at `time`; false when it is not pending (already taken, by this or another
    /// instance).
    func claimTarget(campaign: String, station: StationKey, at time: Date) async throws -> Bool
    func updateTarget(
        campaign: String, station: StationKey, state: String, sentAt: Date?, detail: String?, at time: Date)
        async throws
    /// Puts back to pending the targets claimed for sending before `claimedBefore` whose outcome was never recorded
    /// (the instance stopped in between); returns how many.
    func releaseStaleClaims(claimedBefore: Date) async throws -> Int
    /// The last FirmwareStatusNotification of a station that the cloud received at or after `since` (its own clock).
    func firmwareStatus(station: StationKey, since: Date) async throws -> (status: String, time: Date)?
}

/// Removing what is older than the retention periods.
public protocol RetentionRepository: Sendable {
    /// Removes the records of messages applied before `appliedBefore` (a message older than that cannot come again:
    /// its edge had it acknowledged long since) and samples and events before `recordsBefore` (sessions stay);
    /// returns how many rows went.
    func prune(appliedBefore: Date, recordsBefore: Date) async throws -> Int
}

/// The dashboard's summaries.
public protocol DashboardReads: Sendable {
    /// Per site: connectors by state, stations offline, live charging power, active sessions.
    func siteSummaries(in scope: Scope?) async throws -> [SiteSummary]
    /// What needs attention: offline sites, disconnected stations, faulted connectors (newest first, at most `limit`).
    func alerts(in scope: Scope?, limit: Int) async throws -> [AlertView]
}
