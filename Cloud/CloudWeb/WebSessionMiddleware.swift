import CloudCore
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import ServerSupport
import Synchronization

/// Resolves the session cookie into the caller's identity on dashboard routes, and refuses a state-changing
/// request that does not carry the session's form token (CSRF) or that comes from another origin.
struct WebSessionMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let repository: any CloudRepository
    let logger: Logger
    let refusals: Counter
    /// The roles that require a second factor, read again after a few seconds.
    let twoFactorRoles = CachedValue<Set<String>>(lifetime: .seconds(5))

    /// The pages a session waiting for its second factor may open.
    static let secondFactorPaths: Set = ["/login/code", "/account/two-factor", "/logout", "/language", "/login"]

    /// Posts a signed-out browser may make without a form token (it has no session to carry one).
    static let openPosts: Set = ["/login", "/language", "/unsubscribe", "/password-reset"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        var context = context
        var request = request
        if let value = request.cookies[WebAuth.cookieName]?.value, !value.isEmpty,
            var session = try await repository.webSession(idHash: WebAuth.hash(value)), session.expiresAt > Date(),
            let user = try await repository.user(id: session.user),
            let identity = try await Access.identity(of: user, repository: repository)
        {
            // A role that came to require a second factor applies to those signed in already.
            if session.pending == nil, try await twoFactorRoles.value(repository).contains(user.role),
                try await repository.totp(user: user.id).secret == nil
            {
                session.pending = .enroll
            }
            context.webSession = session
            context.user = user
            if let pending = session.pending {
                // Half signed in: the second factor's pages only, every other one leads there.
                guard Self.secondFactorPaths.contains(request.uri.path) else {
                    let step = pending == .code ? "/login/code" : "/account/two-factor"
                    return Response(status: .seeOther, headers: [.location: step])
                }
            } else {
                context.identity = identity
            }
        }
        guard request.method == .post else { return try await next(request, context) }
        // The unsubscribe link carries its own authorization (its token): a mail program may post it from anywhere.
        if request.uri.path == "/unsubscribe" { return try await next(request, context) }
        if let origin = request.headers[.origin], !Self.sameOrigin(origin, request: request) {
            return refuse("a form from another site (Origin \(origin))", request: request)
        }
        if context.webSession == nil,
            Self.openPosts.contains(request.uri.path) || request.uri.path.hasPrefix("/password-reset/")
        {
            return try await next(request, context)
        }
        guard let session = context.webSession else {
            return Response(status: .seeOther, headers: [.location: "/login"])
        }
        // A script sends the token in a header (and its body may be large: a firmware upload); a form in a field.
        var token = request.headers[HTTPField.Name(WebAuth.csrfHeader)!]
        if token == nil {
            token = Form(String(buffer: try await request.collectBody(upTo: WebAuth.maxFormBytes)))[WebAuth.csrfField]
        }
        guard WebAuth.tokensMatch(token, session.csrf) else {
            return refuse("a form without this session's token", request: request)
        }
        return try await next(request, context)
    }

    private func refuse(_ reason: String, request: Request) -> Response {
        refusals.increment()
        logger.warning(
            "dashboard refused a request", metadata: ["reason": "\(reason)", "path": "\(WebAuth.loggable(request.uri.path))"])
        return Response(
            status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: .init(string: "Refused: \(reason). Reload the page and try again.\n")))
    }

    /// Whether the `Origin` of a request names the host it was sent to.
    static func sameOrigin(_ origin: String, request: Request) -> Bool {
        guard let host = request.head.authority, let url = URL(string: origin),
            let originHost = url.host
        else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        return originAuthority.lowercased() == host.lowercased()
            || (url.port == nil && host.lowercased().hasPrefix(originHost.lowercased() + ":443"))
    }
}

/// The fields of an `application/x-www-form-urlencoded` body.
struct Form {
    let fields: [String: [String]]

    init(_ body: String) {
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            guard let key = parts.first else { continue }
            fields[decode(key), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        self.fields = fields
    }

    /// The field's first value.
    subscript(_ name: String) -> String? { fields[name]?.first }

    /// Every value of a field that repeats (a multiple select, checkboxes).
    func all(_ name: String) -> [String] { fields[name] ?? [] }

    /// The field's first value; nil when absent or empty.
    func text(_ name: String) -> String? { self[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// A number as a reader types it, with a decimal comma or point (`trimming` spaces around it first); nil when
    /// the field is absent or empty, a 400 naming the field (and `what` it must be) when it is not a number.
    func number<T: LosslessStringConvertible>(
        _ name: String, as type: T.Type = Double.self, trimming: Bool = false, what: String = "a number"
    ) throws -> T? {
        guard let raw = trimming ? self[name]?.trimmingCharacters(in: .whitespaces) : self[name], !raw.isEmpty else {
            return nil
        }
        guard let value = T(raw.replacingOccurrences(of: ",", with: ".")) else {
            throw Problem(status: 400, detail: "\(name) must be \(what), got '\(raw)'")
        }
        return value
    }
}

/// A value read from the store and kept for a while (a setting read on every request).
final class CachedValue<Value: Sendable>: Sendable {
    private let kept = Mutex<(value: Value, at: ContinuousClock.Instant)?>(nil)
    let lifetime: Duration

    init(lifetime: Duration) { self.lifetime = lifetime }

    func value(_ repository: any CloudRepository, now: ContinuousClock.Instant = .now) async throws -> Value
    where Value == Set<String> {
        if let kept = kept.withLock({ $0 }), now - kept.at < lifetime { return kept.value }
        let value = try await repository.twoFactorRoles()
        kept.withLock { $0 = (value, now) }
        return value
    }
}
