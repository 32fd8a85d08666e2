public import CloudBilling
public import CloudCore
public import CloudIngest
public import CloudOCPI
public import CloudReports
public import CloudStore
import Foundation
public import Hummingbird
import NIOCore
import OCPP
import ServerSupport
import SiteModel
import SyncContract

/// The REST API under `/api/v1` (documented in `/api/v1/openapi.json`), plus `/healthz` and `/metrics`.
/// Every route but the document and the health check needs a bearer token; every list is scoped to the
/// sites the caller may see.
public struct CloudAPI: Sendable {
    let repository: any CloudRepository
    let relay: CommandRelay
    let commandTimeout: Duration
    let metrics: APIMetrics
    let prometheus: @Sendable () -> [UInt8]
    let tokenListChanged: @Sendable (String) async -> Void
    /// How chargers reach this cloud, for firmware download URLs; nil: the address each request came to.
    let publicURL: String?
    /// Prices running sessions (what a finished one was billed is kept with it); the cloud's costing service bills
    /// finished ones with the same.
    public let pricer: SessionPricer
    let reports: Reports
    let reportSettings: ReportSettings
    /// Sites made, given new broker passwords and retired.
    let onboarding: SiteOnboarding
    /// Firmware downloads in progress (a bounded number at once).
    let downloads = FirmwareDownload.Slots()
    /// Diagnostics uploads in progress (each holds up to ``Diagnostics/maxBytes`` in memory).
    let uploads = UploadSlots(limit: 4)
    /// OCPI roaming: the partners' own interface (`/ocpi/…`) and their management here; nil without an `ocpi:` section.
    let ocpi: (server: OCPIServer, partners: OCPIPartners)?
    static let maxBodyBytes = 1 << 20

    public init(
        repository: any CloudRepository, relay: CommandRelay, commandTimeout: Duration, metrics: APIMetrics,
        prometheus: @escaping @Sendable () -> [UInt8], tokenListChanged: @escaping @Sendable (String) async -> Void,
        publicURL: String? = nil, rounding: CurrencyRounding = CurrencyRounding(),
        reportSettings: ReportSettings = ReportSettings(), onboarding: SiteOnboarding? = nil,
        ocpi: (server: OCPIServer, partners: OCPIPartners)? = nil
    ) {
        self.ocpi = ocpi
        self.onboarding =
            onboarding ?? SiteOnboarding(repository: repository, accounts: nil, siteBroker: "mqtts://127.0.0.1:8883")
        self.reportSettings = reportSettings
        reports = Reports(repository: repository, maxPowerW: reportSettings.maxPowerW)
        self.publicURL = publicURL
        pricer = SessionPricer(repository: repository, rounding: rounding)
        self.repository = repository
        self.relay = relay
        self.commandTimeout = commandTimeout
        self.metrics = metrics
        self.prometheus = prometheus
        self.tokenListChanged = tokenListChanged
    }

    /// The largest token list sent to an edge: under mosquitto's `message_size_limit` of 256 KiB in the example
    /// broker configuration, with room for the envelope.

    public func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.middlewares.add(StrictTransportSecurity())
        router.middlewares.add(
            ProblemMiddleware(service: "API request", realm: "gridside", count: { [metrics] in metrics.error(status: $0) }))
        router.get("/healthz") { _, _ in
            _ = try await repository.sites(in: Scope())
            return Response(
                status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/api/v1/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        addFirmwareDownload(to: router)
        addDiagnosticsUpload(to: router)
        // Partners call with OCPI's own `Authorization: Token …`, not the API's bearer tokens.
        ocpi?.server.addRoutes(to: router)
        router.middlewares.add(TokenAuthenticator(repository: repository))
        router.get("/metrics") { _, context in
            // Fleet-wide volumes: for the fleet's own administrators (security review, finding 27).
            try Users.requireStaffAdmin(try context.require(.admin))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: prometheus())))
        }
        // One collection per resource; routes are listed there once, and the OpenAPI document is checked against them.
        for resource in [
            firmwareRoutes, accessRoutes, siteRoutes, stationRoutes, sessionAndEventRoutes, groupAndVehicleRoutes, tariffRoutes,
            reportRoutes, statementRoutes, cardRoutes, notificationRoutes, diagnosticsRoutes, ocpiRoutes,
        ] {
            router.addRoutes(resource, atPath: "/api/v1")
        }
        return router
    }

    // MARK: Helpers

    /// The site of the path, if the caller may see it (404 otherwise, so ids of others are not confirmed); `whole`
    /// when what is asked is the site's own (settings, meters, tokens, stations to add), not only a granted station's.
    func visibleSite(_ context: APIRequestContext, whole: Bool = false) async throws -> SiteRecord {
        let identity = try context.require(.read)
        let id = try context.parameters.require("site")
        guard whole ? identity.seesWhole(site: id) : identity.sees(site: id), let site = try await repository.site(id: id) else {
            throw Problem(status: 404, detail: "no site '\(id)'")
        }
        return site
    }

    /// The station of the path (`/sites/{site}/stations/{station}`, or `/stations/{station}` for an id the caller
    /// sees at one site only), if the caller may see it: 404 otherwise, so stations of others are not confirmed.
    func visibleStation(_ context: APIRequestContext) async throws -> StationView {
        let identity = try context.require(.read)
        let raw = try context.parameters.require("station")
        let id = raw.removingPercentEncoding ?? raw
        let reference = context.parameters.get("site").map { "\($0)/\(id)" } ?? id
        do {
            return try await repository.resolveStation(reference, in: identity.scope)
        } catch let error as StationLookupError {
            switch error {
            case .notFound: throw Problem(status: 404, detail: error.description)
            case .ambiguous: throw Problem(status: 409, detail: error.description)
            }
        }
    }

    /// A command for a station of `site` (an empty `station`: for the site's edge itself), answered with the edge's
    /// result.
    func relay(
        site: String, station: String = "", action: String, payload: String, user: String?
    ) async throws -> CommandAnswer {
        let result = try await relayResult(site: site, station: station, action: action, payload: payload, user: user)
        let detail = result.error ?? result.outcome.rawValue
        switch result.outcome {
        case .accepted: return CommandAnswer(id: result.id, response: result.response ?? "{}")
        case .notConnected, .rejected: throw Problem(status: 409, detail: detail)
        case .timeout, .expired: throw Problem(status: 504, detail: detail)
        case .invalid: throw Problem(status: 400, detail: detail)
        case .stationError, .invalidResponse, .failed, .unknown: throw Problem(status: 502, detail: detail)
        }
    }

    /// Sends a command and answers the edge's result whatever it is; 409, 503 or 504 when it cannot be had.
    func relayResult(
        site: String, station: String, action: String, payload: String, user: String?, recordedPayload: String? = nil
    ) async throws -> CommandResultRecord {
        do {
            return try await relay.send(
                site: site, station: station, action: action, payload: payload, user: user, timeout: commandTimeout,
                recordedPayload: recordedPayload)
        } catch {
            switch error {
            case .siteOffline: throw Problem(status: 409, detail: error.description)
            case .brokerUnavailable: throw Problem(status: 503, detail: error.description)
            case .timeout: throw Problem(status: 504, detail: error.description)
            }
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try await decode(type, from: try await request.body.collect(upTo: Self.maxBodyBytes))
    }

    func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) async throws -> T {
        do {
            return try SyncJSON.decoder().decode(T.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            throw Problem(status: 400, detail: "the body is not valid: \(error)")
        }
    }

    func json<Value: Encodable>(_ value: Value) -> JSONBody<Value> { JSONBody(value: value) }
}

/// What a handler answers: a typed value, written as JSON (the sync contract's coding: RFC 3339 dates, sorted keys)
/// when the response is made.
struct JSONBody<Value: Encodable>: ResponseGenerator {
    let value: Value
    var status = HTTPResponse.Status.ok

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try SyncJSON.encoder().encode(value))))
    }
}

/// A command the station accepted: `{"id", "outcome": "accepted", "response": <the station's payload>}`.
struct CommandAnswer: ResponseGenerator {
    let id: String
    /// The station's answer, JSON as it sent it.
    let response: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"id":"\#(id)","outcome":"accepted","response":\#(response)}"#)))
    }
}

/// `{"items": [...]}`: lists are wrapped, so fields can be added later.
struct Items<Item: Encodable>: Encodable {
    let items: [Item]
}

struct TokenListBody: Encodable {
    let version: Int
    let tokens: [SiteToken]
}

struct TokenListInput: Decodable {
    let tokens: [SiteToken]
}

struct PageBody<Item: Encodable>: Encodable {
    let items: [Item]
    let next: String?
}

extension Page where Item: Encodable {
    var body: PageBody<Item> { PageBody(items: items, next: next) }
}
