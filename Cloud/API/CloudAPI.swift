public import CloudCore
public import CloudIngest
public import CloudStore
public import Foundation
public import Hummingbird
import NIOCore
import OCPP
import SiteModel
public import SyncContract

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
    /// Firmware downloads in progress (a bounded number at once).
    let downloads = FirmwareDownload.Slots()
    static let maxBodyBytes = 1 << 20

    public init(
        repository: any CloudRepository, relay: CommandRelay, commandTimeout: Duration, metrics: APIMetrics,
        prometheus: @escaping @Sendable () -> [UInt8], tokenListChanged: @escaping @Sendable (String) async -> Void,
        publicURL: String? = nil
    ) {
        self.publicURL = publicURL
        self.repository = repository
        self.relay = relay
        self.commandTimeout = commandTimeout
        self.metrics = metrics
        self.prometheus = prometheus
        self.tokenListChanged = tokenListChanged
    }

    /// The largest token list sent to an edge: under mosquitto's `message_size_limit` of 256 KiB in the example
    /// broker configuration, with room for the envelope.
    static let maxTokenListBytes = 255 * 1024

    public func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.middlewares.add(StrictTransportSecurity())
        router.middlewares.add(ProblemMiddleware(metrics: metrics))
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
        router.middlewares.add(TokenAuthenticator(repository: repository))
        router.get("/metrics") { _, context in
            // Fleet-wide volumes: for the fleet's own administrators (security review, finding 27).
            try Users.requireStaffAdmin(try context.require(.admin))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: prometheus())))
        }
        let api = router.group("/api/v1")
        addFirmwareRoutes(to: api)
        addAccessRoutes(to: api)
        api.get("/reservations") { _, context in
            let identity = try context.require(.read)
            return try json(Items(items: try await Reservations.upcoming(for: identity, repository: repository)))
        }
        api.get("/groups") { _, context in
            let identity = try context.require(.read)
            return try json(Items(items: try await GroupInput.visible(to: identity, repository: repository)))
        }
        api.put("/groups/:group") { request, context in
            let identity = try context.require(.configure)
            let input = try await decode(GroupInput.self, from: request)
            return try json(
                try await input.save(id: try context.parameters.require("group"), by: identity, repository: repository))
        }
        api.delete("/groups/:group") { _, context in
            let identity = try context.require(.configure)
            guard identity.organization == nil, try await repository.deleteGroup(id: try context.parameters.require("group"))
            else {
                throw Problem(status: 404, detail: "no such group")
            }
            return Response(status: .noContent)
        }
        api.get("/vehicles") { _, context in
            let identity = try context.require(.read)
            return try json(Items(items: try await Vehicles.list(for: identity, repository: repository)))
        }
        api.post("/vehicles") { request, context in
            let identity = try context.require(.configure)
            let vehicle = try await Vehicles.add(
                try await decode(VehicleInput.self, from: request), by: identity, repository: repository)
            var response = try json(vehicle)
            response.status = .created
            return response
        }
        api.delete("/vehicles/:vehicle") { _, context in
            let identity = try context.require(.configure)
            let id = try context.parameters.require("vehicle")
            guard let vehicle = try await repository.vehicles().first(where: { $0.id == id }),
                identity.sees(vehicleOf: vehicle.organization), try await repository.deleteVehicle(id: id)
            else {
                throw Problem(status: 404, detail: "no vehicle '\(id)'")
            }
            return Response(status: .noContent)
        }
        api.get("/sites") { _, context in
            let identity = try context.require(.read)
            return try json(Items(items: try await repository.sites(in: identity.scope)))
        }
        api.get("/sites/:site") { _, context in
            try json(try await visibleSite(context))
        }
        api.put("/sites/:site") { request, context in
            _ = try context.require(.configure)
            let site = try await visibleSite(context, whole: true)
            return try json(try await decode(SiteChange.self, from: request).apply(to: site.id, repository: repository))
        }
        api.post("/sites/:site/stations") { request, context in
            _ = try context.require(.configure)
            let site = try await visibleSite(context, whole: true)
            let input = try await decode(StationRegistrationInput.self, from: request)
            return try await relay(
                site: site.id, station: input.id, action: StationRegistration.action,
                payload: try await input.payload(site: site.id, by: try context.require(.configure), repository: repository),
                user: context.identity?.user)
        }
        api.get("/sites/:site/meters") { request, context in
            let site = try await visibleSite(context, whole: true)
            let query = Query(request)
            let points = try await repository.meterSeries(
                site: site.id, from: try query.date("from"), to: try query.date("to"),
                limit: try query.integer("limit", in: 1...10_000, default: 1000))
            return try json(Items(items: points))
        }
        api.get("/sites/:site/tokens") { _, context in
            let site = try await visibleSite(context, whole: true)
            let (version, tokens) = try await repository.siteTokens(site: site.id)
            return try json(TokenListBody(version: version, tokens: tokens))
        }
        api.put("/sites/:site/tokens") { request, context in
            _ = try context.require(.configure)
            let site = try await visibleSite(context, whole: true)
            let body = try await decode(TokenListInput.self, from: request)
            for (index, token) in body.tokens.enumerated() {
                guard !token.idTag.isEmpty, token.idTag.utf8.count <= 20 else {
                    throw Problem(status: 400, detail: "tokens[\(index)].idTag must be 1 to 20 characters (OCPP 1.6 IdToken)")
                }
                guard ["Accepted", "Blocked", "Expired", "Invalid"].contains(token.status) else {
                    throw Problem(status: 400, detail: "tokens[\(index)].status must be Accepted, Blocked, Expired or Invalid")
                }
            }
            // The list reaches the edge as one retained MQTT message: one over the broker's message size limit would be
            // dropped by the broker without an error, and the edge would keep its old list (security review, finding 38).
            let size = try SyncJSON.encoder().encode(TokenListBody(version: Int(Int32.max), tokens: body.tokens)).count
            guard size <= Self.maxTokenListBytes else {
                throw Problem(
                    status: 413,
                    detail: "the token list is \(size) bytes as sent to the edge; a site's list may be at most "
                        + "\(Self.maxTokenListBytes) bytes (about \(Self.maxTokenListBytes / 50) tokens), under the broker's "
                        + "message size limit")
            }
            let version = try await repository.replaceSiteTokens(site: site.id, with: body.tokens)
            await tokenListChanged(site.id)
            return try json(TokenListBody(version: version, tokens: body.tokens))
        }
        api.put("/sites/:site/load-management") { request, context in
            _ = try context.require(.configure)
            let site = try await visibleSite(context, whole: true)
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let change = try Requests.loadSettings(from: Data(body.readableBytesView))
            let payload = String(decoding: try SyncJSON.encoder().encode(change), as: UTF8.self)
            return try await relay(site: site.id, action: LoadSettings.action, payload: payload, user: context.identity?.user)
        }
        api.get("/stations") { request, context in
            let identity = try context.require(.read)
            let site = Query(request).string("site")
            return try json(Items(items: try await repository.stations(site: site, in: identity.scope)))
        }
        // A station is named by its site and its id; `/stations/{station}` stays for a bare id the caller sees at
        // one site only (409 when at several).
        for prefix in ["/sites/:site/stations/:station", "/stations/:station"] {
            api.get("\(prefix)") { _, context in
                try json(try await visibleStation(context))
            }
            api.get("\(prefix)/connectors") { _, context in
                try json(Items(items: try await visibleStation(context).connectors))
            }
            api.post("\(prefix)/commands/:action") { request, context in
                _ = try context.require(.control)
                let station = try await visibleStation(context)
                let action = try context.parameters.require("action")
                let body = try await request.body.collect(upTo: Self.maxBodyBytes)
                let payload = body.readableBytes == 0 ? "{}" : String(buffer: body)
                try Requests.validateCommand(action: action, payload: payload)
                return try await relay(
                    site: station.site, station: station.id, action: action, payload: payload, user: context.identity?.user)
            }
            api.post("\(prefix)/approval") { request, context in
                _ = try context.require(.configure)
                let station = try await visibleStation(context)
                let body = try await decode(StationApprovalChange.self, from: request)
                guard StationApprovalChange.approvals.contains(body.approval) else {
                    throw Problem(status: 400, detail: "approval must be accepted or rejected, got '\(body.approval)'")
                }
                let payload = String(decoding: try SyncJSON.encoder().encode(body), as: UTF8.self)
                return try await relay(
                    site: station.site, station: station.id, action: StationApprovalChange.action, payload: payload,
                    user: context.identity?.user)
            }
        }
        api.post("/sites/:site/stations/:station/move") { request, context in
            try Users.requireStaffAdmin(try context.require(.admin))
            let station = try await visibleStation(context)
            let body = try await decode(StationMove.self, from: request)
            guard try await repository.site(id: body.site) != nil else {
                throw Problem(status: 404, detail: "site: no site '\(body.site)'")
            }
            _ = try await repository.moveStation(station.key, to: body.site)
            guard let moved = try await repository.station(site: body.site, id: station.id) else {
                throw Problem(status: 500, detail: "the station was not moved")
            }
            return try json(moved)
        }
        api.get("/sessions") { request, context in
            let identity = try context.require(.read)
            return try json(try await repository.sessions(try Requests.sessionFilter(Query(request), scope: identity.scope)).body)
        }
        api.get("/sessions/:site/:transaction") { _, context in
            let site = try await visibleSite(context)
            let transaction = try context.parameters.require("transaction", as: Int.self)
            guard let session = try await repository.session(site: site.id, transactionId: transaction),
                try context.require(.read).sees(station: session.station, site: site.id)
            else {
                throw Problem(status: 404, detail: "no session \(transaction) at site '\(site.id)'")
            }
            return try json(session)
        }
        api.get("/events") { request, context in
            let identity = try context.require(.read)
            let query = Query(request)
            let severity = query.string("severity")
            if let severity, !["info", "warning", "error"].contains(severity) {
                throw Problem(status: 400, detail: "severity must be info, warning or error, got '\(severity)'")
            }
            let filter = EventFilter(
                scope: identity.scope, site: try query.stationFilter().site, station: try query.stationFilter().station,
                kind: query.string("kind"),
                severity: severity, from: try query.date("from"), to: try query.date("to"),
                limit: try query.integer("limit", in: 1...1000, default: 100))
            return try json(Items(items: try await repository.events(filter)))
        }
        return router
    }

    // MARK: Helpers

    /// The site of the path, if the caller may see it (404 otherwise, so ids of others are not confirmed); `whole`
    /// when what is asked is the site's own (settings, meters, tokens, stations to add), not only a granted station's.
    private func visibleSite(_ context: APIRequestContext, whole: Bool = false) async throws -> SiteRecord {
        let identity = try context.require(.read)
        let id = try context.parameters.require("site")
        guard whole ? identity.seesWhole(site: id) : identity.sees(site: id), let site = try await repository.site(id: id) else {
            throw Problem(status: 404, detail: "no site '\(id)'")
        }
        return site
    }

    /// The station of the path (`/sites/{site}/stations/{station}`, or `/stations/{station}` for an id the caller
    /// sees at one site only), if the caller may see it: 404 otherwise, so stations of others are not confirmed.
    private func visibleStation(_ context: APIRequestContext) async throws -> StationView {
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
    private func relay(
        site: String, station: String = "", action: String, payload: String, user: String?
    ) async throws
        -> Response
    {
        let result: CommandResultRecord
        do {
            result = try await relay.send(
                site: site, station: station, action: action, payload: payload, user: user, timeout: commandTimeout)
        } catch {
            switch error {
            case .siteOffline: throw Problem(status: 409, detail: error.description)
            case .brokerUnavailable: throw Problem(status: 503, detail: error.description)
            case .timeout: throw Problem(status: 504, detail: error.description)
            }
        }
        let detail = result.error ?? result.outcome.rawValue
        switch result.outcome {
        case .accepted:
            let response = result.response ?? "{}"
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(
                    byteBuffer: ByteBuffer(string: #"{"id":"\#(result.id)","outcome":"accepted","response":\#(response)}"#)))
        case .notConnected, .rejected: throw Problem(status: 409, detail: detail)
        case .timeout, .expired: throw Problem(status: 504, detail: detail)
        case .invalid: throw Problem(status: 400, detail: detail)
        case .stationError, .invalidResponse, .failed, .unknown: throw Problem(status: 502, detail: detail)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let body = try await request.body.collect(upTo: Self.maxBodyBytes)
        do {
            return try SyncJSON.decoder().decode(T.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            throw Problem(status: 400, detail: "the body is not valid: \(error)")
        }
    }

    func json(_ value: some Encodable) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try SyncJSON.encoder().encode(value))))
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
