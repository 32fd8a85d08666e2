public import Foundation

/// A roaming partner over OCPI (an eMSP or a hub), from its invitation (the token A it was given) through the
/// credentials handshake to its registration.
public struct OCPIPartnerRecord: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    /// `invited` (token A given, no handshake yet), `registered`, `unregistered` (it, or we, ended it).
    public var state: String
    /// Its roles as its credentials named them (`EMSP`, `HUB`), with its country code and party id.
    public var roles: [OCPIPartyRecord]
    /// Where its versions are, the version agreed and its endpoints for that version.
    public var versionsURL: String?
    public var version: String?
    public var endpoints: [OCPIEndpointRecord]
    /// True: it sends and takes tokens in the `Authorization` header as they are, not base64-encoded (partners still
    /// on 2.1.1 habits).
    public var plainTokens: Bool
    /// The sites published to it as OCPI Locations (none until chosen).
    public var sites: [String]
    /// An administrator marked it a hub: it may put its members' tokens under their own codes (a role it declares
    /// itself is not enough).
    public var hub = false
    public var createdAt: Date
    public var lastSuccessAt: Date?
    public var lastFailureAt: Date?
    public var lastFailure: String?

    public init(id: String, name: String, state: String = "invited", plainTokens: Bool = false, createdAt: Date) {
        self.id = id
        self.name = name
        self.state = state
        roles = []
        endpoints = []
        sites = []
        self.plainTokens = plainTokens
        self.createdAt = createdAt
    }
}

/// One of a partner's roles.
public struct OCPIPartyRecord: Sendable, Equatable, Codable {
    public var role: String
    public var countryCode: String
    public var partyId: String
    public var name: String?

    public init(role: String, countryCode: String, partyId: String, name: String?) {
        self.role = role
        self.countryCode = countryCode
        self.partyId = partyId
        self.name = name
    }
}

/// One of a partner's endpoints (a module in a role, at a URL).
public struct OCPIEndpointRecord: Sendable, Equatable, Codable {
    public var identifier: String
    public var role: String
    public var url: String

    public init(identifier: String, role: String, url: String) {
        self.identifier = identifier
        self.role = role
        self.url = url
    }
}

/// A call to or from a partner, kept for whoever must find out why something did not arrive.
public struct OCPIMessageRecord: Sendable, Equatable, Codable {
    /// `in` (the partner called) or `out`.
    public var direction: String
    public var method: String
    public var url: String
    public var status: Int
    public var request: String?
    public var response: String?
    public var at: Date

    public init(
        direction: String, method: String, url: String, status: Int, request: String?, response: String?, at: Date
    ) {
        self.direction = direction
        self.method = method
        self.url = url
        self.status = status
        self.request = request
        self.response = response
        self.at = at
    }
}

/// A driver's token an eMSP pushed (OCPI's Token, its identity and what authorization needs, and the object as sent).
public struct OCPITokenRecord: Sendable, Equatable, Codable {
    public var partner: String
    public var countryCode, partyId, uid, type: String
    public var contractId: String
    /// `ALWAYS`, `ALLOWED`, `ALLOWED_OFFLINE`, `NEVER`.
    public var whitelist: String
    public var valid: Bool
    public var groupId: String?
    public var lastUpdated: Date
    /// The Token object as the partner sent it (JSON).
    public var body: String

    public init(
        partner: String, countryCode: String, partyId: String, uid: String, type: String, contractId: String,
        whitelist: String, valid: Bool, groupId: String?, lastUpdated: Date, body: String
    ) {
        self.partner = partner
        self.countryCode = countryCode
        self.partyId = partyId
        self.uid = uid
        self.type = type
        self.contractId = contractId
        self.whitelist = whitelist
        self.valid = valid
        self.groupId = groupId
        self.lastUpdated = lastUpdated
        self.body = body
    }
}

/// OCPI partners, their tokens and the calls exchanged with them.
public protocol OCPIRepository: Sendable {
    /// Keeps a partner's token (replacing the one of the same country code, party id, uid and type), and gives the
    /// token lists of the sites published to the partner a new version.
    func saveOCPIToken(_ token: OCPITokenRecord) async throws
    /// Gives these sites' token lists a new version (what is in them changed).
    func renewTokenLists(sites: [String]) async throws
    func ocpiToken(countryCode: String, partyId: String, uid: String, type: String) async throws -> OCPITokenRecord?
    /// A partner's tokens.
    func ocpiTokens(partner id: String) async throws -> [OCPITokenRecord]
    /// Every partner's tokens of this uid (of any type).
    func ocpiTokens(uid: String) async throws -> [OCPITokenRecord]
    /// Keeps a new partner; `incomingTokenHash` is the SHA-256 of the token it calls this cloud with.
    func addOCPIPartner(_ partner: OCPIPartnerRecord, incomingTokenHash: String) async throws
    func ocpiPartners() async throws -> [OCPIPartnerRecord]
    func ocpiPartner(id: String) async throws -> OCPIPartnerRecord?
    /// The partner that calls with this token, and the token this cloud calls it with (nil before the handshake).
    func ocpiPartner(incomingTokenHash: String) async throws -> (OCPIPartnerRecord, outgoingToken: String?)?
    func ocpiOutgoingToken(partner id: String) async throws -> String?
    /// Saves what changed of a partner; a new incoming token hash or outgoing token when given.
    func updateOCPIPartner(_ partner: OCPIPartnerRecord, incomingTokenHash: String?, outgoingToken: String?) async throws
    func logOCPI(partner id: String, _ message: OCPIMessageRecord) async throws
    /// A partner's calls, newest first.
    func ocpiMessages(partner id: String, limit: Int) async throws -> [OCPIMessageRecord]
}

/// A CDR as it was made for a partner: immutable once kept (OCPI's CDR object, as JSON), and when the partner took it.
public struct OCPICDRRecord: Sendable, Equatable, Codable {
    public var partner: String
    public var id: String
    public var site: String
    public var transactionId: Int
    /// The CDR object as sent (JSON).
    public var body: String
    public var createdAt: Date
    /// When the partner's cdrs module took it (nil: not yet, or it has none and reads them with GET).
    public var sentAt: Date?

    public init(
        partner: String, id: String, site: String, transactionId: Int, body: String, createdAt: Date, sentAt: Date? = nil
    ) {
        self.partner = partner
        self.id = id
        self.site = site
        self.transactionId = transactionId
        self.body = body
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}

/// What pushing to partners keeps: each object as a partner last took it, the CDRs, and which instance pushes.
public protocol OCPIPushRepository: Sendable {
    /// Each object (`location:<id>`, `evse:<location>/<uid>`, `tariff:<id>`, `session:<id>`) as the partner last took
    /// it, as JSON.
    func ocpiPushed(partner id: String) async throws -> [String: String]
    /// Keeps what the partner took (an object given an empty body is forgotten).
    func savePushed(partner id: String, _ objects: [String: String], at time: Date) async throws
    /// Keeps calls to a partner in one write, and only its latest ``ocpiMessagesKept`` calls.
    func logOCPI(partner id: String, messages: [OCPIMessageRecord]) async throws
    /// True while this instance (`holder`) is the one that pushes: it held the lease, or the lease had run out.
    func takeOCPIPushLease(holder: String, now: Date, lease: Duration) async throws -> Bool
    /// Keeps a CDR unless the partner has one of that id already; true when it was new.
    func addOCPICDR(_ cdr: OCPICDRRecord) async throws -> Bool
    /// Keeps several CDRs at once (all or none), each unless the partner has one of that id; how many were new.
    func addOCPICDRs(_ cdrs: [OCPICDRRecord]) async throws -> Int
    /// A partner's CDRs (only those it has not taken yet, with `unsentOnly`), oldest first.
    func ocpiCDRs(partner id: String, unsentOnly: Bool) async throws -> [OCPICDRRecord]
    /// Every partner's CDRs of one session (a corrected one has several), oldest first.
    func ocpiCDRs(site: String, transactionId: Int) async throws -> [OCPICDRRecord]
    /// Notes how pushing to a partner went: its last success, or its last failure and why.
    func noteOCPIPush(partner id: String, at time: Date, failure: String?) async throws
    func markOCPICDRSent(partner id: String, cdr: String, at time: Date) async throws
    /// The sessions of partners' token uids that may still change: running, ended and not billed yet, or billed at or
    /// after `pricedSince`; each with whether billing is done with it.
    func ocpiOpenSessions(pricedSince: Date) async throws -> [(session: SessionView, priced: Bool)]
    /// Notes how a partner's driver was let charge at a site: `COMMAND` (a START_SESSION the charger accepted) or
    /// `AUTH_REQUEST` (the partner allowed it in real time), with the partner's authorization reference.
    func noteOCPIAuthorization(site: String, idTag: String, method: String, reference: String?, at time: Date) async throws
    /// The note a session of a driver at a site took: the one it took before, else the latest not taken by another
    /// session from `from` to `to`, which it takes now (one note, one session).
    func claimOCPIAuthorization(
        site: String, idTag: String, transactionId: Int, from: Date, to: Date
    ) async throws -> (method: String, reference: String?)?
    /// Finished sessions of partners' token uids billed at or after `pricedSince` that have no CDR yet for the
    /// token's partner, each with that partner.
    func ocpiSessionsWithoutCDR(pricedSince: Date) async throws -> [(session: SessionView, partner: String)]
}

/// How many calls are kept per partner (a fleet's status changes would otherwise fill the store).
public let ocpiMessagesKept = 20_000
