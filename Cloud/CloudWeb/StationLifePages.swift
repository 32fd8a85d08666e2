import CloudCore
import CloudIngest
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport
import SyncContract

/// A station through its life (`stationRegistration.mustache`, for operators who see its whole site): what the edge
/// registered for it changed (wiring, priority, password, a group), moved to another site (the fleet's own admins),
/// retired. The checks are the API's: ``StationRegistrationInput``, `moveStation`, the edge's own refusals.
extension Dashboard {
    func stationRegistrationPage(
        _ request: Request, context: APIRequestContext, rotated: StationPasswordAnswer? = nil
    ) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let site = try await visibleSite(context, identity: identity)
        let station = try await visibleStation(context, identity: identity)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let groups = try await GroupInput.visible(to: identity, repository: repository)
        let staffAdmin = identity.role == .admin && identity.organization == nil
        let registration = station.registration
        let moveChoices: [StationRegistrationPage.Choice] =
            staffAdmin
            ? try await repository.sites(in: nil).filter { $0.id != site.id }.map { .init(id: $0.id, name: $0.name) } : []
        let phases = registration?.phases ?? 3
        let model = StationRegistrationPage(
            id: station.id, stationPath: Self.stationPath(station), siteId: site.id, siteName: site.name,
            registered: registration != nil, maxCurrent: registration.map { Self.plain($0.maxCurrentA) } ?? "32",
            threePhase: phases == 3, rotation: registration?.rotation ?? "", priority: registration?.priority ?? 0,
            hasPassword: registration?.hasPassword ?? false,
            groupChoices: groups.map { .init(id: $0.id, name: $0.name) }, hasGroupChoices: !groups.isEmpty,
            connected: station.connected && site.online,
            moveChoices: moveChoices, canMove: !moveChoices.isEmpty, newPassword: rotated?.password,
            passwordStatus: rotated?.status,
            result: try await commandResult(Query(request).string("command"), identity: identity, strings: strings),
            connectorRows: Self.connectorTypeRows(station), connectorsSaved: Query(request).string("saved") == "connectors")
        return page(
            "stationRegistration", title: "life.title", language: language, context: context, model: model, live: false)
    }

    /// The edit form: a `RegisterStation` for the same id (an empty password keeps the one the station has).
    func changeStationRegistration(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (identity, site, station, form) = try await stationForm(request, context)
        var input = try Self.registration(form, id: station.id)
        input.removePassword = form["removePassword"] != nil ? true : nil
        return try await send(
            StationRegistration.action, payload: try await input.payload(site: site.id, by: identity, repository: repository),
            site: site.id, station: station.id, by: identity, back: "\(Self.stationPath(station))/registration")
    }

    /// Retired at its edge (which refuses while a session runs, or for a station of its edge.yaml), then forgotten by
    /// the cloud as the edge's answer arrives; back to the site's page, which shows the answer.
    func retireStation(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (identity, site, station, form) = try await stationForm(request, context)
        guard form["confirm"] != nil else {
            throw Problem(status: 400, detail: "confirm: tick the box to retire station \(station.id)")
        }
        return try await send(
            StationRetirement.action, payload: "{}", site: site.id, station: station.id, by: identity,
            back: "/sites/\(site.id)")
    }

    /// A form posted about a station by an operator who sees its whole site.
    func stationForm(
        _ request: Request, _ context: APIRequestContext
    ) async throws -> (APIIdentity, SiteRecord, StationView, Form) {
        let identity = try viewer(request, context, .configure)
        let site = try await visibleSite(context, identity: identity)
        let station = try await visibleStation(context, identity: identity)
        var request = request
        return (identity, site, station, Form(String(buffer: try await request.collectBody(upTo: 1 << 16))))
    }

    /// A registration as the site page's and the registration page's forms give it.
    static func registration(_ form: Form, id: String) throws -> StationRegistrationInput {
        StationRegistrationInput(
            id: id, password: form.text("password"), maxCurrentA: try form.number("maxCurrentA"),
            phases: try form.number("phases", as: Int.self), rotation: form.text("rotation"),
            priority: try form.number("priority", as: Int.self), group: form.text("group"))
    }

    /// The charger now stands at another site (the fleet's own admins): its grants and groups go with it, its
    /// sessions and history stay where they happened.
    func moveStationForm(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        let station = try await visibleStation(context, identity: identity)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        guard let target = form.text("site") else { throw Problem(status: 400, detail: "site: choose the site it is at now") }
        guard let site = try await repository.site(id: target) else {
            throw Problem(status: 404, detail: "site: no site '\(target)'")
        }
        _ = try await repository.moveStation(station.key, to: site.id)
        logger.notice(
            "station moved", metadata: ["station": "\(station.id)", "from": "\(station.site)", "to": "\(site.id)"])
        return Response(
            status: .seeOther, headers: [.location: Self.stationPath(site: site.id, station: station.id)])
    }

    /// A new password made by the cloud and told to the charger; the page shows it this once.
    func rotateStationPassword(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (identity, _, station, form) = try await stationForm(request, context)
        let answer = try await StationPasswordRotation.rotate(station: station.id, hexEncoded: form["hexEncoded"] != nil) {
            payload, recorded in
            try await relayed(StationPasswordChange.action, payload, recorded, to: station, by: identity)
        }
        logger.notice(
            "station password rotated",
            metadata: ["station": "\(station.id)", "status": "\(answer.status)", "by": "\(identity.user ?? "")"])
        return try await stationRegistrationPage(request, context: context, rotated: answer)
    }

    /// A command relayed to the station, kept as `recorded` (its secret left out); the edge's result whatever it is,
    /// 504 when none came in time, 409 when it could not be sent.
    private func relayed(
        _ action: String, _ payload: String, _ recorded: String, to station: StationView, by identity: APIIdentity
    ) async throws -> CommandResultRecord {
        do {
            return try await relay.send(
                site: station.site, station: station.id, action: action, payload: payload, user: identity.user,
                timeout: commandTimeout, recordedPayload: recorded)
        } catch let failure as CommandRelay.Failure {
            if case .timeout = failure { throw Problem(status: 504, detail: failure.description) }
            throw Problem(status: 409, detail: failure.description)
        }
    }

    // MARK: Diagnostics

    /// Asks the station for its diagnostics (GetDiagnostics with an upload URL of this cloud); back to its page,
    /// which lists the request and, once uploaded, the file.
    func requestDiagnostics(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let station = try await visibleStation(context, identity: identity)
        _ = try await Diagnostics.request(
            site: station.site, station: station.id, options: DiagnosticsOptions(), by: identity.user, publicBase: publicURL,
            repository: repository
        ) { payload, recorded in
            try await relayed("GetDiagnostics", payload, recorded, to: station, by: identity)
        }
        return Response(status: .seeOther, headers: [.location: "\(Self.stationPath(station))#diagnostics"])
    }

    func diagnosticsDownload(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let id = try context.parameters.require("id")
        guard let record = try await repository.diagnostics(id: id), identity.sees(station: record.station, site: record.site),
            let file = try await repository.diagnosticsFile(id: id)
        else { throw Problem(status: 404, detail: "no diagnostics file '\(id)'") }
        return Diagnostics.download(file)
    }

    func diagnosticsRows(_ station: StationView, formats: Formats, strings: [String: String]) async throws -> [DiagnosticsRow] {
        try await repository.diagnostics(site: station.site, station: station.id, limit: 20).map { record in
            DiagnosticsRow(
                id: record.id, requested: formats.dateTime(record.requestedAt), by: record.requestedBy ?? "API",
                state: record.state, stateLabel: strings["diag.state.\(record.state)"] ?? record.state, detail: record.detail,
                stationStatus: record.stationStatus, fileName: record.fileName,
                size: record.size.map { ByteCountFormatter.string(fromByteCount: Int64($0), countStyle: .file) },
                downloadPath: record.state == "uploaded" ? "/diagnostic-files/\(record.id)" : nil)
        }
    }

    /// A number as a form field shows it: no trailing `.0`.
    static func plain(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// A station's registration, its move and its retirement (`stationRegistration.mustache`).
struct StationRegistrationPage: PageModel {
    struct Choice {
        let id, name: String
    }

    let id, stationPath, siteId, siteName: String
    /// Whether the cloud registered it (else the form starts from the defaults: the edge may know it from its
    /// edge.yaml, and then refuses the change).
    let registered: Bool
    let maxCurrent: String
    let threePhase: Bool
    let rotation: String
    let priority: Int
    let hasPassword: Bool
    let groupChoices: [Choice]
    let hasGroupChoices: Bool
    /// Connected now: retiring it closes its connection.
    let connected: Bool
    /// The other sites, for the fleet's own admins (empty: no move form).
    let moveChoices: [Choice]
    let canMove: Bool
    /// A password just made, shown this once, and the charger's answer to it.
    let newPassword, passwordStatus: String?
    let result: CommandResultView?
    /// What its connectors are, a row each, and whether they were just saved.
    let connectorRows: [Dashboard.ConnectorTypeRow]
    let connectorsSaved: Bool
}
