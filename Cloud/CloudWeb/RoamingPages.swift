import CloudCore
import CloudOCPI
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport

/// Roaming partners in the dashboard (`roaming.mustache`, `roamingPartner.mustache`), for the fleet's own
/// administrators, as the API's `/ocpi/partners` has them: the list with each one's state and last calls, adding one
/// (an invitation with a token A shown once, or a registration with the token A and versions URL it gave), the sites
/// published to it and the calls exchanged.
extension Dashboard {
    func roamingPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await roamingList(request, context: context, added: nil)
    }

    private func roamingList(
        _ request: Request, context: APIRequestContext, added: OCPIPartners.Added?
    ) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let partners = ocpi == nil ? [] : try await repository.ocpiPartners()
        let sites = try await repository.sites(in: nil)
        let model = RoamingPage(
            configured: ocpi != nil, versionsUrl: ocpi?.party.versionsURL ?? "",
            party: ocpi.map { "\($0.party.countryCode)*\($0.party.partyId)" } ?? "",
            partners: partners.map { RoamingPage.Partner($0, formats: formats) }, hasPartners: !partners.isEmpty,
            siteChoices: sites.map { Choice(value: $0.id, name: $0.name) }, addedToken: added?.token,
            addedName: added?.partner.name)
        return page("roaming", title: "roam.title", language: language, context: context, model: model, nav: "roaming")
    }

    func addRoamingPartner(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        guard let ocpi else { throw Problem(status: 409, detail: "OCPI is not configured: add an ocpi: section to cloud.yaml") }
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let input = OCPIPartners.Input(
            name: form.text("name") ?? "", versionsUrl: form.text("versionsUrl"), token: form.text("token"),
            plainTokens: form["plainTokens"] != nil ? true : nil, sites: form.all("sites").filter { !$0.isEmpty },
            hub: form["hub"] != nil ? true : nil)
        let added = try await ocpi.add(input)
        logger.notice("OCPI partner added", metadata: ["partner": "\(added.partner.id)", "by": "\(identity.user ?? "")"])
        return try await roamingList(request, context: context, added: added)
    }

    func roamingPartnerPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        guard let ocpi else { throw Problem(status: 404, detail: "OCPI is not configured") }
        let partner = try await ocpi.partner(try context.parameters.require("partner"))
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let messages = try await repository.ocpiMessages(partner: partner.id, limit: 100)
        let model = RoamingPartnerPage(
            partner: RoamingPage.Partner(partner, formats: formats),
            endpoints: partner.endpoints.map { "\($0.identifier) (\($0.role)): \($0.url)" },
            siteChoices: try await repository.sites(in: nil).map {
                Choice(value: $0.id, name: $0.name, selected: partner.sites.contains($0.id))
            },
            messages: messages.map {
                .init(
                    at: formats.dateTime($0.at), direction: $0.direction, method: $0.method, url: $0.url,
                    status: $0.status, body: String(($0.response ?? "").prefix(400)))
            }, hasMessages: !messages.isEmpty, hub: partner.hub,
            tokensRead: Query(request).string("kept").map { "\($0) / \(Query(request).string("refused") ?? "0")" })
        return page(
            "roamingPartner", title: "roam.title", language: language, context: context, model: model, nav: "roaming")
    }

    /// The partner's token list read again on an administrator's demand; its page says what came of it.
    func readRoamingTokens(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        guard let ocpi else { throw Problem(status: 409, detail: "OCPI is not configured: add an ocpi: section to cloud.yaml") }
        let id = try context.parameters.require("partner")
        let read = try await ocpi.readTokens(of: id)
        logger.notice(
            "OCPI partner's tokens read again",
            metadata: ["partner": "\(id)", "kept": "\(read.kept)", "by": "\(identity.user ?? "")"])
        return Response(
            status: .seeOther,
            headers: [.location: "/roaming/\(Self.pathSegment(id))?kept=\(read.kept)&refused=\(read.refused)#tokens-read"])
    }

    func setRoamingSites(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        guard let ocpi else { throw Problem(status: 404, detail: "OCPI is not configured") }
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let id = try context.parameters.require("partner")
        _ = try await ocpi.setSites(form.all("sites").filter { !$0.isEmpty }, of: id)
        return Response(status: .seeOther, headers: [.location: "/roaming/\(Self.pathSegment(id))"])
    }
}

/// The roaming partners (`roaming.mustache`).
struct RoamingPage: PageModel {
    struct Partner {
        let id, name, state: String
        let parties, version, sites: String
        let lastSuccess, lastFailure, failure: String?

        init(_ partner: OCPIPartnerRecord, formats: Formats) {
            id = partner.id
            name = partner.name
            state = partner.state
            parties = partner.roles.map { "\($0.role) \($0.countryCode)*\($0.partyId)" }.joined(separator: ", ")
            version = partner.version ?? ""
            sites = partner.sites.joined(separator: ", ")
            lastSuccess = partner.lastSuccessAt.map { formats.dateTime($0) }
            lastFailure = partner.lastFailureAt.map { formats.dateTime($0) }
            failure = partner.lastFailure
        }
    }

    /// Whether `ocpi:` is in cloud.yaml (else the page says how).
    let configured: Bool
    let versionsUrl, party: String
    let partners: [Partner]
    let hasPartners: Bool
    let siteChoices: [Choice]
    /// A partner just invited: its token A, shown this once.
    let addedToken, addedName: String?
}

/// One roaming partner (`roamingPartner.mustache`).
struct RoamingPartnerPage: PageModel {
    struct Message {
        let at, direction, method, url: String
        let status: Int
        let body: String
    }

    let partner: RoamingPage.Partner
    let endpoints: [String]
    let siteChoices: [Choice]
    let messages: [Message]
    let hasMessages: Bool
    /// An administrator marked it a hub (its members' tokens kept under their own codes).
    let hub: Bool
    /// After its token list was read again: "kept / refused".
    let tokensRead: String?
}
