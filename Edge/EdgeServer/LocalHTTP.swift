import CentralSystem
import EdgeConfig
import EdgeStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import LoadControl
import Logging
import MeterIO
import OCPP
import Prometheus
import ServerSupport
import SiteModel

/// The edge's local HTTP interface (by default on 127.0.0.1:9001): status, stations, sessions, metrics,
/// health, station approval, and every OCPP command through `POST /stations/<id>/commands/<Action>`.
struct LocalHTTP {
    let central: CentralSystem
    let registry: PrometheusCollectorRegistry
    let board: MeterBoard
    let load: LoadController
    /// What changes must carry as `Authorization: Bearer …` (``LocalHTTPToken``).
    let token: String
    static let maxBodyBytes = 1 << 20

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        // In Hummingbird 2 a middleware applies to the routes added after it.
        router.middlewares.add(
            ProblemMiddleware(
                service: "local HTTP request", realm: "gridside-edge", showsInternalErrors: true, refusalLevel: .warning,
                count: { [metrics = central.metrics] in metrics.httpError(status: $0) }))
        router.middlewares.add(LocalOnly(listenHost: central.configuration.http.host, token: token))
        router.get("/healthz") { _, _ in
            try await healthz()
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/status") { _, _ in try await json(status()) }
        router.get("/stations") { _, _ in try await json(stations()) }
        router.get("/stations/:id") { _, context in
            let id = try Self.stationId(context)
            guard let station = try await stations(only: id).first else {
                throw Problem(status: 404, detail: "no station '\(id)' is known")
            }
            return try json(station)
        }
        router.get("/stations/:id/history") { _, context in
            let id = try Self.stationId(context)
            return try json(try await central.store.statusHistory(stationId: id).map(ConnectorView.init))
        }
        router.post("/stations/:id/approve") { _, context in
            try await setApproval(try Self.stationId(context), .accepted)
        }
        router.post("/stations/:id/reject") { _, context in
            try await setApproval(try Self.stationId(context), .rejected)
        }
        router.get("/sessions") { request, _ in try await sessions(request) }
        router.get("/sessions/:id") { _, context in
            let id = try context.parameters.require("id", as: Int.self)
            guard let session = try await central.store.session(id: id) else {
                throw Problem(status: 404, detail: "no session with transaction id \(id)")
            }
            return try json(SessionView(session))
        }
        router.post("/stations/:id/commands/:action") { request, context in
            let id = try Self.stationId(context)
            let action = try context.parameters.require("action")
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let payload = body.readableBytes == 0 ? Array("{}".utf8) : Array(body.readableBytesView)
            do {
                let answer = try await central.command(stationId: id, action: action, payload: payload)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: answer)))
            } catch let error as CommandError {
                throw Self.problem(for: error)
            }
        }
        return router
    }

    /// `GET /sessions`: newest first, filtered by `active` and `station`, paged by `cursor` (a `Link` to the next page).
    private func sessions(_ request: Request) async throws -> Response {
        let query = Query(request)
        let active = try query.bool("active")
        let limit = try query.integer("limit", in: 1...10_000, default: 100)
        let before: Int?
        do {
            before = try query.integer("cursor", in: 1...Int.max)
        } catch {
            throw Problem(
                status: 400,
                detail: "cursor must be one the previous page's Link header handed out, got '\(query.string("cursor") ?? "")'")
        }
        // One more than asked for says whether there is a next page.
        let sessions = try await central.store.sessions(
            active: active, stationId: query.string("station"), before: before, limit: limit + 1)
        var response = try json(sessions.prefix(limit).map(SessionView.init))
        if sessions.count > limit {
            let next = Self.nextPage(of: request.uri, cursor: sessions[limit - 1].id)
            response.headers[HTTPField.Name("Link")!] = "<\(next)>; rel=\"next\""
        }
        return response
    }

    /// The same list's next page: the request's path and query with `cursor` set (RFC 8288 `Link: <…>; rel="next"`).
    static func nextPage(of uri: URI, cursor: Int) -> String {
        var items = URLComponents(string: uri.description)?.queryItems ?? []
        items.removeAll { $0.name == "cursor" }
        items.append(URLQueryItem(name: "cursor", value: "\(cursor)"))
        var components = URLComponents()
        components.path = uri.path
        components.queryItems = items
        return components.string ?? "\(uri.path)?cursor=\(cursor)"
    }

    /// The station id of the path, percent-decoded: ids may hold characters URLs escape (`CP/7` is `CP%2F7`).
    static func stationId(_ context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require("id")
        return raw.removingPercentEncoding ?? raw
    }

    /// The one place command failures become HTTP statuses.
    static func problem(for error: CommandError) -> Problem {
        switch error {
        case .unknownAction: Problem(status: 404, detail: error.description)
        case .invalidPayload: Problem(status: 400, detail: error.description)
        case .notConnected, .notAccepted, .refused: Problem(status: 409, detail: error.description)
        case .timeout: Problem(status: 504, detail: error.description)
        case .stationError, .invalidResponse: Problem(status: 502, detail: error.description)
        }
    }

    private func healthz() async throws -> Response {
        _ = try await central.store.stations()
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
    }

    private func setApproval(_ id: String, _ approval: Approval) async throws -> Response {
        do {
            try await central.approve(stationId: id, approval)
        } catch let refusal as ApprovalRefusal {
            throw Problem(status: 409, detail: refusal.description)
        }
        return try json(try await stations(only: id).first)
    }

    private func status() async throws -> SiteStatusView {
        let stations = try await stations()
        let active = try await central.store.sessions(active: true, limit: 10_000)
        return SiteStatusView(
            site: .init(id: central.configuration.site.id, name: central.configuration.site.name),
            connectedStations: stations.filter(\.connected).count, stations: stations,
            activeSessions: active.map(SessionView.init), meters: board.meters.map { MeterView($0, now: Date()) },
            loadManagement: load.status.map(LoadView.init))
    }

    private func stations(only id: String? = nil) async throws -> [StationView] {
        let records = try await central.store.stations().filter { id == nil || $0.id == id }
        let connectors = Dictionary(grouping: try await central.store.connectors(stationId: id), by: \.stationId)
        return records.map { StationView($0, session: central.session(stationId: $0.id), connectors: connectors[$0.id] ?? []) }
    }

    private func json(_ value: some Encodable) throws -> Response {
        let encoder = OCPPJSON.makeEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// The local interface answers only requests addressed to it, and takes changes only as JSON and with its token
/// (security review, finding 25): a web page the box's browser opens cannot use it, neither by DNS rebinding (a `Host`
/// other than this interface's own) nor by a simple cross-site form post (which cannot send `application/json`), and
/// another account on the box cannot send commands without reading the edge's token file. Reads on loopback stay
/// open (status for the installer, metrics for a local scraper); off loopback every request but `/healthz` needs the
/// token.
struct LocalOnly<Context: RequestContext>: RouterMiddleware {
    let listenHost: String
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        let host = request.head.authority.map(Self.hostName) ?? ""
        let listen = Self.hostName(listenHost)
        // Bound to every address (which `check` warns about), any address of this box may be asked, but DNS
        // rebinding always comes with a name: only IP literals then.
        let anyAddress = listen == "0.0.0.0" || listen == "::"
        guard host.isEmpty || Self.loopback.contains(host) || host == listen || (anyAddress && Self.isIPLiteral(host))
        else {
            throw Problem(
                status: 421,
                detail: "this interface answers requests to \(listenHost) only, not to '\(host)'")
        }
        // Every POST, with a body or not: a page can send one with no content type and no preflight.
        if request.method == .post, !(request.headers[.contentType]?.lowercased().hasPrefix("application/json") ?? false) {
            throw Problem(
                status: 415,
                detail: "send POST requests as application/json (Content-Type), not \(request.headers[.contentType] ?? "none")")
        }
        let reads = request.method == .get || request.method == .head
        let onLoopback = Self.loopback.contains(listen) || listen.hasPrefix("127.")
        if !(reads && (onLoopback || request.uri.path == "/healthz")) {
            let offered = request.headers[.authorization].flatMap { value -> Substring? in
                let parts = value.split(separator: " ", maxSplits: 1)
                return parts.count == 2 && parts[0].lowercased() == "bearer" ? parts[1] : nil
            }
            guard let offered, LocalHTTPToken.matches(offered, token) else {
                throw Problem(
                    status: 401,
                    detail: offered == nil
                        ? "send the edge's token as Authorization: Bearer (http.token_file, by default http.token next to the store)"
                        : "the bearer token is not the one in the edge's http.token_file")
            }
        }
        return try await next(request, context)
    }

    static var loopback: Set<String> { ["127.0.0.1", "localhost", "::1"] }

    /// `host:port` or `[v6]:port` without the port and brackets, lowercased; a bare IPv6 address as it is.
    static func hostName(_ authority: String) -> String {
        let lowered = authority.lowercased()
        if lowered.hasPrefix("[") { return String(lowered.dropFirst().prefix { $0 != "]" }) }
        if lowered.filter({ $0 == ":" }).count > 1 { return lowered }
        return String(lowered.split(separator: ":", maxSplits: 1).first ?? "")
    }

    static func isIPLiteral(_ host: String) -> Bool {
        host.contains(":") || (!host.isEmpty && host.allSatisfy { $0.isNumber || $0 == "." })
    }
}
