public import CloudStore
import Crypto
public import Foundation
import ServerSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The unsubscribe link every notification mail carries: `…/unsubscribe?rule=…&to=…&t=…`, the token an HMAC of the
/// rule and the recipient under the cloud's own key, so a link opts out its own recipient of its own rule, no more.
public enum Unsubscribe {
    /// The cloud's secret the links are signed with (made on first use, kept in the store).
    public static func key(_ repository: any CloudRepository) async throws -> String {
        try await repository.secret(named: "unsubscribe-key") {
            SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        }
    }

    /// `recipient` is `user:<id>` or an address (compared without case).
    public static func recipient(address: String) -> String { address.lowercased() }

    public static func token(rule: String, recipient: String, key: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: Data("\(rule)\n\(recipient)".utf8), using: SymmetricKey(data: Data(key.utf8)))
        return Data(code).base64URL
    }

    public static func link(base: String, rule: String, recipient: String, key: String) -> String {
        var parts = URLComponents()
        parts.queryItems = [
            URLQueryItem(name: "rule", value: rule), URLQueryItem(name: "to", value: recipient),
            URLQueryItem(name: "t", value: token(rule: rule, recipient: recipient, key: key)),
        ]
        // `+` is a space to form decoders: spelled out, an address with one survives the round trip.
        let query = (parts.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return "\(base)/unsubscribe?\(query)"
    }

    /// Opts the link's recipient out of its rule once its token holds; 404 for a link that does not.
    public static func apply(
        rule: String, recipient: String, token: String, repository: any CloudRepository, at time: Date
    ) async throws -> NotificationRule {
        let expected = Self.token(rule: rule, recipient: recipient, key: try await key(repository))
        guard Data(expected.utf8).constantTimeEquals(Data(token.utf8)), let found = try await repository.rule(id: rule)
        else { throw Problem(status: 404, detail: "this unsubscribe link is not valid (or its rule is gone)") }
        try await repository.setOptOut(rule: rule, recipient: recipient, muted: true, at: time)
        return found
    }

    /// Whether the link's token holds (the page asks before it opts out).
    public static func holds(
        rule: String, recipient: String, token: String, repository: any CloudRepository
    ) async throws
        -> Bool
    {
        Data(Self.token(rule: rule, recipient: recipient, key: try await key(repository)).utf8)
            .constantTimeEquals(Data(token.utf8))
    }
}

/// A browser's Web Push subscription as the Push API gives it (`PushSubscription.toJSON()`).
public struct PushSubscriptionInput: Decodable, Sendable {
    public var endpoint: String
    public var keys: Keys

    public struct Keys: Decodable, Sendable {
        public var p256dh: String
        public var auth: String

        public init(p256dh: String, auth: String) {
            self.p256dh = p256dh
            self.auth = auth
        }
    }

    public init(endpoint: String, keys: Keys) {
        self.endpoint = endpoint
        self.keys = keys
    }
}

/// Web Push subscriptions: a signed-in user's browsers, each told of the notifications of the rules naming the user.
public enum PushSubscriptions {
    /// Keeps `input` for the identity's user; bad keys or endpoints are refused naming the field.
    public static func save(
        _ input: PushSubscriptionInput, by identity: APIIdentity, repository: any CloudRepository, at time: Date
    ) async throws -> PushSubscriptionRecord {
        guard let user = identity.user else {
            throw Problem(status: 403, detail: "a token of no user has no browser to push to")
        }
        if let problem = endpointProblem(input.endpoint, staff: identity.organization == nil) {
            throw Problem(status: 400, detail: "endpoint: \(problem)")
        }
        guard let key = Data(base64URL: input.keys.p256dh), key.count == 65,
            (try? P256.KeyAgreement.PublicKey(x963Representation: key)) != nil
        else {
            throw Problem(status: 400, detail: "keys.p256dh: a P-256 public key, 65 bytes uncompressed, base64url")
        }
        guard let auth = Data(base64URL: input.keys.auth), auth.count == 16 else {
            throw Problem(status: 400, detail: "keys.auth: 16 bytes, base64url")
        }
        let kept = try await repository.pushSubscriptions(user: user)
        guard kept.count < maxPerUser || kept.contains(where: { $0.endpoint == input.endpoint }) else {
            throw Problem(
                status: 400, detail: "endpoint: at most \(maxPerUser) browsers a user; remove one (DELETE) before adding another")
        }
        let record = PushSubscriptionRecord(
            endpoint: input.endpoint, user: user, p256dh: input.keys.p256dh, auth: input.keys.auth, createdAt: time)
        try await repository.savePushSubscription(record)
        return record
    }

    /// Browsers a user may subscribe (each push to them waits on its push service).
    public static let maxPerUser = 10

    /// Why the cloud will not post to `endpoint`, or nil: HTTPS to a host named on the internet; HTTP to this machine
    /// only for the fleet's staff (a push service beside the cloud, as in tests). Nobody else makes the cloud post to
    /// this machine or to an address of a private network.
    public static func endpointProblem(_ endpoint: String, staff: Bool) -> String? {
        guard endpoint.count <= 1000 else { return "at most 1000 characters" }
        if let problem = NotificationRules.webhookProblem(endpoint, local: staff) { return problem }
        guard let host = URLComponents(string: endpoint)?.host?.lowercased(),
            URLComponents(string: endpoint)?.scheme?.lowercased() == "https"
        else { return nil }
        return isInternal(host) ? "a push service is on the internet, not at '\(host)'" : nil
    }

    /// Whether `host` names this machine, or is an address that is not the internet's: loopback, private, link-local,
    /// shared, benchmark, multicast, reserved or unspecified, IPv4 or IPv6. Numbers count only in their one canonical
    /// form (`127.1`, `2130706433`, `0x7f.0.0.1` or `0177.0.0.1` are refused, as resolvers read them as this machine). A
    /// name is taken as it is: where it resolves to is not checked.
    static func isInternal(_ host: String) -> Bool {
        var bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare.hasSuffix(".") { bare.removeLast() }
        for local in ["localhost", "local", "internal", "home.arpa"] where bare == local || bare.hasSuffix("." + local) {
            return true
        }
        if bare.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, bare, &address) == 1 else { return true }
            let bytes = withUnsafeBytes(of: &address) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) { return true }  // :: and ::1
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
                return isInternal(v4: Array(bytes[12..<16]))  // an IPv4 address, mapped
            }
            return bytes[0] == 0xff || (bytes[0] & 0xfe) == 0xfc || (bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80)
        }
        let labels = bare.split(separator: ".", omittingEmptySubsequences: false)
        // A name: its last label (a top-level domain) has a letter.
        if let last = labels.last, last.contains(where: \.isLetter) { return false }
        let octets = labels.compactMap { part -> UInt8? in
            guard (1...3).contains(part.count), part.allSatisfy(\.isNumber), part == "0" || !part.hasPrefix("0") else {
                return nil
            }
            return UInt8(part)
        }
        guard labels.count == 4, octets.count == 4 else { return true }
        return isInternal(v4: octets)
    }

    static func isInternal(v4 octets: [UInt8]) -> Bool {
        switch (octets[0], octets[1], octets[2]) {
        case (0, _, _), (10, _, _), (127, _, _), (169, 254, _), (192, 168, _), (100, 64...127, _), (172, 16...31, _),
            (192, 0, 0), (198, 18...19, _), (224...255, _, _):
            true
        default: false
        }
    }
}

/// Secrets handed out once and kept only as a hash: session cookies, upload URLs' tokens, OCPI tokens.
public enum Secrets {
    /// 32 random bytes, base64url without padding.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64URL
    }

    /// How a secret is looked up: SHA-256 in hex (the secrets are random, so a slow hash adds nothing).
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension Data {
    /// Base64url without padding (RFC 7515's).
    public var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Base64url, padded or not; nil when it is not.
    public init?(base64URL text: String) {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        self.init(base64Encoded: standard)
    }

    func constantTimeEquals(_ other: Data) -> Bool {
        guard count == other.count else { return false }
        return zip(self, other).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
