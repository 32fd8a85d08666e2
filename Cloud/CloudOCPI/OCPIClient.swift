public import AsyncHTTPClient
public import CloudStore
public import Foundation
public import Logging
public import NIOCore
import NIOHTTP1

/// Calls to partners: their versions and endpoints, and this cloud's side of a registration it starts. Over HTTPS
/// (`http://` to this machine only, for a partner run on loopback); each call kept with the partner, tokens redacted.
public struct OCPIClient: Sendable {
    public let party: OCPIParty
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
        let envelope: OCPIEnvelope<Payload>
        do {
            let (received, message) = try await exchange(
                method, url, token: token, partner: partner, json: try body.map { try OCPIJSON.encoder().encode($0) },
                as: Payload.self)
            Task { try? await repository.logOCPI(partner: partner.id, message) }
            envelope = received
        } catch let failure as Failure {
            Task { try? await repository.logOCPI(partner: partner.id, failure.message) }
            throw failure.error
        }
        guard let data = envelope.data else {
            throw OCPIError(http: 200, code: OCPIStatus.unableToUseClientAPI, "\(method) \(url) answered no data")
        }
        return data
    }

    /// How a push went: taken; refused by the partner (an OCPI 2xxx status, or HTTP 400 or 422 without an envelope: the
    /// object, not the connection, is the problem); or not answered (unreachable, timed out, 5xx, 3xxx, or not let in:
    /// 401, 403, 405, 408, 429).
    enum PushResult: Sendable, Equatable {
        case accepted
        case refused(String)
        case unanswered(String)
    }

    /// A push (PUT, PATCH, POST, DELETE) whose answer carries no data this cloud reads. The call as it is to be kept
    /// comes back however it went (the caller keeps many in one write).
    func push(
        _ method: String, _ url: String, token: String, partner: OCPIPartnerRecord, body: Data?, from: OCPICodes? = nil
    ) async -> (PushResult, OCPIMessageRecord) {
        do {
            let (_, message) = try await exchange(
                method, url, token: token, partner: partner, json: body, as: Ignored.self, from: from)
            return (.accepted, message)
        } catch let failure as Failure {
            return (failure.refused ? .refused(failure.error.message) : .unanswered(failure.error.message), failure.message)
        } catch {
            let message = OCPIMessageRecord(
                direction: "out", method: method, url: url, status: 0, request: nil, response: "\(error)", at: Date())
            return (.unanswered("\(error)"), message)
        }
    }

    /// A failed call, the call as it is to be kept, and whether the partner refused it (rather than not answering).
    struct Failure: Error {
        let error: OCPIError
        let message: OCPIMessageRecord
        var refused = false
    }

    /// Sends the call and reads the envelope; success is an HTTP 2xx with a 1xxx status code. Throws ``Failure``.
    private func exchange<Payload: Codable & Sendable>(
        _ method: String, _ url: String, token: String, partner: OCPIPartnerRecord, json: Data?, as: Payload.Type,
        next: UnsafeSendableBox<String?>? = nil, from: OCPICodes? = nil
    ) async throws -> (OCPIEnvelope<Payload>, OCPIMessageRecord) {
        var message = OCPIMessageRecord(
            direction: "out", method: method, url: url, status: 0,
            request: json.map { OCPITokens.redacted(String(decoding: $0, as: UTF8.self)) }, response: nil, at: Date())
        func failure(_ text: String) -> Failure {
            Failure(error: OCPIError(http: 200, code: OCPIStatus.unableToUseClientAPI, text), message: message)
        }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "https" || (scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(parsed.host ?? ""))
        else { throw failure("not an https URL: \(url)") }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Authorization", value: OCPITokens.header(token, plain: partner.plainTokens))
        request.headers.add(name: "X-Request-ID", value: UUID().uuidString)
        request.headers.add(name: "X-Correlation-ID", value: UUID().uuidString)
        // From the party whose object it is (an operator's), else the platform's own.
        request.headers.add(name: "OCPI-from-country-code", value: (from ?? party.codes).countryCode)
        request.headers.add(name: "OCPI-from-party-id", value: (from ?? party.codes).partyId)
        if let theirs = partner.roles.first {
            request.headers.add(name: "OCPI-to-country-code", value: theirs.countryCode)
            request.headers.add(name: "OCPI-to-party-id", value: theirs.partyId)
        }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        let text: String
        do {
            let response = try await http.execute(request, timeout: timeout)
            message.status = Int(response.status.code)
            next?.value = response.headers.first(name: "Link").flatMap(Self.nextLink)
            text = String(buffer: try await response.body.collect(upTo: 4 << 20))
            message.response = OCPITokens.redacted(text)
        } catch {
            message.response = "\(error)"
            throw failure("\(method) \(url) failed: \(error)")
        }
        let envelope: OCPIEnvelope<Payload>
        do {
            envelope = try OCPIJSON.decoder().decode(OCPIEnvelope<Payload>.self, from: Data(text.utf8))
        } catch {
            var refusal = failure("\(method) \(url) answered \(message.status) without a valid OCPI envelope: \(error)")
            // A body the partner's framework refused (400, 422) is the object's fault; any other answer is no answer.
            refusal.refused = [400, 422].contains(message.status)
            throw refusal
        }
        guard (200..<300).contains(message.status), envelope.statusCode / 1000 == 1 else {
            var refusal = failure(
                "\(method) \(url) answered \(message.status), status_code \(envelope.statusCode): \(envelope.statusMessage ?? "")"
            )
            // The partner's OCPI layer refused the object (2xxx), unless the call itself was not let in (a wrong
            // token or URL, a method not allowed, too many calls): that is no answer, not a refusal.
            refusal.refused = envelope.statusCode / 1000 == 2 && ![401, 403, 405, 408, 429].contains(message.status)
            throw refusal
        }
        return (envelope, message)
    }
}

extension OCPIClient {
    /// Every object of a partner's sender module (its GET list), page after page as its `Link: <…>; rel="next"`
    /// headers lead (at most `maxPages`), each object as the JSON it sent; the calls kept with the partner.
    func list(
        _ url: String, token: String, partner: OCPIPartnerRecord, repository: any CloudRepository, maxPages: Int = 1000
    ) async throws -> [[String: Any]] {
        var objects: [[String: Any]] = []
        var page: String? = url.contains("?") ? url : "\(url)?offset=0&limit=100"
        for _ in 0..<maxPages {
            guard let current = page else { break }
            let next = UnsafeSendableBox<String?>(nil)
            let raw: [RawObject]
            do {
                let (envelope, message) = try await exchange(
                    "GET", current, token: token, partner: partner, json: nil, as: [RawObject].self, next: next)
                try? await repository.logOCPI(partner: partner.id, message)
                raw = envelope.data ?? []
            } catch let failure as Failure {
                try? await repository.logOCPI(partner: partner.id, failure.message)
                throw failure.error
            }
            objects += raw.map(\.object)
            // The next page on the list's own origin only: the partner's token goes nowhere else.
            page = next.value.flatMap { Self.sameOrigin($0, url) ? $0 : nil }
        }
        return objects
    }

    /// A URL's scheme, host and port (`https://host:443`), nil when it has none.
    static func origin(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased()
        else { return nil }
        return "\(scheme)://\(host):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    /// Whether two URLs share scheme, host and port.
    static func sameOrigin(_ one: String, _ other: String) -> Bool {
        origin(one) != nil && origin(one) == origin(other)
    }

    /// The URL of a `Link` header's `rel="next"`.
    static func nextLink(_ header: String) -> String? {
        for part in header.split(separator: ",") where part.contains("rel=\"next\"") || part.contains("rel=next") {
            guard let open = part.firstIndex(of: "<"), let close = part.firstIndex(of: ">"), open < close else { continue }
            return String(part[part.index(after: open)..<close])
        }
        return nil
    }
}

/// A JSON object as it came (an object of a partner's list).
struct RawObject: Codable, @unchecked Sendable {
    let object: [String: Any]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let json = try container.decode(JSONValue.self)
        guard case .object = json, let object = json.any as? [String: Any] else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON object")
        }
        self.object = object
    }

    func encode(to encoder: any Encoder) throws {}
}

/// Any JSON value, to read objects whose shape is checked later.
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var any: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .number(let value): value
        case .string(let value): value
        case .array(let values): values.map(\.any)
        case .object(let values): values.mapValues(\.any)
        }
    }
}

/// A value a call fills in as it goes (the next page's URL).
final class UnsafeSendableBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// An answer's data this cloud does not read (whatever its shape).
struct Ignored: Codable, Sendable {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
}
