import CloudCore
import CloudIngest
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport
import SyncContract

/// The pages that change things at a site: a station's OCPP configuration, the site's load management.
extension Dashboard {
    // MARK: A station's OCPP configuration

    /// Reads the station's configuration (GetConfiguration) and shows every key, with a form for the writable ones.
    func configurationPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let station = try await visibleStation(context, identity: identity)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        var model = ConfigurationPage(id: station.id, stationPath: Self.stationPath(station))
        model.result = try await commandResult(Query(request).string("command"), identity: identity, strings: strings)
        do {
            let result = try await relay.send(
                site: station.site, station: station.id, action: "GetConfiguration", payload: "{}", user: identity.user,
                timeout: commandTimeout)
            if result.outcome == .accepted, let response = result.response,
                let object = try? JSONSerialization.jsonObject(with: Data(response.utf8)) as? [String: Any]
            {
                model.keys = (object["configurationKey"] as? [[String: Any]] ?? []).map { entry in
                    ConfigurationPage.Key(
                        key: entry["key"] as? String ?? "", value: entry["value"] as? String ?? "",
                        readonly: entry["readonly"] as? Bool ?? false, stationPath: Self.stationPath(station))
                }
                model.hasKeys = !model.keys.isEmpty
                let unknown = object["unknownKey"] as? [String] ?? []
                model.unknown = unknown.isEmpty ? nil : unknown.joined(separator: ", ")
            } else {
                model.problem =
                    (strings[Catalog.outcomePrefix + result.outcome.rawValue] ?? result.outcome.rawValue)
                    + (result.error.map { ": \($0)" } ?? "")
            }
        } catch {
            model.problem = error.description
        }
        return page("configuration", title: "config.title", language: language, context: context, model: model)
    }

    /// Changes one key (ChangeConfiguration), then shows the configuration again with the station's answer.
    func changeConfiguration(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let station = try await visibleStation(context, identity: identity)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        guard let key = form["key"], !key.isEmpty, key.count <= 50 else {
            throw Problem(status: 400, detail: "key must be 1 to 50 characters (OCPP 1.6 CiString50)")
        }
        let value = form["value"] ?? ""
        guard value.count <= 500 else { throw Problem(status: 400, detail: "value must be at most 500 characters") }
        let payload = String(decoding: try JSONEncoder().encode(["key": key, "value": value]), as: UTF8.self)
        try Requests.validateCommand(action: "ChangeConfiguration", payload: payload)
        return try await send(
            "ChangeConfiguration", payload: payload, site: station.site, station: station.id, by: identity,
            back: Self.stationPath(station) + "/configuration")
    }

    // MARK: A pending station's approval

    /// Approves or rejects a station through its edge, then back to its page with the edge's answer.
    func changeApproval(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let station = try await visibleStation(context, identity: identity)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let change = try Requests.approvalChange(form["approval"] ?? "")
        let payload = String(decoding: try SyncJSON.encoder().encode(change), as: UTF8.self)
        return try await send(
            StationApprovalChange.action, payload: payload, site: station.site, station: station.id, by: identity,
            back: Self.stationPath(station))
    }

    // MARK: The site's load management

    func loadSettingsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let site = try await visibleSite(context, identity: identity)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let model = LoadSettingsPage(
            siteId: site.id, siteName: site.name,
            result: try await commandResult(Query(request).string("command"), identity: identity, strings: strings))
        return page("loadSettings", title: "lm.title", language: language, context: context, model: model)
    }

    /// Sends the fields given (empty ones are kept as they are) as the API's `PUT …/load-management` does.
    func changeLoadSettings(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let site = try await visibleSite(context, identity: identity)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        var change: [String: Any] = [:]
        for key in ["mode", "strategy"] {
            if let value = form[key], !value.isEmpty { change[key] = value }
        }
        for key in ["staticCurrentA", "gridLimitA", "failsafeCurrentA"] {
            if let amperes: Double = try form.number(key, what: "a number of amperes") { change[key] = amperes }
        }
        let settings = try Requests.loadSettings(from: try JSONSerialization.data(withJSONObject: change))
        let payload = String(decoding: try SyncJSON.encoder().encode(settings), as: UTF8.self)
        return try await send(
            LoadSettings.action, payload: payload, site: site.id, station: "", by: identity,
            back: "/sites/\(site.id)/load-management")
    }

    // MARK: Stations added ahead of their first connection

    func registerStation(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let site = try await visibleSite(context, identity: identity)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let input = try Self.registration(form, id: form.text("id") ?? "")
        return try await send(
            StationRegistration.action, payload: try await input.payload(site: site.id, by: identity, repository: repository),
            site: site.id, station: input.id, by: identity, back: "/sites/\(site.id)")
    }

    // MARK: Locations and the home page's sites

    func changeSite(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let site = try await visibleSite(context, identity: identity)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        var change = SiteChange(
            name: form.text("name"), address: form.text("address"), latitude: try form.number("latitude", trimming: true),
            longitude: try form.number("longitude", trimming: true), timeZone: form.text("timeZone"))
        change.city = form.text("city")
        change.postalCode = form.text("postalCode")
        change.country = form.text("country")?.uppercased()
        _ = try await change.apply(to: site.id, repository: repository)
        return Response(status: .seeOther, headers: [.location: "/sites/\(site.id)"])
    }

    func homeSitesPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        var view = HomeView()
        if let user = identity.user { view = try await repository.homeView(user: user) }
        let sites = try await repository.sites(in: identity.scope)
        let groups = try await GroupInput.visible(to: identity, repository: repository)
        let model = HomeSitesPage(
            siteChoices: sites.map { SiteOption(id: $0.id, name: $0.name, selected: view.sites.contains($0.id)) },
            groupChoices: groups.map { SiteOption(id: $0.id, name: $0.name, selected: view.groups.contains($0.id)) },
            hasGroups: !groups.isEmpty)
        return page("homeSites", title: "view.choose", language: language, context: context, model: model, nav: "home")
    }

    /// Saves the sites a user wants on their home page (none: all).
    func chooseHomeSites(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        guard let user = identity.user else { throw Problem(status: 400, detail: "only a signed-in user has a home page") }
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 20)))
        let visible = Set(try await repository.sites(in: identity.scope).map(\.id))
        let chosen = Set(form.all("sites").filter { !$0.isEmpty })
        if let unknown = chosen.subtracting(visible).sorted().first { throw Problem(status: 404, detail: "no site '\(unknown)'") }
        let visibleGroups = Set(try await GroupInput.visible(to: identity, repository: repository).map(\.id))
        let chosenGroups = Set(form.all("groups").filter { !$0.isEmpty })
        if let unknown = chosenGroups.subtracting(visibleGroups).sorted().first {
            throw Problem(status: 404, detail: "no group '\(unknown)'")
        }
        try await repository.setHomeView(user: user, HomeView(sites: chosen, groups: chosenGroups))
        return Response(status: .seeOther, headers: [.location: "/"])
    }

    // MARK: Shared

    /// Sends a command from a form through the relay (recorded with who sent it), then back to `page`, which shows
    /// the answer; 409 with the reason when it cannot be sent.
    func send(
        _ action: String, payload: String, site: String, station: String, by identity: APIIdentity, back page: String
    ) async throws -> Response {
        do {
            let result = try await relay.send(
                site: site, station: station, action: action, payload: payload, user: identity.user, timeout: commandTimeout)
            logger.info(
                "dashboard command",
                metadata: [
                    "site": "\(site)", "station": "\(station)", "action": "\(action)", "user": "\(identity.user ?? "")",
                    "outcome": "\(result.outcome)",
                ])
            return Response(status: .seeOther, headers: [.location: "\(page)?command=\(result.id)"])
        } catch {
            throw Problem(status: 409, detail: error.description)
        }
    }

    /// The site of the path for its own settings: only for a caller who sees the whole site (404 otherwise).
    func visibleSite(_ context: APIRequestContext, identity: APIIdentity) async throws -> SiteRecord {
        let id = try context.parameters.require("site")
        guard identity.seesWhole(site: id), let site = try await repository.site(id: id) else {
            throw Problem(status: 404, detail: "no site '\(id)'")
        }
        return site
    }

    /// A command sent from the dashboard and what came of it, for the page it led back to.
    func commandResult(_ id: String?, identity: APIIdentity, strings: [String: String]) async throws -> CommandResultView? {
        guard let id, let command = try await repository.command(id: id),
            command.station.isEmpty
                ? identity.seesWhole(site: command.site) : identity.sees(station: command.station, site: command.site)
        else { return nil }
        let outcome = command.outcome?.rawValue ?? "pending"
        return CommandResultView(
            action: command.action, outcome: outcome, outcomeLabel: strings[Catalog.outcomePrefix + outcome] ?? outcome,
            detail: command.error ?? command.response, user: command.user ?? "API")
    }
}

/// What became of a command sent from a page, shown on the page it returns to.
struct CommandResultView {
    let action, outcome, outcomeLabel: String
    let detail: String?
    let user: String
}

/// A station's OCPP configuration, read from it (`configuration.mustache`).
struct ConfigurationPage: PageModel {
    struct Key {
        let key, value: String
        let readonly: Bool
        let stationPath: String
    }

    let id, stationPath: String
    var result: CommandResultView?
    var keys: [Key] = []
    var hasKeys = false
    /// Keys the station said it does not know.
    var unknown: String?
    /// Why the configuration could not be read.
    var problem: String?

    init(id: String, stationPath: String) {
        self.id = id
        self.stationPath = stationPath
    }
}

/// A site's load-management settings, to change (`loadSettings.mustache`).
struct LoadSettingsPage: PageModel {
    let siteId, siteName: String
    let result: CommandResultView?
}

/// The sites and groups a reader wants on their home page (`homeSites.mustache`).
struct HomeSitesPage: PageModel {
    let siteChoices, groupChoices: [SiteOption]
    let hasGroups: Bool
}
