import CloudCore
public import CloudStore
public import Foundation
import Hummingbird
import HummingbirdBcrypt
import NIOPosix
import ServerSupport

/// Browser sign-in: bcrypt passwords, a session cookie whose value is only stored hashed, a form token per
/// session against cross-site requests, and a lock after repeated failures.
public enum WebAuth {
    /// A path as the log may keep it: a password-reset link's token is a secret while it is valid, and stays out.
    static func loggable(_ path: String) -> String { ProblemMiddleware<APIRequestContext>.loggable(path) }

    /// The session cookie: `__Host-` makes browsers insist on Secure, path `/` and no Domain.
    public static let cookieName = "__Host-gridside"
    /// The form field and header that carry the form token.
    public static let csrfField = "_csrf"
    public static let csrfHeader = "X-CSRF-Token"
    /// The largest form a page takes (a card import of 10,000 cards is about 1.5 MB); most pages' forms are far smaller.
    public static let maxFormBytes = 2 << 20
    /// A session lasts this long from sign-in.
    public static let sessionLifetime: TimeInterval = 12 * 3600
    /// After this many failed sign-ins in a row, the user is locked for ``lockDuration``.
    public static let maxFailures = 5
    public static let lockDuration: TimeInterval = 15 * 60

    /// Checks a password against a bcrypt hash, off the cooperative pool.
    public static func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Whether `user` may try to sign in now.
    public static func isLocked(_ user: UserRecord, now: Date) -> Bool {
        if let until = user.lockedUntil, until > now { return true }
        return false
    }

    /// The lock a failed attempt sets: none until the user's ``maxFailures``-th failure in a row.
    public static func lockAfterFailure(of user: UserRecord, now: Date) -> Date? {
        user.failedLogins + 1 >= maxFailures ? now.addingTimeInterval(lockDuration) : nil
    }

    /// A new session: the cookie value to hand out once, and the record to store.
    /// One `pending` a second factor lasts ten minutes.
    public static func newSession(
        user: String, now: Date, pending: SecondFactor? = nil
    ) -> (cookie: String, record: WebSessionRecord) {
        let cookie = randomToken()
        let record = WebSessionRecord(
            idHash: hash(cookie), user: user, csrf: randomToken(), createdAt: now,
            expiresAt: now.addingTimeInterval(pending == nil ? sessionLifetime : 600), pending: pending)
        return (cookie, record)
    }

    /// How a cookie value is looked up: SHA-256 (the value is 32 random bytes, so a slow hash adds nothing).
    public static func hash(_ value: String) -> String { Secrets.hash(value) }

    /// Compares a form token in constant time.
    public static func tokensMatch(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The `Set-Cookie` header of a session: HTTPS only, not for scripts, not sent along from other sites.
    public static func setCookie(_ value: String) -> String {
        Cookie(
            name: cookieName, value: value, maxAge: Int(sessionLifetime), path: "/", secure: true, httpOnly: true,
            sameSite: .strict
        ).description
    }

    /// The `Set-Cookie` header that removes the session cookie.
    public static var clearCookie: String {
        Cookie(name: cookieName, value: "", maxAge: 0, path: "/", secure: true, httpOnly: true, sameSite: .strict).description
    }

    private static func randomToken() -> String { Secrets.random() }
}

/// The sign-in form (`login.mustache`).
struct LoginPage: PageModel {
    /// Where to go once signed in (a path of this site).
    let next: String
    let failed: Bool
    let userValue: String
    /// A new password was just set by a mailed link.
    let reset: Bool
}
