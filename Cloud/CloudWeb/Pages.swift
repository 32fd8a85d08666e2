import CloudBilling
import CloudCore
import CloudIngest
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServerSupport
import SyncContract

extension Dashboard {
    // MARK: Home

    func home(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let strings = Catalog.strings(language)
        // The user's chosen sites, unless they asked for all (within what they may see in any case).
        var view = HomeView()
        if let user = identity.user { view = try await repository.homeView(user: user) }
        let (chosen, chosenGroups) = (view.sites, view.groups)
        let showAll = Query(request).string("all") != nil
        let filtered = !chosen.isEmpty && !showAll
        let scope: Scope? = filtered ? (identity.scope ?? Scope(sites: chosen)).narrowed(to: chosen) : identity.scope
        async let summariesLoad = repository.siteSummaries(in: scope)
        async let alertsLoad = repository.alerts(in: scope, limit: 50)
        let summaries = try await summariesLoad
        let alerts = try await alertsLoad
        let groups = try await GroupInput.visible(to: identity, repository: repository)
            .filter { chosenGroups.isEmpty || showAll || chosenGroups.contains($0.id) }
        let planned = try await Reservations.upcoming(for: identity, repository: repository)
            .filter { scope.sees(station: $0.station, site: $0.site) }.count
        let names = Dictionary(summaries.map { ($0.site, $0.name) }, uniquingKeysWith: { first, _ in first })
        let model = HomePage(
            totals: LiveSummary.sum(summaries, formats: formats),
            siteRows: HomeRows.sites(summaries, formats: formats, strings: strings), hasSites: !summaries.isEmpty,
            alerts: alerts.map { alert in
                .init(
                    kind: alert.kind, label: strings["alert.\(alert.kind)"], siteId: alert.site,
                    site: names[alert.site] ?? alert.site, station: alert.station,
                    stationPath: alert.station.map { Self.stationPath(site: alert.site, station: $0) },
                    connector: alert.connector, code: alert.code, vendorErrorCode: alert.vendorErrorCode,
                    since: formats.dateTime(alert.since))
            },
            hasAlerts: !alerts.isEmpty, filtered: filtered || (!chosenGroups.isEmpty && !showAll), shown: summaries.count,
            groups: groups.map { group in
                .init(
                    id: group.id, name: group.name, stations: group.stations.count, inUse: group.counts["inUse"] ?? 0,
                    available: group.counts["available"] ?? 0, reserved: group.counts["reserved"] ?? 0,
                    inoperative: group.counts["inoperative"] ?? 0)
            },
            hasGroups: !groups.isEmpty, planned: planned)
        return page("home", title: "home.title", language: language, context: context, model: model, live: true, nav: "home")
    }

    // MARK: Site

    func sitePage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let id = try context.parameters.require("site")
        guard identity.sees(site: id), let site = try await repository.site(id: id) else {
            throw Problem(status: 404, detail: "no site '\(id)'")
        }
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let stations = try await repository.stations(site: site.id, in: identity.scope)
        let groups = identity.role.permits(.configure) ? try await GroupInput.visible(to: identity, repository: repository) : []
        // The site's own times: its pages show its local time.
        let formats = Formats(language: language, timeZone: site.timeZone.flatMap(TimeZone.init(identifier:)) ?? .current)
        let load =
            identity.seesWhole(site: site.id) ? try await loadSection(site: site, formats: formats, strings: strings) : nil
        let model = SitePage(
            groupChoices: groups.map { .init(id: $0.id, name: $0.name) }, hasGroupChoices: !groups.isEmpty,
            siteId: site.id, canConfigure: identity.role.permits(.configure) && identity.seesWhole(site: site.id),
            address: site.address, city: site.city, postalCode: site.postalCode, country: site.country,
            result: try await commandResult(Query(request).string("command"), identity: identity, strings: strings),
            latitude: site.latitude.map { String($0) }, longitude: site.longitude.map { String($0) },
            coordinates: site.latitude.flatMap { lat in site.longitude.map { String(format: "%.5f, %.5f", lat, $0) } },
            timeZone: site.timeZone, siteName: site.name, presence: site.online ? "online" : "offline",
            presenceLabel: strings[site.online ? "home.online" : "home.offline"],
            stations: stations.map { station in
                .init(
                    id: station.id, path: Self.stationPath(station), vendor: station.vendor, model: station.model,
                    firmware: station.firmwareVersion,
                    connectivity: strings[station.connected && site.online ? "station.connected" : "station.disconnected"],
                    connectors: connectorCells(station, siteOnline: site.online, strings: strings))
            }, load: load, online: site.online)
        return page("site", title: "home.site", language: language, context: context, model: model, live: true, nav: "home")
    }

    func connectorCells(_ station: StationView, siteOnline: Bool, strings: [String: String]) -> [ConnectorCell] {
        station.connectors.filter { $0.connector > 0 }.map { connector in
            let status = station.connected && siteOnline ? connector.status : "Offline"
            return ConnectorCell(
                site: station.site, station: station.id, connector: connector.connector, status: status,
                label: strings[Catalog.statusPrefix + status] ?? status, time: SyncJSON.format(connector.since))
        }
    }

    // MARK: Station

    func stationPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let station = try await visibleStation(context, identity: identity)
        let language = language(request: request, context: context)
        let site = try await repository.site(id: station.site)
        // Times on a station's page are the site's local times.
        let formats = Formats(language: language, timeZone: site?.timeZone.flatMap(TimeZone.init(identifier:)) ?? .current)
        let strings = Catalog.strings(language)
        let online = site?.online ?? false
        let active = try await repository.sessions(
            SessionFilter(scope: identity.scope, site: station.site, station: station.id, active: true, limit: 10)
        ).items
        var sessions: [StationPage.Session] = []
        for session in active {
            let samples = try await repository.sessionSamples(
                site: session.site, transactionId: session.transactionId, limit: 500)
            sessions.append(
                StationPage.Session(
                    siteId: session.site, transactionId: session.transactionId, connector: session.connector,
                    station: session.station, token: session.idTag, start: formats.dateTime(session.startTime),
                    energy: formats.energy(session.energyWh), power: formats.power(session.powerW),
                    soc: formats.percent(session.soc),
                    chart: Chart.sessionSVG(
                        samples, meterStartWh: session.meterStartWh, formats: formats, title: strings["station.chart"] ?? ""),
                    cost: formats.cost(
                        await pricer.withPrice(session).price, exclusive: strings["cost.exclVat"] ?? "")))
        }
        let transactions = Dictionary(active.map { ($0.connector, $0.transactionId) }, uniquingKeysWith: { first, _ in first })
        let canControl = identity.role.permits(.control)
        // The cells every page shows (state, label, time), plus what only this page has.
        let connectors = zip(
            station.connectors.filter { $0.connector > 0 }, connectorCells(station, siteOnline: online, strings: strings)
        ).map { connector, cell in
            let unavailable = connector.status == "Unavailable"
            return StationPage.Connector(
                cell: cell, errorCode: connector.errorCode, vendorErrorCode: connector.vendorErrorCode, info: connector.info,
                since: formats.dateTime(connector.since), transactionId: transactions[connector.connector],
                availabilityAction: unavailable ? "makeAvailable" : "makeUnavailable",
                availabilityLabel: strings[unavailable ? "action.makeAvailable" : "action.makeUnavailable"])
        }
        let events = try await history(
            EventFilter(scope: identity.scope, site: station.site, station: station.id, limit: 20), formats: formats,
            strings: strings, identity: identity)
        let reservations = try await Reservations.upcoming(for: identity, repository: repository)
            .filter { $0.site == station.site && $0.station == station.id }
        let result = try await commandResult(Query(request).string("command"), identity: identity, strings: strings)
        let diagnostics =
            identity.role.permits(.configure) ? try await diagnosticsRows(station, formats: formats, strings: strings) : []
        let model = StationPage(
            id: station.id, stationPath: Self.stationPath(station), siteId: station.site,
            siteName: site?.name ?? station.site, vendor: station.vendor, model: station.model,
            serial: station.serialNumber, firmware: station.firmwareVersion,
            connectivity: strings[station.connected && online ? "station.connected" : "station.disconnected"],
            connectionSince: formats.dateTime(station.connectionChangedAt), connectors: connectors,
            canControl: canControl, canConfigure: identity.role.permits(.configure),
            canManage: identity.seesWhole(site: station.site), sessions: sessions,
            approvalLabel: strings["approval.\(station.approval ?? "accepted")"] ?? station.approval,
            canApprove: identity.role.permits(.configure) && station.approval != nil && station.approval != "accepted",
            result: result,
            reservations: reservations.map { reservation in
                .init(
                    reservationId: reservation.reservationId, connector: reservation.connector, token: reservation.idTag,
                    expires: formats.dateTime(reservation.expires), by: reservation.madeBy ?? "API",
                    stationPath: Self.stationPath(station))
            },
            hasReservations: !reservations.isEmpty, events: events, hasEvents: !events.isEmpty,
            diagnostics: diagnostics, hasDiagnostics: !diagnostics.isEmpty)
        return page("station", title: "station.title", language: language, context: context, model: model, live: true)
    }

    /// The station of the path (`/sites/{site}/stations/{station}`), if the caller may see it (404 otherwise, so
    /// others' ids are not confirmed).
    func visibleStation(_ context: APIRequestContext, identity: APIIdentity) async throws -> StationView {
        let raw = try context.parameters.require("station")
        let id = raw.removingPercentEncoding ?? raw
        let site = try context.parameters.require("site")
        guard identity.sees(station: id, site: site), let station = try await repository.station(site: site, id: id) else {
            throw Problem(status: 404, detail: "no station '\(id)' at site '\(site)'")
        }
        return station
    }

    /// `/stations/{station}`, the address of a station page before stations were named by their site: the page of
    /// the one station of that id the caller sees, or 409 naming the sites when there are several.
    func stationRedirect(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let raw = try context.parameters.require("station")
        do {
            let station = try await repository.resolveStation(raw.removingPercentEncoding ?? raw, in: identity.scope)
            return Response(status: .seeOther, headers: [.location: Self.stationPath(station)])
        } catch let error as StationLookupError {
            switch error {
            case .notFound: throw Problem(status: 404, detail: error.description)
            case .ambiguous: throw Problem(status: 409, detail: error.description)
            }
        }
    }

    /// A control button: the OCPP command it sends, relayed like the API's, recorded with who sent it, then back to
    /// the station page, which shows the station's answer.
    func stationAction(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .control)
        let station = try await visibleStation(context, identity: identity)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let (action, payload) = try Self.command(form)
        try Requests.validateCommand(action: action, payload: payload)
        return try await send(
            action, payload: payload, site: station.site, station: station.id, by: identity,
            back: Self.stationPath(station))
    }

    /// The OCPP 1.6 command of a control form.
    static func command(_ form: Form) throws -> (action: String, payload: String) {
        func integer(_ name: String) throws -> Int {
            guard let text = form[name], let value = Int(text), value >= 0 else {
                throw Problem(status: 400, detail: "\(name) must be a whole number, got '\(form[name] ?? "")'")
            }
            return value
        }
        switch form["action"] ?? "" {
        case "makeAvailable", "makeUnavailable":
            let type = form["action"] == "makeAvailable" ? "Operative" : "Inoperative"
            return ("ChangeAvailability", #"{"connectorId":\#(try integer("connector")),"type":"\#(type)"}"#)
        case "softReset": return ("Reset", #"{"type":"Soft"}"#)
        case "hardReset": return ("Reset", #"{"type":"Hard"}"#)
        case "unlock": return ("UnlockConnector", #"{"connectorId":\#(try integer("connector"))}"#)
        case "start":
            let token = form["idTag"]?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !token.isEmpty, token.utf8.count <= 20,
                let encoded = try? JSONEncoder().encode(token), let quoted = String(data: encoded, encoding: .utf8)
            else {
                throw Problem(status: 400, detail: "the token must be 1 to 20 characters")
            }
            return ("RemoteStartTransaction", #"{"connectorId":\#(try integer("connector")),"idTag":\#(quoted)}"#)
        case "stop": return ("RemoteStopTransaction", #"{"transactionId":\#(try integer("transactionId"))}"#)
        case "reserve":
            let token = form["idTag"]?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !token.isEmpty, token.utf8.count <= 20,
                let encoded = try? JSONEncoder().encode(token), let quoted = String(data: encoded, encoding: .utf8)
            else {
                throw Problem(status: 400, detail: "the token must be 1 to 20 characters")
            }
            let minutes = try integer("minutes")
            guard (5...1440).contains(minutes) else {
                throw Problem(status: 400, detail: "minutes must be 5 to 1440, got \(minutes)")
            }
            let expiry = SyncJSON.format(Date().addingTimeInterval(Double(minutes) * 60))
            let id = Int.random(in: 1...Int(Int32.max))
            return (
                "ReserveNow",
                #"{"connectorId":\#(try integer("connector")),"expiryDate":"\#(expiry)","idTag":\#(quoted),"reservationId":\#(id)}"#
            )
        case "cancelReservation": return ("CancelReservation", #"{"reservationId":\#(try integer("reservationId"))}"#)
        case let other: throw Problem(status: 400, detail: "'\(other)' is not an action of the station page")
        }
    }

    // MARK: Live

    /// Server-Sent Events of what changes at the caller's sites, until the page closes or the cloud stops.
    /// `/live`: Server-Sent Events of what ingest applies, as the signed-in user may see it. Every
    /// ``LiveStreams/recheck`` the stream re-reads its session and its user's grants: it ends when the session ends
    /// (signed out, expired, a new password, the user removed) and follows a grant given or taken back (security
    /// review, finding 18). A browser session holds at most ``LiveStreams/perSession`` streams (finding 17).
    func liveStream(context: APIRequestContext, notificationsOnly: Bool = false) throws -> Response {
        guard let identity = context.identity, let session = context.webSession else {
            throw Problem(status: 401, detail: "sign in first")
        }
        let place: LiveStreams.Token
        do {
            // Pages that only hear of notifications have a budget of their own: paging through lists never takes the
            // places of the live pages.
            place = try liveStreams.take(session: session.idHash + (notificationsOnly ? "#notifications" : ""))
        } catch {
            switch error {
            case .session:
                throw Problem(status: 429, detail: "this browser has \(LiveStreams.perSession) live pages open already")
            case .full: throw Problem(status: 503, detail: "too many live pages are open; try again later", retryAfter: 10)
            }
        }
        let subscription = live.subscription()
        let encoder = SyncJSON.encoder()
        let repository = self.repository
        let recheck = liveRecheck
        let current = LiveStreams.Current(identity)
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: .init { writer in
                _ = place  // Held while the stream is open.
                try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        while true {
                            try await Task.sleep(for: recheck)
                            guard let now = await LiveStreams.identity(of: session, repository: repository) else {
                                subscription.finish()
                                return
                            }
                            current.set(now)
                            subscription.heartbeat()
                        }
                    }
                    // The feed ends when the cloud shuts down (``LiveFeed/finish()``) or the session ends, and with it
                    // this stream. A station's updates go to those who see the station; a site's presence to all who
                    // see the site.
                    for await update in subscription.stream {
                        // A comment, which the page ignores: writing it finds out whether the page is still there, so
                        // a closed tab gives its place back within a recheck.
                        if update.kind == LiveUpdate.heartbeatKind {
                            try await writer.write(ByteBuffer(string: ": \n\n"))
                            continue
                        }
                        if notificationsOnly && update.kind != "notification" { continue }
                        let identity = current.identity
                        // A notification about a whole site (offline, failsafe) only to those who see all of it.
                        let siteWide =
                            update.kind == "notification"
                            ? identity.seesWhole(site: update.site) : identity.sees(site: update.site)
                        guard update.station.map({ identity.sees(station: $0, site: update.site) }) ?? siteWide else { continue }
                        // A notification of a client organization's rule is for its users (and the fleet's staff), and
                        // for the users its rule names.
                        if update.kind == "notification", identity.organization != nil,
                            identity.organization != update.organization,
                            !(identity.user.map { update.users?.contains($0) == true } ?? false)
                        {
                            continue
                        }
                        // Who else a rule tells is not the reader's business.
                        var shown = update
                        shown.users = nil
                        shown.organization = nil
                        let data = try encoder.encode(shown)
                        try await writer.write(ByteBuffer(string: "data: \(String(decoding: data, as: UTF8.self))\n\n"))
                    }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
    }

    /// A station id as one path segment.
    static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? id
    }

    /// A station page's path: a station is named by its site and its id.
    static func stationPath(site: String, station: String) -> String {
        "/sites/\(pathSegment(site))/stations/\(pathSegment(station))"
    }

    static func stationPath(_ station: StationView) -> String { stationPath(site: station.site, station: station.id) }
}

/// The home dashboard's numbers, as the live page refreshes them.
struct LiveSummary: Encodable {
    struct Site: Encodable {
        let id: String
        let counts: [String: String]
    }

    let totals: [String: String]
    let sites: [Site]

    init(_ summaries: [SiteSummary], formats: Formats) {
        totals = Self.sum(summaries, formats: formats)
        sites = summaries.map { summary in
            Site(
                id: summary.site,
                counts: Self.counts(
                    inUse: summary.inUse, available: summary.available, reserved: summary.reserved,
                    inoperative: summary.inoperative, power: summary.powerW, sessions: summary.activeSessions,
                    formats: formats))
        }
    }

    /// The numbers of all sites together.
    static func sum(_ summaries: [SiteSummary], formats: Formats) -> [String: String] {
        counts(
            inUse: summaries.reduce(0) { $0 + $1.inUse }, available: summaries.reduce(0) { $0 + $1.available },
            reserved: summaries.reduce(0) { $0 + $1.reserved }, inoperative: summaries.reduce(0) { $0 + $1.inoperative },
            power: summaries.reduce(0) { $0 + $1.powerW }, sessions: summaries.reduce(0) { $0 + $1.activeSessions },
            formats: formats)
    }

    static func counts(
        inUse: Int, available: Int, reserved: Int, inoperative: Int, power: Double, sessions: Int, formats: Formats
    ) -> [String: String] {
        [
            "inUse": "\(inUse)", "available": "\(available)", "reserved": "\(reserved)", "inoperative": "\(inoperative)",
            "power": formats.power(power), "activeSessions": "\(sessions)",
        ]
    }
}

/// A connector's state as every page shows it (its cell is updated live by the page's script).
struct ConnectorCell: TemplateRow {
    let site, station: String
    let connector: Int
    let status, label, time: String

    var templateValues: [String: Any] {
        ["site": site, "station": station, "connector": connector, "status": status, "label": label, "time": time]
    }
}
