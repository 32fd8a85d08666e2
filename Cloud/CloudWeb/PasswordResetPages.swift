import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport

/// "Forgot your password?": a user asks with their login or e-mail address (`/password-reset`), the cloud mails a link
/// to the address it has for them (valid an hour, once), and the link's page (`/password-reset/<token>`) sets a new
/// password. Without a mail server the page says to ask an administrator. The answer never tells whether a user
/// exists: the same words, at once, the mail sent after the answer.
extension Dashboard {
    func passwordResetPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let query = Query(request)
        return page(
            "passwordReset", title: "reset.title", language: language(request: request, context: context), context: context,
            model: PasswordResetPage(canMail: passwordResetMail != nil, asked: query.string("asked") != nil))
    }

    func askForPasswordReset(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard signInLimit.allow(context.clientAddress ?? "unknown") else {
            throw Problem(status: 429, detail: "too many attempts from this address; try again in a minute")
        }
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        if let send = passwordResetMail {
            let (login, repository, linkBase, logger) = (form["login"] ?? "", repository, linkBase, logger)
            // All of it after the answer: how long the store and a mail server take does not tell who has an account.
            Task {
                do {
                    guard let link = try await PasswordResets.request(login: login, repository: repository, now: Date())
                    else { return }
                    try await send(
                        link.email, link.user.id, "\(linkBase)/password-reset/\(link.token)", link.user.language ?? "en")
                    logger.notice("password-reset link mailed", metadata: ["user": "\(link.user.id)"])
                } catch {
                    logger.error("password-reset link not mailed", metadata: ["error": "\(error)"])
                }
            }
        }
        return Response(status: .seeOther, headers: [.location: "/password-reset?asked=1"])
    }

    func newPasswordPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        return page(
            "newPassword", title: "reset.title", language: language(request: request, context: context), context: context,
            model: NewPasswordPage(token: token.filter(\.isHexDigit)))
    }

    func setNewPassword(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard signInLimit.allow(context.clientAddress ?? "unknown") else {
            throw Problem(status: 429, detail: "too many attempts from this address; try again in a minute")
        }
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let user = try await PasswordResets.complete(
            token: try context.parameters.require("token"), password: form["password"] ?? "",
            repeated: form["repeated"] ?? "", repository: repository, now: Date())
        logger.notice("password reset by mailed link", metadata: ["user": "\(user)"])
        return Response(status: .seeOther, headers: [.location: "/login?reset=1&user=\(Self.queryEscape(user))"])
    }
}

/// `passwordReset.mustache`: the form that asks for a link, or what was done.
struct PasswordResetPage: PageModel {
    /// Whether this cloud can mail (`smtp:`); otherwise an administrator sets a new password.
    let canMail: Bool
    let asked: Bool
}

/// `newPassword.mustache`: the new password, twice.
struct NewPasswordPage: PageModel {
    let token: String
}
