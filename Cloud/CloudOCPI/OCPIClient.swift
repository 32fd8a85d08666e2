public import AsyncHTTPClient
public import CloudStore
public import Foundation
public import Logging
public import NIOCore
import NIOHTTP1

/// Calls to partners: their versions and endpoints, and this cloud's side of a registration it starts. Over HTTPS
/// (`http://` to this machine only, for a partner run on loopback); each call kept with the partner, tokens redacted.
public struct OCPIClient: Sendable {
    let party: OCPIParty
    let http: HTTPClient
    let logger: Logger
    let timeout: TimeAmount

    public init(party: OCPIParty, http: HTTPClient = .shared, logger: Logger, timeout: TimeAmount = .seconds(15)) {
        self.party = party
        self.http = http
        self.logger = logger
        self.timeout = timeout
    }

    /// The partner's versions read with `token`, version 2.2.1 chosen, and its endpoints there. A partner that
    /// cannot be read, or speaks no 2.2.1, is refused with the status the spec gives (3001, 3002).
    func discover(
        versionsURL: String, token: String, partner: OCPIPartnerRecord, repository: any CloudRepository
    ) async throws -> (String, [OCPIEndpointRecord]) {
        let versions: [OCPIVersion] = try await call(
            "GET", versionsURL, token: token, partner: partner, repository: repository)
        guard let chosen = versions.first(where: { $0.version == OCPIServer.version }) else {
            throw OCPIError(
                http: 200, code: OCPIStatus.unsupportedVersion,
                "no version \(OCPIServer.version) among \(versions.map(\.version).joined(separator: ", "))")
        }
        let details: OCPIVersionDetails = try await call(
            "GET", chosen.url, token: token, partner: partner, repository: repository)
        guard details.endpoints.contains(where: { $0.identifier == "credentials" }) else {
            throw OCPIError(http: 200, code: OCPIStatus.noMatchingEndpoints, "the partner lists no credentials endpoint")
        }
        return (chosen.version, details.endpoints)
    }

    /// Registers with a partner that gave this cloud its token A and versions URL: its endpoints read, this cloud's
    /// credentials (with a new token B for it to call with) posted, its answer (token C) kept.
    public func register(
        _ partner: OCPIPartnerRecord, versionsURL: String, tokenA: String, repository: any CloudRepository
    ) async throws -> OCPIPartnerRecord {
        var partner = partner
        do {
            let (version, endpoints) = try await discover(
                versionsURL: versionsURL, token: tokenA, partner: partner, repository: repository)
            guard let credentials = endpoints.first(where: { $0.identifier == "credentials" }) else {
                throw OCPIError(http: 200, code: OCPIStatus.noMatchingEndpoints, "no credentials endpoint")
            }
            let tokenB = OCPITokens.generate()
            // The partner reads this cloud's versions with token B while it answers the POST: it works from now.
            try await repository.updateOCPIPartner(
                partner, incomingTokenHash: OCPITokens.hash(tokenB), outgoingToken: nil)
            let theirs: OCPICredentials = try await call(
                "POST", credentials.url, token: tokenA, partner: partner, repository: repository,
                body: party.credentials(token: tokenB))
            partner.versionsURL = versionsURL
            partner.version = version
            partner.endpoints = endpoints
            try await requirePartiesFree(theirs.parties, for: partner.id, repository: repository)
            partner.roles = theirs.parties
            partner.state = "registered"
            partner.lastSuccessAt = Date()
            try await repository.updateOCPIPartner(
                partner, incomingTokenHash: OCPITokens.hash(tokenB), outgoingToken: theirs.token)
            logger.notice("registered with an OCPI partner", metadata: ["partner": "\(partner.id)", "version": "\(version)"])
            return partner
        } catch {
            partner.lastFailureAt = Date()
            partner.lastFailure = "\(error)"
            try? await repository.updateOCPIPartner(partner, incomingTokenHash: nil, outgoingToken: nil)
            throw error
        }
    }

    /// One call: the envelope read, its data decoded; anything else is a 3001 naming what went wrong.
    func call<Payload: Codable & Sendable>(
        _ method: String, _ url: String, token: String, partner: OCPIPartnerRecord, repository: any CloudRepository,
        body: (some Encodable)? = String?.none
    ) async throws -> Payload {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "https" || (scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(parsed.host ?? ""))
        else {
            throw OCPIError(http: 200, code: OCPIStatus.unableToUseClientAPI, "not an https URL: \(url)")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Authorization", value: OCPITokens.header(token, plain: partner.plainTokens))
        request.headers.add(name: "X-Request-ID", value: UUID().uuidString)
        request.headers.add(name: "X-Correlation-ID", value: UUID().uuidString)
        var sent: String?
        if let body {
            let data = try OCPIJSON.encoder().encode(body)
            sent = String(decoding: data, as: UTF8.self)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        var status = 0
        var text = ""
        defer {
            let message = OCPIMessageRecord(
                direction: "out", method: method, url: url, status: status, request: sent.map(OCPITokens.redacted),
                response: OCPITokens.redacted(text), at: Date())
            Task { try? await repository.logOCPI(partner: partner.id, message) }
        }
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            text = String(buffer: try await response.body.collect(upTo: 4 << 20))
        } catch {
            throw OCPIError(http: 200, code: OCPIStatus.unableToUseClientAPI, "\(method) \(url) failed: \(error)")
        }
        let envelope: OCPIEnvelope<Payload>
        do {
            envelope = try OCPIJSON.decoder().decode(OCPIEnvelope<Payload>.self, from: Data(text.utf8))
        } catch {
            throw OCPIError(
                http: 200, code: OCPIStatus.unableToUseClientAPI,
                "\(method) \(url) answered \(status) without a valid OCPI envelope: \(error)")
        }
        guard (200..<300).contains(status), envelope.statusCode / 1000 == 1, let data = envelope.data else {
            throw OCPIError(
                http: 200, code: OCPIStatus.unableToUseClientAPI,
                "\(method) \(url) answered \(status), status_code \(envelope.statusCode): \(envelope.statusMessage ?? "")")
        }
        return data
    }
}
