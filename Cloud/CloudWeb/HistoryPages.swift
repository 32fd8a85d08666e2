import CloudBilling
import CloudCore
import CloudIngest
import CloudReports
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
        let clocks = SiteClocks(sites, language: language)
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
                    token: session.idTag, start: clocks.time(session.startTime, at: session.site),
                    stop: session.active ? strings["session.ongoing"] : clocks.time(session.stopTime, at: session.site),
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
                    expires: clocks.time(reservation.expires, at: reservation.site))
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
        let clocks = SiteClocks(try await repository.site(id: siteId).map { [$0] } ?? [], language: language)
        let formats = clocks.formats(siteId)
        let strings = Catalog.strings(language)
        let samples = try await repository.sessionSamples(site: siteId, transactionId: transaction, limit: 2000)
        let vehicles = try await vehicleNames(identity)
        let priced = await pricer.withPrice(session)
        let corrections = try await correctionRows(
            session, formats: formats, at: { clocks.time($0, at: siteId) ?? "" }, strings: strings)
        let model = SessionPage(
            transactionId: session.transactionId, site: session.site, station: session.station,
            stationPath: Self.stationPath(site: session.site, station: session.station), connector: session.connector,
            token: session.idTag, vehicle: session.idTag.flatMap { vehicles[$0] },
            start: clocks.time(session.startTime, at: siteId),
            stop: session.active ? strings["session.ongoing"] : clocks.time(session.stopTime, at: siteId),
            reason: session.stopReason,
            duration: formats.duration(from: session.startTime, to: session.stopTime ?? Date()),
            energy: formats.energy(session.energyWh), power: formats.power(session.powerW), soc: formats.percent(session.soc),
            chart: Chart.sessionSVG(
                samples, meterStartWh: session.meterStartWh, formats: formats, title: strings["station.chart"] ?? ""),
            cost: formats.cost(priced.price, exclusive: strings["cost.exclVat"] ?? ""),
            tariff: priced.price.map {
                $0.tariff.isEmpty
                    ? strings["session.setByHand"] ?? ""
                    : "\($0.tariff) v\($0.tariffVersion)" + ($0.final ? "" : " · \(strings["cost.soFar"] ?? "")")
            }, corrections: corrections, hasCorrections: !corrections.isEmpty,
            canCorrect: Self.mayCorrect(session, identity), corrected: Query(request).string("corrected") != nil,
            needsCurrency: session.price == nil)
        return page("session", title: "session.detail", language: language, context: context, model: model, nav: "sessions")
    }

    // MARK: Event history

    /// The event history: filtered by site, station, severity, kind, OCPP code, vendor code and days, in either order,
    /// 100 a page with the next page after the last line (any range, no cap), as CSV at `/events.csv`; in words.
    func eventsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let strings = Catalog.strings(language)
        let query = Query(request)
        let filter = try Requests.eventFilter(query, scope: identity.scope, limit: Self.eventsPerPage)
        let sites = try await repository.sites(in: identity.scope)
        let (events, next) = try await historyPage(filter, formats: formats, strings: strings, identity: identity)
        var parameters = URLComponents()
        parameters.queryItems = ["site", "station", "severity", "kind", "code", "vendorCode", "from", "to", "order"].compactMap {
            name in query.string(name).map { URLQueryItem(name: name, value: $0) }
        }
        let kept = parameters.percentEncodedQuery ?? ""
        let model = EventsPage(
            filter: .init(
                station: query.string("station"), code: query.string("code"), vendorCode: query.string("vendorCode"),
                from: query.string("from"), to: query.string("to")),
            siteOptions: sites.map { SiteOption(id: $0.id, name: $0.name, selected: $0.id == query.string("site")) },
            severityOptions: ([("", "event.any")] + Severity.allCases.map { ($0.rawValue, "severity.\($0.rawValue)") }).map {
                Option(value: $0.0, label: strings[$0.1] ?? $0.1, selected: $0.0 == (filter.severity ?? ""))
            },
            kindOptions: ([""] + Self.eventKinds).map {
                Option(value: $0, label: $0.isEmpty ? strings["event.any"] ?? "" : $0, selected: $0 == (filter.kind ?? ""))
            },
            orderOptions: [("newest", "event.newest"), ("oldest", "event.oldest")].map {
                Option(value: $0.0, label: strings[$0.1] ?? $0.1, selected: ($0.0 == "oldest") == filter.ascending)
            },
            events: events, hasEvents: !events.isEmpty,
            next: next.map { "/events?" + (kept.isEmpty ? "" : kept + "&") + "after=\($0)" },
            first: filter.after == nil ? nil : "/events" + (kept.isEmpty ? "" : "?" + kept),
            csv: "/events.csv" + (kept.isEmpty ? "" : "?" + kept))
        return page("events", title: "event.title", language: language, context: context, model: model, nav: "events")
    }

    /// Every event of the filter as CSV (streamed page by page; words in the reader's language).
    func eventsCSV(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let filter = try Requests.eventFilter(Query(request), scope: identity.scope, limit: Self.eventsPerPage)
        let export = EventExport(
            repository: repository, filter: filter,
            phrases: Self.eventPhrases(Catalog.strings(language(request: request, context: context))))
        return Response.csv(named: "events") { try await export.csv($0) }
    }

    static let eventsPerPage = 100

    /// The kinds of line the history holds, for its filter.
    static let eventKinds = [
        "status", "connected", "disconnected", "boot", "load_failsafe", "firmware_status", "site_offline", "site_online",
        "security_event", "session_ended", "statement_ready", "meter_unreadable", "meter_readable", "ingest_failed",
        "command",
    ]

    /// ``EventWords``' phrases in the reader's language (`eventWords.*` in the catalog).
    static func eventPhrases(_ strings: [String: String]) -> [String: String] {
        var phrases: [String: String] = [:]
        for key in EventWords.english.keys { phrases[key] = strings["eventWords.\(key)"] }
        return phrases
    }

    /// What the history shows of a command's payload: a firmware download URL or a diagnostics upload URL (their
    /// secrets) and a registration (a password's hash) only to those who may configure (security review, finding 3).
    static func shownPayload(_ command: CommandView, to identity: APIIdentity) -> String {
        let secret = ["UpdateFirmware", "SignedUpdateFirmware", "GetDiagnostics", StationRegistration.action].contains(
            command.action)
        return secret && !identity.role.permits(.configure) ? "…" : command.payload
    }

    /// Events from the sites and commands sent from the cloud (with who sent them), merged in the filter's order.
    func history(
        _ filter: EventFilter, formats: Formats, strings: [String: String], identity: APIIdentity
    ) async throws -> [HistoryRow] {
        Array(try await historyPage(filter, formats: formats, strings: strings, identity: identity).rows.prefix(filter.limit))
    }

    /// A page of the history: the filter's events in words, with the commands sent within the stretch of time they
    /// cover merged in; and the next page's cursor when there may be more.
    func historyPage(
        _ filter: EventFilter, formats: Formats, strings: [String: String], identity: APIIdentity
    ) async throws -> (rows: [HistoryRow], next: String?) {
        let phrases = Self.eventPhrases(strings)
        let clocks = SiteClocks(try await repository.sites(in: identity.scope), language: formats.language)
        let events = try await repository.events(filter)
        var rows: [(time: Date, row: HistoryRow)] = events.map { event in
            (
                event.time,
                HistoryRow(
                    time: clocks.time(event.time, at: event.site), site: event.site, station: event.station,
                    connector: event.connector,
                    kind: event.kind, severity: event.severity,
                    severityLabel: strings["severity.\(event.severity)"] ?? event.severity, code: event.code,
                    vendorCode: EventWords.fields(event.detail)["vendorErrorCode"],
                    detail: EventWords.describe(event, phrases: phrases), who: nil)
            )
        }
        let full = events.count == filter.limit
        // Commands carry no severity, code or kind of event; a filter on any leaves them out. Those of the stretch this
        // page covers (up to where the next page starts) are merged in.
        if filter.severity == nil && filter.code == nil && filter.kind == nil && filter.vendorCode == nil {
            var window = filter
            if let after = filter.after { window = Self.narrowed(window, to: after.at, at: filter.ascending ? \.from : \.to) }
            if full, let last = events.last {
                window = Self.narrowed(window, to: last.time, at: filter.ascending ? \.to : \.from)
            }
            // Every command of the stretch (up to a thousand): a page is its events and all that was sent meanwhile.
            window.limit = 1000
            for command in try await repository.commands(window) {
                let outcome = command.outcome?.rawValue ?? "pending"
                rows.append(
                    (
                        command.time,
                        HistoryRow(
                            time: clocks.time(command.time, at: command.site), site: command.site, station: command.station,
                            connector: nil, kind: strings["event.command"] ?? "command",
                            severity: outcome == "accepted" ? "info" : "warning",
                            severityLabel: strings[outcome == "accepted" ? "severity.info" : "severity.warning"] ?? outcome,
                            code: command.action, vendorCode: nil,
                            detail: (strings[Catalog.outcomePrefix + outcome] ?? outcome) + " · "
                                + Self.shownPayload(command, to: identity),
                            who: command.user ?? "API")
                    ))
            }
        }
        rows.sort { filter.ascending ? $0.time < $1.time : $0.time > $1.time }
        let next = full ? events.last.map { "\($0.cursor)" } : nil
        return (rows.map(\.row), next)
    }

    /// `filter` with one bound moved in to `time` (never out).
    static func narrowed(_ filter: EventFilter, to time: Date, at bound: WritableKeyPath<EventFilter, Date?>) -> EventFilter {
        var narrowed = filter
        let current = filter[keyPath: bound]
        if bound == \EventFilter.from {
            narrowed.from = max(current ?? time, time)
        } else {
            narrowed.to = min(current ?? time, time)
        }
        return narrowed
    }
}

/// A line of the event history (`eventTable.mustache`): an event, or a command someone sent.
struct HistoryRow: TemplateRow {
    let time, site: String
    let station: String?
    let connector: Int?
    let kind, severity, severityLabel: String
    let code: String?
    /// The charger's own error code.
    let vendorCode: String?
    /// In words for people.
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
        values["vendorCode"] = vendorCode
        values["who"] = who
        return values
    }
}
