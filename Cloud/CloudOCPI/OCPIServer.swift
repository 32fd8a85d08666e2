public import CloudBilling
public import CloudCore
public import CloudStore
public import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import ServerSupport

/// A party's codes: its country code and party id.
public struct OCPICodes: Sendable, Hashable {
    public var countryCode: String
    public var partyId: String

    public init(countryCode: String, partyId: String) {
        self.countryCode = countryCode
        self.partyId = partyId
    }
}

/// This cloud's own party on OCPI: a CPO, named by its country code and party id; and the further CPO roles the
/// platform serves (one per operator party), each with the sites published under its codes.
public struct OCPIParty: Sendable, Equatable {
    public var countryCode: String
    public var partyId: String
    public var name: String
    public var website: String?
    /// Where partners reach this cloud's OCPI (`<http.public_url>/ocpi`).
    public var baseURL: String
    public var operators: [Operator]

    /// An operator's CPO role: its codes, its name and its sites.
    public struct Operator: Sendable, Equatable {
        public var codes: OCPICodes
        public var name: String
        public var sites: Set<String>

        public init(codes: OCPICodes, name: String, sites: Set<String>) {
            self.codes = codes
            self.name = name
            self.sites = sites
        }
    }

    public init(
        countryCode: String, partyId: String, name: String, website: String? = nil, baseURL: String,
        operators: [Operator] = []
    ) {
        self.countryCode = countryCode
        self.partyId = partyId
        self.name = name
        self.website = website
        self.baseURL = baseURL
        self.operators = operators
    }

    public var versionsURL: String { "\(baseURL)/versions" }
    public var detailsURL: String { "\(baseURL)/\(OCPIServer.version)" }
    public var codes: OCPICodes { OCPICodes(countryCode: countryCode, partyId: partyId) }

    /// The codes a site is published under: its operator's, else this platform's own.
    func codes(of site: String) -> OCPICodes {
        operators.first { $0.sites.contains(site) }?.codes ?? codes
    }

    /// Whether these codes (compared without case) are one of this platform's parties.
    func serves(countryCode: String, partyId: String) -> Bool {
        ([codes] + operators.map(\.codes)).contains {
            $0.countryCode == countryCode.uppercased() && $0.partyId == partyId.uppercased()
        }
    }

    /// This platform's credentials (a CPO role per party) with the token the other party is to call it with.
    func credentials(token: String) -> OCPICredentials {
        OCPICredentials(
            token: token, url: versionsURL,
            roles: [
                OCPICredentialsRole(
                    role: "CPO", businessDetails: OCPIBusinessDetails(name: name, website: website), partyId: partyId,
                    countryCode: countryCode)
            ]
                + operators.map {
                    OCPICredentialsRole(
                        role: "CPO", businessDetails: OCPIBusinessDetails(name: $0.name, website: nil),
                        partyId: $0.codes.partyId, countryCode: $0.codes.countryCode)
                })
    }
}

/// OCPI 2.2.1 as a CPO, the transport and the registration: `/ocpi/versions`, `/ocpi/2.2.1` and its `credentials`
/// module (the handshake with tokens A, B and C, in both directions, with ``OCPIClient``). Partners call with
/// `Authorization: Token <base64 of the token>` (as it is, for a partner set to plain tokens); every answer is in the
/// envelope; every call is kept with its partner.
public struct OCPIServer: Sendable {
    public static let version = "2.2.1"
    let repository: any CloudRepository
    let party: OCPIParty
    let client: OCPIClient
    let logger: Logger
    /// Sends a site's token list to its edge again (a partner's token changed).
    let tokenListChanged: @Sendable (String) async -> Void
    let objects: OCPIObjects
    /// Commands to chargers (nil: the commands module answers NOT_SUPPORTED), and how long the relay waits for one.
    let relay: OCPIRelay?
    let commandTimeout: Duration

    public init(
        repository: any CloudRepository, party: OCPIParty, client: OCPIClient, pricer: SessionPricer, logger: Logger,
        relay: OCPIRelay? = nil, commandTimeout: Duration = .seconds(30),
        tokenListChanged: @escaping @Sendable (String) async -> Void = { _ in }
    ) {
        self.relay = relay
        self.commandTimeout = commandTimeout
        objects = OCPIObjects(repository: repository, party: party, pricer: pricer)
        self.tokenListChanged = tokenListChanged
        self.repository = repository
        self.party = party
        self.client = client
        self.logger = logger
    }

    /// A caller that showed a known token.
    struct Caller {
        var partner: OCPIPartnerRecord
        let token: String

        /// Whether the partner speaks for this party: one of its own roles', or any for a hub an administrator marked
        /// as one (which forwards its members' tokens and commands under their own codes). Codes compared without case
        /// (OCPI's CiString).
        func speaks(for country: String, _ partyId: String) -> Bool {
            partner.hub
                || partner.roles.contains { $0.countryCode == country.uppercased() && $0.partyId == partyId.uppercased() }
        }

        /// Only a registered partner's token C opens more than the credentials module (401 otherwise).
        func requireRegistered() throws {
            guard partner.state == "registered" else {
                throw OCPIError(http: 401, code: OCPIStatus.clientError, "register first: this token opens credentials only")
            }
        }
    }

    public func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/ocpi/versions") { request, _ in
            await answer(request) { _ in [OCPIVersion(version: Self.version, url: party.detailsURL)] }
        }
        router.get("/ocpi/\(Self.version)") { request, _ in
            await answer(request) { _ in
                OCPIVersionDetails(
                    version: Self.version,
                    endpoints: ["SENDER", "RECEIVER"].map {
                        OCPIEndpoint(identifier: "credentials", role: $0, url: "\(party.detailsURL)/credentials")
                    }
                        + ["locations", "tariffs"].map {
                            OCPIEndpoint(identifier: $0, role: "SENDER", url: "\(party.detailsURL)/\($0)")
                        } + [OCPIEndpoint(identifier: "tokens", role: "RECEIVER", url: "\(party.detailsURL)/tokens")]
                        + ["sessions", "cdrs"].map {
                            OCPIEndpoint(identifier: $0, role: "SENDER", url: "\(party.detailsURL)/\($0)")
                        }
                        + ["commands", "chargingprofiles"].map {
                            OCPIEndpoint(identifier: $0, role: "RECEIVER", url: "\(party.detailsURL)/\($0)")
                        })
            }
        }
        addLocationRoutes(to: router)
        addTokenRoutes(to: router)
        addSessionRoutes(to: router)
        addCDRRoutes(to: router)
        addCommandRoutes(to: router)
        addSmartChargingRoutes(to: router)
        router.get("/ocpi/\(Self.version)/credentials") { request, _ in
            await answer(request) { caller in party.credentials(token: caller.token) }
        }
        router.post("/ocpi/\(Self.version)/credentials") { request, _ in
            await answer(request) { caller in
                guard caller.partner.state != "registered" else {
                    throw OCPIError(http: 405, code: OCPIStatus.clientError, "registered already: PUT updates the credentials")
                }
                return try await register(caller, request)
            }
        }
        router.put("/ocpi/\(Self.version)/credentials") { request, _ in
            await answer(request) { caller in
                guard caller.partner.state == "registered" else {
                    throw OCPIError(http: 405, code: OCPIStatus.clientError, "not registered: POST registers")
                }
                return try await register(caller, request)
            }
        }
        router.delete("/ocpi/\(Self.version)/credentials") { request, _ in
            await answer(request) { caller -> String? in
                guard caller.partner.state == "registered" else {
                    throw OCPIError(http: 405, code: OCPIStatus.clientError, "not registered")
                }
                var partner = caller.partner
                partner.state = "unregistered"
                try await repository.updateOCPIPartner(partner, incomingTokenHash: nil, outgoingToken: nil)
                // Its drivers leave the edges' lists.
                try await repository.renewTokenLists(sites: partner.sites)
                for site in partner.sites { await tokenListChanged(site) }
                logger.notice("OCPI partner unregistered itself", metadata: ["partner": "\(partner.id)"])
                return nil
            }
        }
    }

    /// The partner's credentials (POST to register, PUT to renew): its versions and endpoints read with the token it
    /// gave, a new token for it to call with, this party's credentials answered.
    private func register(_ caller: Caller, _ request: Request) async throws -> OCPICredentials {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let data = Data(body.readableBytesView)
        // Not JSON: a transport error (400); JSON that is no credentials object: an OCPI one (200, 2001).
        guard (try? JSONSerialization.jsonObject(with: data)) != nil else {
            throw OCPIError(http: 400, code: OCPIStatus.invalidParameters, "the body is not JSON")
        }
        let theirs: OCPICredentials
        do {
            theirs = try OCPIJSON.decoder().decode(OCPICredentials.self, from: data)
        } catch {
            throw OCPIError(http: 200, code: OCPIStatus.invalidParameters, "the credentials object is not valid: \(error)")
        }
        guard !theirs.token.isEmpty, theirs.token.count <= 64, !theirs.roles.isEmpty else {
            throw OCPIError(http: 200, code: OCPIStatus.invalidParameters, "token: 1 to 64 characters; roles: at least one")
        }
        try await requirePartiesFree(theirs.parties, for: caller.partner.id, repository: repository)
        var partner = caller.partner
        let (version, endpoints) = try await client.discover(
            versionsURL: theirs.url, token: theirs.token, partner: partner, repository: repository)
        partner.versionsURL = theirs.url
        partner.version = version
        partner.endpoints = endpoints
        partner.roles = theirs.parties
        partner.state = "registered"
        partner.lastSuccessAt = Date()
        let tokenC = OCPITokens.generate()
        try await repository.updateOCPIPartner(
            partner, incomingTokenHash: OCPITokens.hash(tokenC), outgoingToken: theirs.token)
        logger.notice("OCPI partner registered", metadata: ["partner": "\(partner.id)", "version": "\(version)"])
        let registered = partner
        Task { await syncTokens(registered) }
        return party.credentials(token: tokenC)
    }

    /// Authenticates the caller, runs `handle` and answers its result in the envelope (or its error), keeping the
    /// call with the partner.
    func answer<Payload: Codable & Sendable>(
        _ request: Request, _ handle: (Caller) async throws -> Payload?
    ) async -> Response {
        await answer(request, paged: { caller in (try await handle(caller), [:]) })
    }

    /// As ``answer(_:_:)``, with headers of the handler's own (a page's `Link`, `X-Total-Count`, `X-Limit`).
    func answer<Payload: Codable & Sendable>(
        _ request: Request, paged handle: (Caller) async throws -> (Payload?, HTTPFields)
    ) async -> Response {
        var caller: Caller?
        let status: Int
        let envelope: Data
        var headers: HTTPFields = [.contentType: "application/json"]
        do {
            caller = try await authenticate(request)
            try checkRouting(request)
            let (data, extra) = try await handle(caller!)
            headers.append(contentsOf: extra)
            (status, envelope) = (200, try OCPIJSON.encoder().encode(OCPIEnvelope(data: data)))
        } catch let error as OCPIError {
            (status, envelope) = Self.failure(error)
        } catch {
            logger.error("OCPI request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            (status, envelope) = Self.failure(OCPIError(http: 500, code: OCPIStatus.serverError, "the server failed"))
        }
        if let partner = caller?.partner {
            try? await repository.logOCPI(
                partner: partner.id,
                OCPIMessageRecord(
                    direction: "in", method: request.method.rawValue, url: request.uri.description, status: status,
                    request: nil, response: OCPITokens.redacted(String(decoding: envelope, as: UTF8.self)), at: Date()))
        }
        for name in ["X-Request-ID", "X-Correlation-ID"] {
            let field = HTTPField.Name(name)!
            headers[field] = request.headers[field] ?? UUID().uuidString
        }
        // The answer's routing headers: from the party addressed (else this platform's own), to whoever the request
        // said it was from.
        let addressed = request.headers[HTTPField.Name("OCPI-to-country-code")!].flatMap { country in
            request.headers[HTTPField.Name("OCPI-to-party-id")!].map { (country.uppercased(), $0.uppercased()) }
        }
        let from = addressed.flatMap { party.serves(countryCode: $0.0, partyId: $0.1) ? $0 : nil }
        headers[HTTPField.Name("OCPI-from-country-code")!] = from?.0 ?? party.countryCode
        headers[HTTPField.Name("OCPI-from-party-id")!] = from?.1 ?? party.partyId
        for (to, from) in [("OCPI-to-country-code", "OCPI-from-country-code"), ("OCPI-to-party-id", "OCPI-from-party-id")] {
            if let value = request.headers[HTTPField.Name(from)!] { headers[HTTPField.Name(to)!] = String(value.prefix(3)) }
        }
        return Response(
            status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: envelope)))
    }

    /// A request addressed (`OCPI-to-country-code`, `OCPI-to-party-id`) to a party this platform is not is refused:
    /// it routes nothing on.
    private func checkRouting(_ request: Request) throws {
        let country = request.headers[HTTPField.Name("OCPI-to-country-code")!]
        let partyId = request.headers[HTTPField.Name("OCPI-to-party-id")!]
        guard country != nil || partyId != nil else { return }
        guard let country, let partyId, party.serves(countryCode: country, partyId: partyId) else {
            throw OCPIError(
                http: 200, code: OCPIStatus.clientError,
                "OCPI-to-country-code and OCPI-to-party-id: \(country ?? "none")*\(partyId ?? "none") is no party of this "
                    + "platform")
        }
    }

    private static func failure(_ error: OCPIError) -> (Int, Data) {
        let envelope = OCPIEnvelope<String>(data: nil, statusCode: error.code, statusMessage: error.message)
        return (error.http, (try? OCPIJSON.encoder().encode(envelope)) ?? Data())
    }

    /// The partner whose token the `Authorization` header carries: `Token <base64>`, or the token as it is for a
    /// partner set to plain tokens. 401 otherwise.
    private func authenticate(_ request: Request) async throws -> Caller {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("token ") else {
            throw OCPIError(http: 401, code: OCPIStatus.clientError, "the Authorization header must be 'Token <token>'")
        }
        let given = header.dropFirst("token ".count).trimmingCharacters(in: .whitespaces)
        if let decoded = Data(base64Encoded: given).flatMap({ String(data: $0, encoding: .utf8) }), !decoded.isEmpty,
            let (partner, _) = try await repository.ocpiPartner(incomingTokenHash: OCPITokens.hash(decoded))
        {
            return Caller(partner: partner, token: decoded)
        }
        if let (partner, _) = try await repository.ocpiPartner(incomingTokenHash: OCPITokens.hash(given)), partner.plainTokens {
            return Caller(partner: partner, token: given)
        }
        throw OCPIError(http: 401, code: OCPIStatus.clientError, "unknown token")
    }
}

/// Tokens between OCPI parties: made here at random, kept as their SHA-256 (those this cloud is called with).
public enum OCPITokens {
    public static func generate() -> String { Secrets.random() }

    public static func hash(_ token: String) -> String { Secrets.hash(token) }

    /// The `Authorization` header for a partner.
    static func header(_ token: String, plain: Bool) -> String {
        "Token " + (plain ? token : Data(token.utf8).base64EncodedString())
    }

    /// A message as it is kept: every `"token": "…"` replaced, so the message log holds no credentials.
    public static func redacted(_ text: String) -> String {
        text.replacingOccurrences(
            of: #""token"\s*:\s*"(?:[^"\\]|\\.)*""#, with: #""token":"(not kept)""#, options: .regularExpression)
    }
}

/// A party (country code and party id) is one partner's: another registering with it is refused, so that no partner
/// can read or write another's drivers by claiming its codes.
func requirePartiesFree(_ parties: [OCPIPartyRecord], for partner: String, repository: any CloudRepository) async throws {
    let others = try await repository.ocpiPartners().filter { $0.id != partner && $0.state != "unregistered" }
    for party in parties {
        if others.contains(where: { $0.roles.contains { $0.countryCode == party.countryCode && $0.partyId == party.partyId } }) {
            throw OCPIError(
                http: 200, code: OCPIStatus.clientError,
                "\(party.countryCode)*\(party.partyId) is registered to another partner")
        }
    }
}
