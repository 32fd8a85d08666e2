public import CloudStore
import Crypto
public import Foundation
public import ServerSupport

/// Passwords reset by a mailed link: a user asks with their login or e-mail address, the cloud mails a link to the
/// address it has for the user (valid an hour, used once, only its SHA-256 kept), and the link's page sets a new
/// password, which signs the user's browsers out. The answer to asking never tells whether the user exists.
public enum PasswordResets {
    public static let validity: TimeInterval = 3600
    /// Asked again within this, an account gets no new link.
    public static let cooldown: TimeInterval = 300

    /// A link made for whom: the user, their address and language, and the token the link carries.
    public struct Link: Sendable {
        public var user: UserRecord
        public var email: String
        public var token: String
    }

    /// The link for the user of `login` (their id or e-mail address), if there is such a user with an address; nil
    /// otherwise (the caller answers the same either way).
    public static func request(login: String, repository: any CloudRepository, now: Date) async throws -> Link? {
        let login = login.trimmingCharacters(in: .whitespaces)
        guard !login.isEmpty, login.count <= 200 else { return nil }
        var user = try await repository.user(id: login)
        if user == nil, login.contains("@") {
            let matches = try await repository.users().filter { $0.email?.lowercased() == login.lowercased() }
            // An address two users share names neither.
            user = matches.count == 1 ? matches.first : nil
        }
        guard let user, let email = user.email, !email.isEmpty else { return nil }
        // One mail per account in five minutes: asking again and again floods no one's mailbox and spends no link.
        if let expires = try await repository.passwordResetExpiry(user: user.id), expires - validity > now - cooldown {
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        try await repository.addPasswordReset(tokenHash: hash(token), user: user.id, expiresAt: now + validity)
        return Link(user: user, email: email, token: token)
    }

    /// Sets the new password of the link's user (once: the link is used up, whatever the password), signs their
    /// browsers out and lifts a lock.
    public static func complete(
        token: String, password: String, repeated: String, repository: any CloudRepository, now: Date,
        cost: UInt8 = Users.bcryptCost
    ) async throws -> String {
        // Checked before the link is spent, so a typo costs no new mail.
        guard password == repeated else { throw Problem(status: 400, detail: "password: the two do not match") }
        if let problem = Users.passwordProblem(password) { throw Problem(status: 400, detail: "password: \(problem)") }
        guard token.count == 64, let id = try await repository.redeemPasswordReset(tokenHash: hash(token), now: now),
            var user = try await repository.user(id: id)
        else {
            throw Problem(status: 404, detail: "this link is not valid (used, or older than an hour): ask for a new one")
        }
        user.passwordHash = try await Users.hashPassword(password, cost: cost)
        user.failedLogins = 0
        user.lockedUntil = nil
        try await repository.updateUser(user, endSessions: true)
        return user.id
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
