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
import SiteModel
import SyncContract

/// The sessions, a session's page, and the event history.
extension Dashboard {
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
        let model = SessionsPage(
            filter: .init(station: query.string("station"), token: query.string("token")),
            siteOptions: sites.map { SiteOption(id: $0.id, name: $0.name, selected: $0.id == query.string("site")) },
            stateOptions: [("all", "session.all"), ("ongoing", "session.ongoing"), ("completed", "session.completed")].map {
                Option(value: $0.0, label: strings[$0.1] ?? $0.1, selected: $0.0 == state)
            },
            items: page.items.map { session in
                .init(
                    siteId: session.site, site: session.site, transactionId: session.transactionId, station: session.station,
                    stationPath: Self.stationPath(site: session.site, station: session.station), connector: session.connector,
                    token: session.idTag, start: formats.dateTime(session.startTime),
                    stop: session.active ? strings["session.ongoing"] : formats.dateTime(session.stopTime),
                    duration: formats.duration(from: session.startTime, to: session.stopTime ?? Date()),
                    energy: formats.energy(session.energyWh), soc: formats.percent(session.soc), active: session.active,
                    vehicle: session.idTag.flatMap { vehicles[$0] })
            },
            hasItems: !page.items.isEmpty, next: next,
            upcoming: upcoming.map { reservation in
                .init(
                    site: reservation.site, station: reservation.station,
                    stationPath: Self.stationPath(site: reservation.site, station: reservation.station),
                    connector: reservation.connector, token: reservation.idTag, vehicle: vehicles[reservation.idTag],
                    expires: formats.dateTime(reservation.expires))
            },
            hasUpcoming: !upcoming.isEmpty)
        return self.page("sessions", title: "session.title", language: language, context: context, model: model, nav: "sessions")
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
        let priced = await pricer.withPrice(session)
        let model = SessionPage(
            transactionId: session.transactionId, site: session.site, station: session.station,
            stationPath: Self.stationPath(site: session.site, station: session.station), connector: session.connector,
            token: session.idTag, vehicle: session.idTag.flatMap { vehicles[$0] }, start: formats.dateTime(session.startTime),
            stop: session.active ? strings["session.ongoing"] : formats.dateTime(session.stopTime), reason: session.stopReason,
            duration: formats.duration(from: session.startTime, to: session.stopTime ?? Date()),
            energy: formats.energy(session.energyWh), power: formats.power(session.powerW), soc: formats.percent(session.soc),
            chart: Chart.sessionSVG(
                samples, meterStartWh: session.meterStartWh, formats: formats, title: strings["station.chart"] ?? ""),
            cost: formats.cost(priced.price, exclusive: strings["cost.exclVat"] ?? ""),
            tariff: priced.price.map {
                "\($0.tariff) v\($0.tariffVersion)" + ($0.final ? "" : " · \(strings["cost.soFar"] ?? "")")
            })
        return page("session", title: "session.detail", language: language, context: context, model: model, nav: "sessions")
    }

    // MARK: Event history

    func eventsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let strings = Catalog.strings(language)
        let query = Query(request)
        let severity = try Requests.severityFilter(query.string("severity"))?.rawValue
        let order = query.string("order") ?? "newest"
        let filter = EventFilter(
            scope: identity.scope, site: try query.stationFilter().site, station: try query.stationFilter().station,
            severity: severity,
            from: try Self.day(query, "from"), to: try Self.day(query, "to").map { $0.addingTimeInterval(86_400) }, limit: 200,
            code: query.string("code"), ascending: order == "oldest")
        let sites = try await repository.sites(in: identity.scope)
        let events = try await history(filter, formats: formats, strings: strings, identity: identity)
        let model = EventsPage(
            filter: .init(
                station: query.string("station"), code: query.string("code"), from: query.string("from"),
                to: query.string("to")),
            siteOptions: sites.map { SiteOption(id: $0.id, name: $0.name, selected: $0.id == query.string("site")) },
            severityOptions: ([("", "event.any")] + Severity.allCases.map { ($0.rawValue, "severity.\($0.rawValue)") }).map {
                Option(value: $0.0, label: strings[$0.1] ?? $0.1, selected: $0.0 == (severity ?? ""))
            },
            orderOptions: [("newest", "event.newest"), ("oldest", "event.oldest")].map {
                Option(value: $0.0, label: strings[$0.1] ?? $0.1, selected: $0.0 == order)
            },
            events: events, hasEvents: !events.isEmpty)
        return page("events", title: "event.title", language: language, context: context, model: model, nav: "events")
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
    ) async throws -> [HistoryRow] {
        var rows: [(time: Date, row: HistoryRow)] = []
        for event in try await repository.events(filter) {
            rows.append(
                (
                    event.time,
                    HistoryRow(
                        time: formats.dateTime(event.time), site: event.site, station: event.station,
                        connector: event.connector, kind: event.kind, severity: event.severity,
                        severityLabel: strings["severity.\(event.severity)"] ?? event.severity, code: event.code,
                        detail: event.detail, who: nil)
                ))
        }
        // Commands carry no severity or code; a filter on either leaves them out.
        if filter.severity == nil && filter.code == nil && filter.kind == nil {
            for command in try await repository.commands(filter) {
                let outcome = command.outcome?.rawValue ?? "pending"
                rows.append(
                    (
                        command.time,
                        HistoryRow(
                            time: formats.dateTime(command.time), site: command.site, station: command.station,
                            connector: nil, kind: strings["event.command"] ?? "command",
                            severity: outcome == "accepted" ? "info" : "warning",
                            severityLabel: strings[outcome == "accepted" ? "severity.info" : "severity.warning"] ?? outcome,
                            code: command.action,
                            detail: (strings[Catalog.outcomePrefix + outcome] ?? outcome) + " · "
                                + Self.shownPayload(command, to: identity),
                            who: command.user ?? "API")
                    ))
            }
        }
        rows.sort { filter.ascending ? $0.time < $1.time : $0.time > $1.time }
        return rows.prefix(filter.limit).map(\.row)
    }
}

/// A line of the event history (`eventTable.mustache`): an event, or a command someone sent.
struct HistoryRow: TemplateRow {
    let time, site: String
    let station: String?
    let connector: Int?
    let kind, severity, severityLabel: String
    let code: String?
    let detail: String
    /// Who sent a command; nil for an event.
    let who: String?

    var templateValues: [String: Any] {
        var values: [String: Any] = [
            "time": time, "site": site, "kind": kind, "severity": severity, "severityLabel": severityLabel, "detail": detail,
        ]
        values["station"] = station
        values["connector"] = connector
        values["code"] = code
        values["who"] = who
        return values
    }
}
