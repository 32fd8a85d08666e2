import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport

/// Sites from the browser, for the fleet's own administrators: a new site (`/sites/new`) made with its broker
/// account, the edge's `site:` and `cloud:` sections shown once to copy or download; a new broker password; a site
/// retired (confirmed when its edge is online). The same checks as the API's, in ``SiteOnboarding``.
extension Dashboard {
    func newSitePage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        return page(
            "siteNew", title: "onboard.title", language: language(request: request, context: context), context: context,
            model: NewSitePage(), nav: "home")
    }

    func createSite(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let input = SiteCreation(
            id: form["id"] ?? "", name: form.text("name"), address: form.text("address"),
            latitude: try form.number("latitude", as: Double.self, trimming: true, what: "a number"),
            longitude: try form.number("longitude", as: Double.self, trimming: true, what: "a number"),
            timeZone: form.text("timeZone"))
        let credentials = try await onboarding.create(input, by: identity, at: Date())
        logger.notice("site made", metadata: ["site": "\(credentials.site.id)", "by": "\(identity.user ?? "")"])
        return credentialsPage(credentials, new: true, request: request, context: context)
    }

    func rotateSiteCredentials(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        let credentials = try await onboarding.rotate(site: try context.parameters.require("site"), by: identity)
        logger.notice(
            "site broker password changed", metadata: ["site": "\(credentials.site.id)", "by": "\(identity.user ?? "")"])
        return credentialsPage(credentials, new: false, request: request, context: context)
    }

    func retireSite(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let site = try context.parameters.require("site")
        try await onboarding.retire(site: site, confirmed: form["confirm"] != nil, by: identity, at: Date())
        logger.notice("site retired", metadata: ["site": "\(site)", "by": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/"])
    }

    func credentialsPage(
        _ credentials: SiteCredentials, new: Bool, request: Request, context: APIRequestContext
    ) -> Response {
        let download =
            "data:text/yaml;charset=utf-8,"
            + (credentials.edgeConfiguration.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        let model = SiteCredentialsPage(
            siteId: credentials.site.id, siteName: credentials.site.name, new: new, managed: credentials.managed,
            broker: credentials.broker, edgeConfiguration: credentials.edgeConfiguration, download: download,
            fileName: "edge-\(credentials.site.id)-cloud.yaml", instructions: credentials.instructions)
        return page(
            "siteCredentials", title: "onboard.title", language: language(request: request, context: context),
            context: context, model: model, nav: "home")
    }
}

/// `siteNew.mustache`: the new site's form.
struct NewSitePage: PageModel {}

/// `siteCredentials.mustache`: the edge's configuration, shown once.
struct SiteCredentialsPage: PageModel {
    let siteId, siteName: String
    let new, managed: Bool
    let broker, edgeConfiguration, download, fileName: String
    let instructions: String?
}
