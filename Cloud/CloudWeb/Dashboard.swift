public import CloudBilling
public import CloudCore
public import CloudIngest
public import CloudOCPI
public import CloudReports
public import CloudStore
import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdBcrypt
public import Logging
public import Metrics
import Mustache
import NIOCore
import ServerSupport
import SyncContract

/// The browser dashboard: server-rendered pages (Mustache templates, hand-written CSS and JavaScript), signed in
/// with a session cookie, in English, German or French, updated live over Server-Sent Events.
///
/// Every page reads through the same repository and the same site scope as the REST API, so a partner sees only
/// the sites granted to their organization, here as there.
public struct Dashboard: Sendable {
    let repository: any CloudRepository
    /// Running sessions' costs so far (a finished one carries what it was billed).
    let pricer: SessionPricer
    let reports: Reports
    let reportSettings: ReportSettings
    /// Sends a site's token list to its edge again (after a card changed).
    let tokenListChanged: @Sendable (String) async -> Void
    /// Sites made, given new broker passwords and retired.
    let onboarding: SiteOnboarding
    /// Where people reach this cloud (`http.public_url`, else this host's name and port): the base of mailed links,
    /// never the address a request named.
    let linkBase: String
    /// Mails a password-reset link (to, user, link, language); nil without a mail server.
    let passwordResetMail: (@Sendable (_ to: String, _ user: String, _ link: String, _ language: String) async throws -> Void)?
    let relay: CommandRelay
    /// Roaming partners over OCPI; nil without an `ocpi:` section.
    let ocpi: OCPIPartners?
    /// How chargers reach this cloud, for firmware download URLs; nil: the address each request came to.
    let publicURL: String?
    let live: LiveFeed
    /// Sign-in attempts per client address.
    let signInLimit: SignInLimit
    /// The live streams open on this instance, and how often each re-reads its session and grants.
    let liveStreams = LiveStreams()
    let liveRecheck: Duration
    let commandTimeout: Duration
    let logger: Logger
    let library: MustacheLibrary
    let refusals: Counter
    let logins: Counter
    let failedLogins: Counter

    public init(
        repository: any CloudRepository, relay: CommandRelay, live: LiveFeed, commandTimeout: Duration, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory, publicURL: String? = nil,
        liveRecheck: Duration = LiveStreams.recheck, signInsPerMinute: Double = 20,
        rounding: CurrencyRounding = CurrencyRounding(), reportSettings: ReportSettings = ReportSettings(),
        tokenListChanged: @escaping @Sendable (String) async -> Void = { _ in }, onboarding: SiteOnboarding? = nil,
        linkBase: String = "https://localhost", ocpi: OCPIPartners? = nil,
        passwordResetMail: (@Sendable (_ to: String, _ user: String, _ link: String, _ language: String) async throws -> Void)? =
            nil
    ) throws {
        self.linkBase = linkBase
        self.ocpi = ocpi
        self.passwordResetMail = passwordResetMail
        self.onboarding =
            onboarding ?? SiteOnboarding(repository: repository, accounts: nil, siteBroker: "mqtts://127.0.0.1:8883")
        self.tokenListChanged = tokenListChanged
        pricer = SessionPricer(repository: repository, rounding: rounding)
        self.reportSettings = reportSettings
        reports = Reports(repository: repository, maxPowerW: reportSettings.maxPowerW)
        signInLimit = SignInLimit(perMinute: signInsPerMinute, burst: signInsPerMinute)
        self.liveRecheck = liveRecheck
        self.publicURL = publicURL
        self.repository = repository
        self.relay = relay
        self.live = live
        self.commandTimeout = commandTimeout
        self.logger = logger
        library = try Templates.library()
        refusals = Counter(label: "dashboard_refused_total", factory: metricsFactory)
        logins = Counter(label: "dashboard_logins_total", factory: metricsFactory)
        failedLogins = Counter(label: "dashboard_login_failures_total", factory: metricsFactory)
    }

    /// Adds the dashboard's routes (everything outside `/api/v1`) to `router`.
    public func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/static/app.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: Assets.css)))
        }
        router.get("/static/app.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: Assets.javascript)))
        }
        router.get("/sw.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: Assets.serviceWorker)))
        }
        // The pages, one collection per part, behind the browser's session and the error pages.
        let web = RouteCollection(context: APIRequestContext.self)
            .add(middleware: WebSessionMiddleware(repository: repository, logger: logger, refusals: refusals))
            .add(middleware: WebErrorMiddleware(dashboard: self))
        for part in [signInRoutes, siteAndStationRoutes, fleetRoutes] { web.addRoutes(part) }
        router.addRoutes(web)
    }

    /// Signing in and out, and the language.
    private var signInRoutes: RouteCollection<APIRequestContext> {
        let web = RouteCollection(context: APIRequestContext.self)
        web.get("/login") { request, context in
            let query = Query(request)
            let model = LoginPage(
                next: safeNext(query.string("next")), failed: query.string("failed") != nil,
                userValue: query.string("user") ?? "", reset: query.string("reset") != nil)
            return page(
                "login", title: "login.title", language: language(request: request, context: context), context: context,
                model: model)
        }
        web.post("/login") { request, context in try await signIn(request, context: context) }
        web.get("/login/code") { request, context in try await codePage(request, context: context) }
        web.post("/login/code") { request, context in try await checkCode(request, context: context) }
        web.get("/account/two-factor") { request, context in try await twoFactorPage(request, context: context) }
        web.post("/account/two-factor") { request, context in try await enrollTwoFactor(request, context: context) }
        web.post("/account/two-factor/disable") { request, context in try await disableTwoFactor(request, context: context) }
        web.get("/unsubscribe") { request, context in try await unsubscribePage(request, context: context) }
        web.get("/password-reset") { request, context in try await passwordResetPage(request, context: context) }
        web.post("/password-reset") { request, context in try await askForPasswordReset(request, context: context) }
        web.get("/password-reset/:token") { request, context in try await newPasswordPage(request, context: context) }
        web.post("/password-reset/:token") { request, context in try await setNewPassword(request, context: context) }
        web.post("/unsubscribe") { request, context in try await unsubscribe(request, context: context) }
        web.post("/logout") { _, context in
            if let session = context.webSession { try await repository.deleteWebSession(idHash: session.idHash) }
            return Response(status: .seeOther, headers: [.location: "/login", .setCookie: WebAuth.clearCookie])
        }
        web.post("/language") { request, context in
            var request = request
            let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
            let language = form["language"].flatMap(Language.init(rawValue:))
            var headers: HTTPFields = [.location: request.headers[.referer].flatMap(Self.localPath) ?? "/"]
            if let user = context.identity?.user {
                try await repository.setLanguage(user: user, language: language?.rawValue)
            }
            headers.append(HTTPField(name: .setCookie, value: Self.languageCookie(language)))
            return Response(status: .seeOther, headers: headers)
        }
        return web
    }

    /// The home page, the live stream, sites and their stations.
    private var siteAndStationRoutes: RouteCollection<APIRequestContext> {
        let web = RouteCollection(context: APIRequestContext.self)
        web.get("/") { request, context in try await home(request, context: context) }
        web.get("/live/summary") { _, context in
            let identity = try context.require(.read)
            let formats = Formats(language: language(request: nil, context: context))
            return try json(LiveSummary(try await repository.siteSummaries(in: identity.scope), formats: formats))
        }
        web.get("/live") { request, context in
            // `only=notifications`: a page that is not live hears of notifications only.
            try liveStream(context: context, notificationsOnly: Query(request).string("only") == "notifications")
        }
        web.get("/sites/new") { request, context in try await newSitePage(request, context: context) }
        web.post("/sites") { request, context in try await createSite(request, context: context) }
        web.post("/sites/:site/broker-credentials") { request, context in
            try await rotateSiteCredentials(request, context: context)
        }
        web.post("/sites/:site/retire") { request, context in try await retireSite(request, context: context) }
        web.get("/sites/:site") { request, context in try await sitePage(request, context: context) }
        web.post("/sites/:site/stations") { request, context in try await registerStation(request, context: context) }
        web.post("/sites/:site/details") { request, context in try await changeSite(request, context: context) }
        web.get("/home/sites") { request, context in try await homeSitesPage(request, context: context) }
        web.post("/home/sites") { request, context in try await chooseHomeSites(request, context: context) }
        web.get("/stations/:station") { request, context in try await stationRedirect(request, context: context) }
        let station = "/sites/:site/stations/:station"
        web.get("\(station)") { request, context in try await stationPage(request, context: context) }
        web.post("\(station)/actions") { request, context in try await stationAction(request, context: context) }
        web.get("\(station)/configuration") { request, context in try await configurationPage(request, context: context) }
        web.post("\(station)/configuration") { request, context in try await changeConfiguration(request, context: context) }
        web.post("\(station)/approval") { request, context in try await changeApproval(request, context: context) }
        web.get("\(station)/registration") { request, context in
            try await stationRegistrationPage(request, context: context)
        }
        web.post("\(station)/registration") { request, context in
            try await changeStationRegistration(request, context: context)
        }
        web.post("\(station)/retire") { request, context in try await retireStation(request, context: context) }
        web.post("\(station)/connector-types") { request, context in
            try await changeConnectorTypes(request, context: context)
        }
        web.post("\(station)/password") { request, context in try await rotateStationPassword(request, context: context) }
        web.post("\(station)/diagnostics") { request, context in try await requestDiagnostics(request, context: context) }
        web.get("/diagnostic-files/:id") { request, context in try await diagnosticsDownload(request, context: context) }
        web.post("\(station)/move") { request, context in try await moveStationForm(request, context: context) }
        web.get("/sites/:site/load-management") { request, context in try await loadSettingsPage(request, context: context) }
        web.post("/sites/:site/load-management") { request, context in try await changeLoadSettings(request, context: context) }
        return web
    }

    /// Groups, vehicles, access, firmware, sessions and events.
    private var fleetRoutes: RouteCollection<APIRequestContext> {
        let web = RouteCollection(context: APIRequestContext.self)
        web.get("/fleet") { request, context in try await fleetPage(request, context: context) }
        web.get("/fleet.csv") { request, context in try await fleetCSV(request, context: context) }
        web.get("/topology") { request, context in try await topologyPage(request, context: context) }
        web.get("/reports") { request, context in try await reportsPage(request, context: context) }
        web.get("/cards") { request, context in try await cardsPage(request, context: context) }
        web.get("/cards.csv") { request, context in try await cardsCSV(request, context: context) }
        web.post("/cards") { request, context in try await saveCards(request, context: context) }
        web.post("/cards/:card/delete") { request, context in try await deleteCard(request, context: context) }
        web.get("/statements") { request, context in try await statementsPage(request, context: context) }
        web.get("/events.csv") { request, context in try await eventsCSV(request, context: context) }
        web.get("/notifications") { request, context in try await notificationsPage(request, context: context) }
        web.get("/notifications/unread") { request, context in try await unreadNotifications(request, context: context) }
        web.get("/notification-rules") { request, context in try await rulesPage(request, context: context) }
        web.post("/notification-rules") { request, context in try await saveRule(request, context: context) }
        web.post("/notification-rules/:rule/delete") { request, context in try await deleteRule(request, context: context) }
        web.post("/notifications/rules/:rule/mute") { request, context in try await muteRule(request, context: context) }
        web.get("/push/key") { request, context in try await pushKey(request, context: context) }
        web.post("/push-subscriptions") { request, context in try await subscribePush(request, context: context) }
        web.get("/statements/:statement") { request, context in try await statementPage(request, context: context) }
        web.get("/statements/:statement/csv") { request, context in try await statementCSV(request, context: context) }
        web.get("/reports/availability") { request, context in try await availabilityPage(request, context: context) }
        web.get("/reports/availability.csv") { request, context in try await availabilityCSV(request, context: context) }
        web.get("/reports/energy.csv") { request, context in try await reportCSV(request, context: context, sessions: false) }
        web.get("/reports/sessions.csv") { request, context in try await reportCSV(request, context: context, sessions: true) }
        web.get("/tariffs") { request, context in try await tariffsPage(request, context: context) }
        web.post("/tariffs") { request, context in try await saveTariff(request, context: context) }
        web.get("/tariffs/:tariff") { request, context in try await tariffPage(request, context: context) }
        web.post("/tariffs/:tariff/assignments") { request, context in try await assignTariff(request, context: context) }
        web.post("/tariffs/:tariff/assignments/:assignment/end") { request, context in
            try await endTariffAssignment(request, context: context)
        }
        web.post("/tariffs/:tariff/delete") { request, context in try await deleteTariff(request, context: context) }
        web.get("/groups") { request, context in try await groupsPage(request, context: context) }
        web.post("/groups") { request, context in try await saveGroup(request, context: context) }
        web.get("/groups/:group") { request, context in try await groupPage(request, context: context) }
        web.post("/groups/:group/delete") { request, context in try await deleteGroup(request, context: context) }
        web.get("/vehicles") { request, context in try await vehiclesPage(request, context: context) }
        web.post("/vehicles") { request, context in try await addVehicle(request, context: context) }
        web.post("/vehicles/:vehicle/delete") { request, context in try await deleteVehicle(request, context: context) }
        web.get("/access") { request, context in try await accessPage(request, context: context) }
        web.post("/access/users") { request, context in try await addUser(request, context: context) }
        web.post("/access/tokens/:token/revoke") { request, context in try await revokeToken(request, context: context) }
        web.get("/access/users/:user") { request, context in try await userPage(request, context: context) }
        web.post("/access/users/:user") { request, context in try await changeUser(request, context: context) }
        web.post("/access/users/:user/delete") { request, context in try await deleteUser(request, context: context) }
        web.post("/access/users/:user/two-factor/reset") { request, context in
            try await resetTwoFactor(request, context: context)
        }
        web.post("/access/two-factor") { request, context in try await setTwoFactorRoles(request, context: context) }
        web.get("/roaming") { request, context in try await roamingPage(request, context: context) }
        web.post("/roaming") { request, context in try await addRoamingPartner(request, context: context) }
        web.get("/roaming/:partner") { request, context in try await roamingPartnerPage(request, context: context) }
        web.post("/roaming/:partner/sites") { request, context in try await setRoamingSites(request, context: context) }
        web.post("/roaming/:partner/tokens") { request, context in try await readRoamingTokens(request, context: context) }
        web.post("/access/organizations") { request, context in try await saveOrganization(request, context: context) }
        web.get("/access/organizations/:organization") { request, context in
            try await organizationPage(request, context: context)
        }
        web.post("/access/organizations/:organization") { request, context in
            try await saveOrganization(request, context: context)
        }
        web.post("/access/organizations/:organization/delete") { request, context in
            try await deleteOrganization(request, context: context)
        }
        web.get("/firmware") { request, context in try await firmwarePage(request, context: context) }
        web.post("/firmware/upload") { request, context in try await uploadFirmware(request, context: context) }
        web.post("/firmware/external") { request, context in try await registerFirmware(request, context: context) }
        web.post("/firmware/signature") { request, context in try await signFirmware(request, context: context) }
        web.post("/firmware/campaigns") { request, context in try await createCampaign(request, context: context) }
        web.get("/firmware/campaigns/:campaign") { request, context in try await campaignPage(request, context: context) }
        web.post("/firmware/campaigns/:campaign/stop") { request, context in try await stopCampaign(request, context: context) }
        web.get("/sessions") { request, context in try await sessionsPage(request, context: context) }
        web.get("/sessions/:site/:transaction") { request, context in try await sessionPage(request, context: context) }
        web.post("/sessions/:site/:transaction/corrections") { request, context in
            try await correctSession(request, context: context)
        }
        web.get("/events") { request, context in try await eventsPage(request, context: context) }
        return web
    }

    // MARK: Signing in

    private func signIn(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard signInLimit.allow(context.clientAddress ?? "unknown") else {
            failedLogins.increment()
            logger.warning(
                "dashboard sign-in refused: too many attempts from one address",
                metadata: ["client": "\(context.clientAddress ?? "unknown")"])
            throw Problem(status: 429, detail: "too many sign-in attempts from this address; try again in a minute")
        }
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let name = form["user"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = form["password"] ?? ""
        let next = safeNext(form["next"])
        let now = Date()
        let failed = Response(
            status: .seeOther,
            headers: [.location: "/login?failed=1&user=\(Self.queryEscape(name))&next=\(Self.queryEscape(next))"])
        guard !name.isEmpty, let user = try await repository.user(id: name) else {
            // As slow as a wrong password, so the answer does not tell which user names exist.
            _ = try await WebAuth.verifyPassword(password, hash: Self.decoyHash)
            failedLogins.increment()
            logger.notice("dashboard sign-in failed: no such user", metadata: ["user": "\(name)"])
            return failed
        }
        // Counted before the password is checked (security review, finding 8): guesses sent at once all read the
        // count before any of them was recorded, so each was checked and none locked the user.
        let mayTry = try await repository.beginLogin(
            user: user.id, maxFailures: WebAuth.maxFailures, lockUntil: now.addingTimeInterval(WebAuth.lockDuration), now: now)
        guard mayTry else {
            // As slow as a wrong password, so the answer does not tell that the user exists and is locked (security
            // review, finding 36).
            _ = try await WebAuth.verifyPassword(password, hash: Self.decoyHash)
            failedLogins.increment()
            logger.warning("dashboard sign-in refused: user locked", metadata: ["user": "\(name)"])
            return failed
        }
        guard try await WebAuth.verifyPassword(password, hash: user.passwordHash) else {
            failedLogins.increment()
            logger.warning("dashboard sign-in failed: wrong password", metadata: ["user": "\(name)"])
            return failed
        }
        // A second factor next: the app's code, or setting one up when the role requires it. The failures are
        // reset once it is shown, so that guessing codes counts toward the lock.
        let totp = try await repository.totp(user: user.id)
        let pending: SecondFactor? =
            totp.secret != nil ? .code : try await repository.twoFactorRoles().contains(user.role) ? .enroll : nil
        if pending != .code { try await repository.recordLogin(user: user.id, succeeded: true, lockUntil: nil) }
        let (cookie, session) = WebAuth.newSession(user: user.id, now: now, pending: pending)
        try await repository.addWebSession(session)
        guard let pending else {
            logins.increment()
            logger.info("dashboard sign-in", metadata: ["user": "\(user.id)", "role": "\(user.role)"])
            return Response(status: .seeOther, headers: [.location: next, .setCookie: WebAuth.setCookie(cookie)])
        }
        let step = pending == .code ? "/login/code" : "/account/two-factor"
        return Response(
            status: .seeOther,
            headers: [.location: "\(step)?next=\(Self.queryEscape(next))", .setCookie: WebAuth.setCookie(cookie)])
    }

    /// A bcrypt hash of a random password, at the cost of real ones, checked when the user does not exist (made
    /// once, on the first such attempt).
    static let decoyHash = Bcrypt.hash(UUID().uuidString, cost: Users.bcryptCost)

    /// Only a path on this site may be where sign-in leads (never another site).
    private func safeNext(_ next: String?) -> String { Self.safeNext(next) }

    /// Where to go after signing in: a path on this site, else the home page. Only `/` followed by path and query
    /// characters: browsers drop tabs and line breaks from a URL before resolving it, so `/<TAB>/evil.example` would
    /// otherwise lead off-site (security review, finding 9), and `//` or `\\` would name another host.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), next.utf8.count <= 2048 else { return "/" }
        let allowed = next.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || Self.nextPunctuation.contains(byte)
        }
        return allowed ? next : "/"
    }

    private static let nextPunctuation: Set<UInt8> = Set("/_.~%?=&-+:,;@!$'()*".utf8)

    static func localPath(_ referer: String) -> String? {
        guard let url = URL(string: referer), !url.path.isEmpty else { return nil }
        return url.query.map { url.path + "?" + $0 } ?? url.path
    }

    /// The reader's language for a browser that is not signed in (a year; removed when `language` is nil). Not
    /// `HttpOnly`: nothing secret.
    static func languageCookie(_ language: Language?) -> String {
        Cookie(
            name: "gridside-lang", value: language?.rawValue ?? "", maxAge: language == nil ? 0 : 31_536_000, path: "/",
            secure: true, httpOnly: false, sameSite: .lax
        ).description
    }

    static func queryEscape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    // MARK: Shared page parts

    /// The signed-in caller with `permission`; a browser that is not signed in is sent to the sign-in page.
    func viewer(_ request: Request, _ context: APIRequestContext, _ permission: Permission = .read) throws -> APIIdentity {
        guard context.identity != nil else {
            let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            throw SignInRequired(next: target)
        }
        return try context.require(permission)
    }

    /// The reader's language: their choice (stored, or the language cookie), else the browser's Accept-Language.
    func language(request: Request?, context: APIRequestContext) -> Language {
        if let stored = context.user?.language, let language = Language(rawValue: stored) { return language }
        if let request, let cookie = request.cookies["gridside-lang"], let language = Language(rawValue: cookie.value) {
            return language
        }
        return Language.negotiate(acceptLanguage: request?.headers[.acceptLanguage])
    }

    /// Renders `template` inside the layout with the page's typed `model` (whose names win over the layout's).
    func page(
        _ template: String, title: String, language: Language, context: APIRequestContext, model: some PageModel,
        status: HTTPResponse.Status = .ok, live: Bool = false, nav: String? = nil
    ) -> Response {
        var object = TemplateValues.dictionary(of: Layout(title: title, language: language, context: context, live: live))
        for (key, value) in TemplateValues.dictionary(of: model) { object[key] = value }
        if let nav {
            object["nav_\(nav)"] = true
            // A page under "More": the menu says the reader is in it, while it is closed too.
            if Self.underMore.contains(nav) { object["nav_more"] = true }
        }
        let html = library.render(object, withTemplate: template) ?? ""
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "same-origin",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The pages the header's "More" menu holds.
    static let underMore: Set = ["groups", "vehicles", "topology", "cards", "statements", "tariffs", "firmware", "access"]

    func json(_ value: some Encodable) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: try SyncJSON.encoder().encode(value))))
    }
}

/// Thrown by pages when the browser is not signed in: answered with a redirect to the sign-in page.
struct SignInRequired: Error, HTTPResponseError {
    let next: String
    var status: HTTPResponse.Status { .seeOther }
    var headers: HTTPFields {
        [.location: "/login?next=\(Dashboard.queryEscape(next))"]
    }
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headers)
    }
}
