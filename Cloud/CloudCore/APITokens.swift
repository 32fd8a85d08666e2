public import CloudStore
import Crypto
public import Foundation
import ServerSupport

/// API tokens: `gst_<id>_<secret>`. The id finds the record; only SHA-256 of the secret is stored (the
/// secret is 32 random bytes, so a slow hash adds nothing), compared in constant time.
public enum APITokens {
    /// How long a new token is valid unless told otherwise.
    public static let defaultLifetimeDays = 365

    /// A new token: the record to store and the text to hand to the user once. `expiresAt` nil: it never expires.
    public static func create(
        name: String, role: Role, at time: Date, expiresAt: Date? = nil
    )
        -> (record: APITokenRecord, token: String)
    {
        let id = randomText(bytes: 6)
        let secret = randomText(bytes: 32)
        let record = APITokenRecord(
            id: id, name: name, secretHash: hash(secret), role: role.rawValue, createdAt: time, expiresAt: expiresAt)
        return (record, "gst_\(id)_\(secret)")
    }

    /// Creates and keeps a token after every check (each refusal names the field): `user`'s role and organization
    /// apply when given, else `role` (required); it expires after `days` (0: never).
    public static func issue(
        name: String, role: String?, user: String?, days: Int?, repository: any CloudRepository, now: Date = Date()
    ) async throws -> (record: APITokenRecord, token: String) {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw Problem(status: 400, detail: "name must be 1 to 100 characters") }
        let days = days ?? defaultLifetimeDays
        guard (0...3650).contains(days) else {
            throw Problem(status: 400, detail: "expiresInDays must be 0 (never) to 3650, got \(days)")
        }
        let tokenRole: Role
        if let user {
            guard let record = try await repository.user(id: user), let userRole = Role(rawValue: record.role) else {
                throw Problem(status: 404, detail: "user: no user '\(user)'")
            }
            tokenRole = userRole
        } else {
            guard let role, let chosen = Role(rawValue: role) else {
                throw Problem(
                    status: 400, detail: "role must be admin, operator, viewer or partner (or give a user), got '\(role ?? "")'")
            }
            tokenRole = chosen
        }
        var (record, token) = create(
            name: name, role: tokenRole, at: now, expiresAt: days == 0 ? nil : now.addingTimeInterval(Double(days) * 86_400))
        record.user = user
        try await repository.addAPIToken(record)
        return (record, token)
    }

    /// Splits a token into id and secret; nil when it is not one of ours.
    public static func parse(_ token: String) -> (id: String, secret: String)? {
        let parts = token.split(separator: "_", maxSplits: 2)
        guard parts.count == 3, parts[0] == "gst", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public static func matches(_ secret: String, hash expected: String) -> Bool {
        let actual = Array(hash(secret).utf8)
        let wanted = Array(expected.utf8)
        guard actual.count == wanted.count else { return false }
        return zip(actual, wanted).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func randomText(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "A").replacingOccurrences(of: "/", with: "B")
            .replacingOccurrences(of: "=", with: "")
    }
}
