import CloudCore
import CloudIngest
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
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
        return page(
            "home", title: "home.title", language: language, context: context,
            values: [
                "totals": LiveSummary.sum(summaries, formats: formats).mapValues { $0 as Any? },
                // Hundreds of rows: written here rather than by the template, whose lookups cost half the page's time.
                "siteRows": HomeRows.sites(summaries, formats: formats, strings: strings),
                "hasSites": !summaries.isEmpty,
                "alerts": alerts.map { alert -> [String: Any?] in
                    [
                        "kind": alert.kind, "label": strings["alert.\(alert.kind)"], "siteId": alert.site,
                        "site": names[alert.site] ?? alert.site, "station": alert.station,
                        "stationPath": alert.station.map { Self.stationPath(site: alert.site, station: $0) },
                        "connector": alert.connector, "code": alert.code,
                        "vendorErrorCode": alert.vendorErrorCode, "since": formats.dateTime(alert.since),
                    ]
                },
                "hasAlerts": !alerts.isEmpty, "filtered": filtered || (!chosenGroups.isEmpty && !showAll),
                "shown": summaries.count,
                "groups": groups.map { group -> [String: Any?] in
                    [
                        "id": group.id, "name": group.name, "stations": group.stations.count,
                        "inUse": group.counts["inUse"] ?? 0, "available": group.counts["available"] ?? 0,
                        "reserved": group.counts["reserved"] ?? 0, "inoperative": group.counts["inoperative"] ?? 0,
                    ]
                },
                "hasGroups": !groups.isEmpty, "planned": planned,
            ], live: true, nav: "home")
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
        return page(
            "site", title: "home.site", language: language, context: context,
            values: [
                "groupChoices": groups.map { ["id": $0.id, "name": $0.name] }, "hasGroupChoices": !groups.isEmpty,
                // The site's own settings only for those who see it whole (not through a granted station).
                "siteId": site.id, "canConfigure": identity.role.permits(.configure) && identity.seesWhole(site: site.id),
                "address": site.address,
                "result": try await commandResult(Query(request).string("command"), identity: identity, strings: strings),
                "latitude": site.latitude.map { String($0) }, "longitude": site.longitude.map { String($0) },
                "coordinates": site.latitude.flatMap { lat in site.longitude.map { String(format: "%.5f, %.5f", lat, $0) } },
                "timeZone": site.timeZone,
                "siteName": site.name, "presence": site.online ? "online" : "offline",
                "presenceLabel": strings[site.online ? "home.online" : "home.offline"],
                "stations": stations.map { station -> [String: Any?] in
                    [
                        "id": station.id, "path": Self.stationPath(station), "vendor": station.vendor, "model": station.model,
                        "firmware": station.firmwareVersion,
                        "connectivity": strings[station.connected && site.online ? "station.connected" : "station.disconnected"],
                        "connectors": connectorValues(station, siteOnline: site.online, strings: strings),
                    ]
                },
            ], live: true, nav: "home")
    }

    func connectorValues(_ station: StationView, siteOnline: Bool, strings: [String: String]) -> [[String: Any?]] {
        station.connectors.filter { $0.connector > 0 }.map { connector in
            let status = station.connected && siteOnline ? connector.status : "Offline"
            return [
                "site": station.site, "station": station.id, "connector": connector.connector, "status": status,
                "label": strings[Catalog.statusPrefix + status] ?? status, "time": SyncJSON.format(connector.since),
            ]
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
        var sessions: [[String: Any?]] = []
        for session in active {
            let samples = try await repository.sessionSamples(
                site: session.site, transactionId: session.transactionId, limit: 500)
            sessions.append([
                "siteId": session.site, "transactionId": session.transactionId, "connector": session.connector,
                "station": session.station, "token": session.idTag, "start": formats.dateTime(session.startTime),
                "energy": formats.energy(session.energyWh), "power": formats.power(session.powerW),
                "soc": formats.percent(session.soc),
                "chart": Chart.sessionSVG(
                    samples, meterStartWh: session.meterStartWh, formats: formats, title: strings["station.chart"] ?? ""),
            ])
        }
        let transactions = Dictionary(active.map { ($0.connector, $0.transactionId) }, uniquingKeysWith: { first, _ in first })
        let canControl = identity.role.permits(.control)
        // The cells every page shows (state, label, time), plus what only this page has.
        let connectors = zip(
            station.connectors.filter { $0.connector > 0 }, connectorValues(station, siteOnline: online, strings: strings)
        ).map { connector, cell -> [String: Any?] in
            let unavailable = connector.status == "Unavailable"
            return cell.merging(
                [
                    "errorCode": connector.errorCode, "vendorErrorCode": connector.vendorErrorCode, "info": connector.info,
                    "since": formats.dateTime(connector.since), "transactionId": transactions[connector.connector],
                    "availabilityAction": unavailable ? "makeAvailable" : "makeUnavailable",
                    "availabilityLabel": strings[unavailable ? "action.makeAvailable" : "action.makeUnavailable"],
                ], uniquingKeysWith: { _, new in new })
        }
        let events = try await history(
            EventFilter(scope: identity.scope, site: station.site, station: station.id, limit: 20), formats: formats,
            strings: strings, identity: identity)
        let reservations = try await Reservations.upcoming(for: identity, repository: repository)
            .filter { $0.site == station.site && $0.station == station.id }
        let result = try await commandResult(Query(request).string("command"), identity: identity, strings: strings)
        return page(
            "station", title: "station.title", language: language, context: context,
            values: [
                "id": station.id, "stationPath": Self.stationPath(station), "siteId": station.site,
                "siteName": site?.name ?? station.site, "vendor": station.vendor, "model": station.model,
                "serial": station.serialNumber, "firmware": station.firmwareVersion,
                "connectivity": strings[station.connected && online ? "station.connected" : "station.disconnected"],
                "connectionSince": formats.dateTime(station.connectionChangedAt), "connectors": connectors,
                "canControl": canControl, "canConfigure": identity.role.permits(.configure), "sessions": sessions,
                "approvalLabel": strings["approval.\(station.approval ?? "accepted")"] ?? station.approval,
                "canApprove": identity.role.permits(.configure) && station.approval != nil && station.approval != "accepted",
                "result": result,
                "reservations": reservations.map { reservation -> [String: Any?] in
                    [
                        "reservationId": reservation.reservationId, "connector": reservation.connector,
                        "token": reservation.idTag, "expires": formats.dateTime(reservation.expires),
                        "by": reservation.madeBy ?? "API", "stationPath": Self.stationPath(station),
                    ]
                },
                "hasReservations": !reservations.isEmpty,
                "events": events, "hasEvents": !events.isEmpty,
            ], live: true)
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

    // MARK: Sessions

    func sessionsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let strings = Catalog.strings(language)
        let query = Query(request)
        var filter = try Requests.sessionFilter(query, scope: identity.scope)
        let state = query.string("state") ?? "all"
        filter.active = state == "ongoing" ? true : state == "completed" ? false : nil
        let page = try await repository.sessions(filter)
        let sites = try await repository.sites(in: identity.scope)
        let vehicles = try await vehicleNames(identity)
        let upcoming = try await Reservations.upcoming(for: identity, repository: repository)
        var next: String?
        if let cursor = page.next {
            var items = URLComponents()
            items.queryItems =
                ["site", "station", "token", "state"].compactMap { name in
                    query.string(name).map { URLQueryItem(name: name, value: $0) }
                } + [URLQueryItem(name: "cursor", value: cursor)]
            next = "/sessions?" + (items.percentEncodedQuery ?? "")
        }
        return self.page(
            "sessions", title: "session.title", language: language, context: context,
            values: [
                "filter": ["station": query.string("station"), "token": query.string("token")],
                "siteOptions": sites.map { ["id": $0.id, "name": $0.name, "selected": $0.id == query.string("site")] },
                "stateOptions": [("all", "session.all"), ("ongoing", "session.ongoing"), ("completed", "session.completed")].map {
                    ["value": $0.0, "label": strings[$0.1] ?? $0.1, "selected": $0.0 == state]
                },
                "items": page.items.map { session -> [String: Any?] in
                    [
                        "siteId": session.site, "site": session.site, "transactionId": session.transactionId,
                        "station": session.station, "stationPath": Self.stationPath(site: session.site, station: session.station),
                        "connector": session.connector, "token": session.idTag, "start": formats.dateTime(session.startTime),
                        "stop": session.active ? strings["session.ongoing"] : formats.dateTime(session.stopTime),
                        "duration": formats.duration(from: session.startTime, to: session.stopTime ?? Date()),
                        "energy": formats.energy(session.energyWh), "soc": formats.percent(session.soc),
                        "active": session.active, "vehicle": session.idTag.flatMap { vehicles[$0] },
                    ]
                },
                "hasItems": !page.items.isEmpty, "next": next,
                "upcoming": upcoming.map { reservation -> [String: Any?] in
                    [
                        "site": reservation.site, "station": reservation.station,
                        "stationPath": Self.stationPath(site: reservation.site, station: reservation.station),
                        "connector": reservation.connector,
                        "token": reservation.idTag, "vehicle": vehicles[reservation.idTag],
                        "expires": formats.dateTime(reservation.expires),
                    ]
                },
                "hasUpcoming": !upcoming.isEmpty,
            ], nav: "sessions")
    }

    func sessionPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let siteId = try context.parameters.require("site")
        let transaction = try context.parameters.require("transaction", as: Int.self)
        guard identity.sees(site: siteId), let session = try await repository.session(site: siteId, transactionId: transaction),
            identity.sees(station: session.station, site: siteId)
        else {
            throw Problem(status: 404, detail: "no session \(transaction) at site '\(siteId)'")
        }
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let strings = Catalog.strings(language)
        let samples = try await repository.sessionSamples(site: siteId, transactionId: transaction, limit: 2000)
        let vehicles = try await vehicleNames(identity)
        return page(
            "session", title: "session.detail", language: language, context: context,
            values: [
                "transactionId": session.transactionId, "site": session.site, "station": session.station,
                "stationPath": Self.stationPath(site: session.site, station: session.station), "connector": session.connector,
                "token": session.idTag,
                "vehicle": session.idTag.flatMap { vehicles[$0] },
                "start": formats.dateTime(session.startTime),
                "stop": session.active ? strings["session.ongoing"] : formats.dateTime(session.stopTime),
                "reason": session.stopReason,
                "duration": formats.duration(from: session.startTime, to: session.stopTime ?? Date()),
                "energy": formats.energy(session.energyWh), "power": formats.power(session.powerW),
                "soc": formats.percent(session.soc),
                "chart": Chart.sessionSVG(
                    samples, meterStartWh: session.meterStartWh, formats: formats, title: strings["station.chart"] ?? ""),
            ], nav: "sessions")
    }

    // MARK: Event history

    func eventsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let strings = Catalog.strings(language)
        let query = Query(request)
        let severity = query.string("severity")
        if let severity, !["info", "warning", "error"].contains(severity) {
            throw Problem(status: 400, detail: "severity must be info, warning or error, got '\(severity)'")
        }
        let order = query.string("order") ?? "newest"
        let filter = EventFilter(
            scope: identity.scope, site: try query.stationFilter().site, station: try query.stationFilter().station,
            severity: severity,
            from: try Self.day(query, "from"), to: try Self.day(query, "to").map { $0.addingTimeInterval(86_400) }, limit: 200,
            code: query.string("code"), ascending: order == "oldest")
        let sites = try await repository.sites(in: identity.scope)
        let events = try await history(filter, formats: formats, strings: strings, identity: identity)
        return page(
            "events", title: "event.title", language: language, context: context,
            values: [
                "filter": [
                    "station": query.string("station"), "code": query.string("code"), "from": query.string("from"),
                    "to": query.string("to"),
                ],
                "siteOptions": sites.map { ["id": $0.id, "name": $0.name, "selected": $0.id == query.string("site")] },
                "severityOptions": [
                    ("", "event.any"), ("info", "severity.info"), ("warning", "severity.warning"), ("error", "severity.error"),
                ]
                .map { ["value": $0.0, "label": strings[$0.1] ?? $0.1, "selected": $0.0 == (severity ?? "")] },
                "orderOptions": [("newest", "event.newest"), ("oldest", "event.oldest")].map {
                    ["value": $0.0, "label": strings[$0.1] ?? $0.1, "selected": $0.0 == order]
                },
                "events": events, "hasEvents": !events.isEmpty,
            ], nav: "events")
    }

    /// What the history shows of a command's payload: a firmware download URL (its secret) and a registration (a
    /// password's hash) only to those who may configure (security review, finding 3).
    static func shownPayload(_ command: CommandView, to identity: APIIdentity) -> String {
        let secret = ["UpdateFirmware", "SignedUpdateFirmware", StationRegistration.action].contains(command.action)
        return secret && !identity.role.permits(.configure) ? "…" : command.payload
    }

    /// A date-only filter (`2026-12-01`, what `<input type="date">` sends) or a full date-time.
    static func day(_ query: Query, _ name: String) throws -> Date? {
        guard let text = query.string(name) else { return nil }
        if text.count == 10, let date = SyncJSON.parse(text + "T00:00:00Z") { return date }
        return try query.date(name)
    }

    /// Events from the sites and commands sent from the cloud (with who sent them), merged in the filter's order.
    func history(
        _ filter: EventFilter, formats: Formats, strings: [String: String], identity: APIIdentity
    ) async throws -> [[String: Any?]] {
        var rows: [(time: Date, values: [String: Any?])] = []
        for event in try await repository.events(filter) {
            rows.append(
                (
                    event.time,
                    [
                        "time": formats.dateTime(event.time), "site": event.site, "station": event.station,
                        "connector": event.connector, "kind": event.kind, "severity": event.severity,
                        "severityLabel": strings["severity.\(event.severity)"] ?? event.severity, "code": event.code,
                        "detail": event.detail, "who": nil,
                    ]
                ))
        }
        // Commands carry no severity or code; a filter on either leaves them out.
        if filter.severity == nil && filter.code == nil && filter.kind == nil {
            for command in try await repository.commands(filter) {
                let outcome = command.outcome?.rawValue ?? "pending"
                rows.append(
                    (
                        command.time,
                        [
                            "time": formats.dateTime(command.time), "site": command.site, "station": command.station,
                            "kind": strings["event.command"], "severity": outcome == "accepted" ? "info" : "warning",
                            "severityLabel": strings[outcome == "accepted" ? "severity.info" : "severity.warning"],
                            "code": command.action,
                            "detail": (strings[Catalog.outcomePrefix + outcome] ?? outcome) + " · "
                                + Self.shownPayload(command, to: identity),
                            "who": command.user ?? "API",
                        ]
                    ))
            }
        }
        rows.sort { filter.ascending ? $0.time < $1.time : $0.time > $1.time }
        return rows.prefix(filter.limit).map(\.values)
    }

    // MARK: Live

    /// Server-Sent Events of what changes at the caller's sites, until the page closes or the cloud stops.
    /// `/live`: Server-Sent Events of what ingest applies, as the signed-in user may see it. Every
    /// ``LiveStreams/recheck`` the stream re-reads its session and its user's grants: it ends when the session ends
    /// (signed out, expired, a new password, the user removed) and follows a grant given or taken back (security
    /// review, finding 18). A browser session holds at most ``LiveStreams/perSession`` streams (finding 17).
    func liveStream(context: APIRequestContext) throws -> Response {
        guard let identity = context.identity, let session = context.webSession else {
            throw Problem(status: 401, detail: "sign in first")
        }
        let place: LiveStreams.Token
        do {
            place = try liveStreams.take(session: session.idHash)
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
                        let identity = current.identity
                        guard
                            update.station.map({ identity.sees(station: $0, site: update.site) })
                                ?? identity.sees(site: update.site)
                        else { continue }
                        let data = try encoder.encode(update)
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
