public import CloudStore
import Crypto
public import Foundation

/// API tokens: `gst_<id>_<secret>`. The id finds the record; only SHA-256 of the secret is stored (the
/// secret is 32 random bytes, so a slow hash adds nothing), compared in constant time.
public enum APITokens {
    /// A new token: the record to store and the text to hand to the user once.
    public static func create(name: String, role: Role, at time: Date) -> (record: APITokenRecord, token: String) {
        let id = randomText(bytes: 6)
        let secret = randomText(bytes: 32)
        let record = APITokenRecord(id: id, name: name, secretHash: hash(secret), role: role.rawValue, createdAt: time)
        return (record, "gst_\(id)_\(secret)")
    }

    /// Splits a token into id and secret; nil when it is not one of ours.
    static func parse(_ token: String) -> (id: String, secret: String)? {
        let parts = token.split(separator: "_", maxSplits: 2)
        guard parts.count == 3, parts[0] == "gst", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func matches(_ secret: String, hash expected: String) -> Bool {
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
