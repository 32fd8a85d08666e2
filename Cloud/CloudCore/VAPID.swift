public import CloudStore
public import Crypto
public import Foundation

/// The cloud's VAPID key (RFC 8292): made on first start and kept in the store (every instance signs with the same),
/// its public half what browsers subscribe with (`applicationServerKey`).
public struct VAPIDKey: Sendable {
    let key: P256.Signing.PrivateKey
    /// Who push services may contact about this sender: a `mailto:` or `https:` URL.
    public let subject: String

    public init(key: P256.Signing.PrivateKey, subject: String) {
        self.key = key
        self.subject = subject
    }

    /// The key kept in the store, made the first time.
    public static func load(_ repository: any CloudRepository, subject: String) async throws -> VAPIDKey {
        let kept = try await repository.secret(named: "vapid-private-key") {
            P256.Signing.PrivateKey().rawRepresentation.base64EncodedString()
        }
        guard let raw = Data(base64Encoded: kept) else { throw VAPIDKeyError() }
        return VAPIDKey(key: try P256.Signing.PrivateKey(rawRepresentation: raw), subject: subject)
    }

    /// The public key, uncompressed, base64url: the browser's `applicationServerKey`.
    public var publicKey: String { Data(key.publicKey.x963Representation).base64URL }

    /// The `Authorization` header for a push to `endpoint`: a JWT (ES256) for the endpoint's origin, good for 12 hours.
    public func authorization(for endpoint: URL, at time: Date) throws -> String {
        guard let scheme = endpoint.scheme, let host = endpoint.host else { throw VAPIDKeyError() }
        let origin = "\(scheme)://\(host)" + (endpoint.port.map { ":\($0)" } ?? "")
        let header = Data(#"{"typ":"JWT","alg":"ES256"}"#.utf8).base64URL
        let claims = try JSONSerialization.data(
            withJSONObject: ["aud": origin, "exp": Int(time.timeIntervalSince1970) + 12 * 3600, "sub": subject],
            options: [.sortedKeys])
        let signed = header + "." + claims.base64URL
        let signature = try key.signature(for: Data(signed.utf8)).rawRepresentation
        return "vapid t=\(signed).\(signature.base64URL), k=\(publicKey)"
    }
}

struct VAPIDKeyError: Error, CustomStringConvertible {
    var description: String { "the stored VAPID key is not a P-256 key" }
}
