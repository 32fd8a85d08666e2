import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import Metrics
import ServerSupport

/// Two-factor sign-in with an authenticator app (TOTP, ``TOTP``): after the password, a session is pending until
/// the user gives the app's code (`/login/code`) or, when the user's role requires one and the user has none, sets
/// one up (`/account/two-factor`); each code is good once and a wrong one counts toward the user's lock like a wrong
/// password. Any user may set one up; the fleet's own administrators require it per role (`/access`) and remove a
/// user's (a lost phone) on the user's page.
extension Dashboard {
    static let totpIssuer = "Gridside"

    func codePage(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard context.webSession?.pending == .code else { return Response(status: .seeOther, headers: [.location: "/"]) }
        let query = Query(request)
        let model = CodePage(next: safeNextPath(query.string("next")), failed: query.string("failed") != nil)
        return page(
            "loginCode", title: "tfa.codeTitle", language: language(request: request, context: context),
            context: context, model: model)
    }

    /// The code of a session pending it: taken once, then the session is replaced by a signed-in one.
    func checkCode(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let session = context.webSession, session.pending == .code, let user = context.user else {
            return Response(status: .seeOther, headers: [.location: "/login"])
        }
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let next = safeNextPath(form["next"])
        let now = Date()
        let mayTry = try await repository.beginLogin(
            user: user.id, maxFailures: WebAuth.maxFailures, lockUntil: now.addingTimeInterval(WebAuth.lockDuration), now: now)
        let state = try await repository.totp(user: user.id)
        guard mayTry, let secret = state.secret,
            let step = TOTP.matchingStep(form["code"] ?? "", secret: secret, at: now, after: state.lastStep),
            try await repository.useTOTPStep(user: user.id, step: step)
        else {
            failedLogins.increment()
            logger.warning("dashboard sign-in failed: wrong or used authenticator code", metadata: ["user": "\(user.id)"])
            return Response(status: .seeOther, headers: [.location: "/login/code?failed=1&next=\(Self.queryEscape(next))"])
        }
        return try await signedIn(user, replacing: session, next: next, now: now)
    }

    func twoFactorPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let user = context.user, let session = context.webSession else {
            return Response(status: .seeOther, headers: [.location: "/login?next=/account/two-factor"])
        }
        guard session.pending != .code else { return Response(status: .seeOther, headers: [.location: "/login/code"]) }
        var state = try await repository.totp(user: user.id)
        if state.secret == nil, state.pending == nil {
            let secret = TOTP.newSecret()
            try await repository.setPendingTOTP(user: user.id, secret: secret)
            state.pending = secret
        }
        let required = try await repository.twoFactorRoles().contains(user.role)
        let query = Query(request)
        let model = TwoFactorPage(
            enabled: state.secret != nil, required: required, mustEnroll: session.pending == .enroll,
            secret: state.secret == nil ? state.pending.map(Self.grouped) : nil,
            uri: state.secret == nil
                ? state.pending.map { TOTP.uri(secret: $0, account: user.id, issuer: Self.totpIssuer) } : nil,
            next: safeNextPath(query.string("next")), failed: query.string("failed") != nil,
            done: query.string("done") != nil)
        return page(
            "twoFactor", title: "tfa.title", language: language(request: request, context: context),
            context: context, model: model)
    }

    /// The first code of the authenticator being set up confirms it; a session that was waiting for it signs in.
    func enrollTwoFactor(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let user = context.user, let session = context.webSession, session.pending != .code else {
            return Response(status: .seeOther, headers: [.location: "/login"])
        }
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let next = safeNextPath(form["next"])
        let now = Date()
        guard let pending = try await repository.totp(user: user.id).pending,
            let step = TOTP.matchingStep(form["code"] ?? "", secret: pending, at: now, after: nil),
            try await repository.confirmTOTP(user: user.id, step: step)
        else {
            return Response(
                status: .seeOther, headers: [.location: "/account/two-factor?failed=1&next=\(Self.queryEscape(next))"])
        }
        logger.notice("two-factor sign-in set up", metadata: ["user": "\(user.id)"])
        guard session.pending == .enroll else {
            return Response(status: .seeOther, headers: [.location: "/account/two-factor?done=1"])
        }
        return try await signedIn(user, replacing: session, next: next, now: now)
    }

    /// Turned off by its user with a current code, unless the user's role requires it.
    func disableTwoFactor(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        guard let user = context.user else { throw Problem(status: 403, detail: "an API token has no authenticator") }
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        guard !(try await repository.twoFactorRoles().contains(identity.role.rawValue)) else {
            throw Problem(status: 409, detail: "the role \(identity.role.rawValue) requires two-factor sign-in")
        }
        let state = try await repository.totp(user: user.id)
        guard let secret = state.secret,
            let step = TOTP.matchingStep(form["code"] ?? "", secret: secret, at: Date(), after: state.lastStep),
            try await repository.useTOTPStep(user: user.id, step: step)
        else { throw Problem(status: 400, detail: "code: not the authenticator's current code") }
        try await repository.removeTOTP(user: user.id)
        logger.notice("two-factor sign-in turned off", metadata: ["user": "\(user.id)"])
        return Response(status: .seeOther, headers: [.location: "/account/two-factor"])
    }

    /// The roles that must sign in with a second factor (the fleet's own administrators).
    func setTwoFactorRoles(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let roles = try TwoFactorPolicy.roles(form.all("roles"))
        try await repository.setTwoFactorRoles(roles)
        logger.notice("two-factor sign-in required", metadata: ["roles": "\(roles.sorted())", "by": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/access#two-factor"])
    }

    /// A user's authenticator removed by an administrator (a lost phone): the user signs in with the password alone,
    /// or sets a new one up at once when the role requires it.
    func resetTwoFactor(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        let id = try context.parameters.require("user")
        guard try await repository.user(id: id) != nil else { throw Problem(status: 404, detail: "no user '\(id)'") }
        try await repository.removeTOTP(user: id)
        logger.notice("two-factor sign-in removed", metadata: ["user": "\(id)", "by": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/access/users/\(Self.pathSegment(id))"])
    }

    /// A fresh, signed-in session in place of one that was waiting for the second factor.
    private func signedIn(
        _ user: UserRecord, replacing old: WebSessionRecord, next: String, now: Date
    ) async throws
        -> Response
    {
        try await repository.recordLogin(user: user.id, succeeded: true, lockUntil: nil)
        try await repository.deleteWebSession(idHash: old.idHash)
        let (cookie, session) = WebAuth.newSession(user: user.id, now: now)
        try await repository.addWebSession(session)
        logins.increment()
        logger.info("dashboard sign-in", metadata: ["user": "\(user.id)", "role": "\(user.role)", "second_factor": "totp"])
        return Response(status: .seeOther, headers: [.location: next, .setCookie: WebAuth.setCookie(cookie)])
    }

    private func safeNextPath(_ next: String?) -> String { Self.safeNext(next) }

    /// A secret as people copy it: groups of four.
    static func grouped(_ secret: String) -> String {
        stride(from: 0, to: secret.count, by: 4).map { start in
            let from = secret.index(secret.startIndex, offsetBy: start)
            return String(secret[from..<(secret.index(from, offsetBy: 4, limitedBy: secret.endIndex) ?? secret.endIndex)])
        }.joined(separator: " ")
    }
}

/// The second step of signing in (`loginCode.mustache`).
struct CodePage: PageModel {
    let next: String
    let failed: Bool
}

/// A user's authenticator (`twoFactor.mustache`).
struct TwoFactorPage: PageModel {
    let enabled, required, mustEnroll: Bool
    /// The secret being set up, and its `otpauth://` link (nil once set up).
    let secret, uri: String?
    let next: String
    let failed, done: Bool
}
