import AsyncHTTPClient
public import CloudCore
public import CloudStore
public import Crypto
public import Foundation
import NIOCore
import NIOHTTP1
import SyncContract

/// Web Push message encryption (RFC 8291) in the aes128gcm content coding (RFC 8188): one record, for one browser.
public enum WebPushCrypto {
    public enum Failure: Error, CustomStringConvertible {
        case badKeys
        case tooLong

        public var description: String {
            switch self {
            case .badKeys: "the subscription's keys are not a P-256 public key and a 16-byte secret"
            case .tooLong: "the message is longer than one record"
            }
        }
    }

    /// `plaintext` encrypted for the browser holding `p256dh`'s private key and `auth`; `salt` and `serverKey` are
    /// fresh for every message (given only by tests).
    public static func encrypt(
        _ plaintext: Data, p256dh: Data, auth: Data, salt: Data? = nil,
        serverKey: P256.KeyAgreement.PrivateKey = P256.KeyAgreement.PrivateKey(), recordSize: UInt32 = 4096
    ) throws -> Data {
        guard let browserKey = try? P256.KeyAgreement.PublicKey(x963Representation: p256dh), auth.count == 16 else {
            throw Failure.badKeys
        }
        // One record, and a body push services take (4096 bytes with the 86-byte header and the 16-byte tag).
        guard plaintext.count + 1 + 16 <= Int(recordSize), plaintext.count <= 3993 else { throw Failure.tooLong }
        let salt = salt ?? Data(SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) })
        let serverPublic = serverKey.publicKey.x963Representation
        let shared = try serverKey.sharedSecretFromKeyAgreement(with: browserKey)
        // The input keying material: the ECDH secret mixed with the browser's auth secret and both public keys.
        var keyInfo = Data("WebPush: info".utf8) + [0]
        keyInfo += p256dh + serverPublic
        let ikm = shared.withUnsafeBytes { secret in
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: Data(secret)), salt: auth, info: keyInfo, outputByteCount: 32)
        }
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: ikm, salt: salt)
        let contentKey = HKDF<SHA256>.expand(
            pseudoRandomKey: prk, info: Data("Content-Encoding: aes128gcm".utf8) + [0], outputByteCount: 16)
        let nonce = HKDF<SHA256>.expand(
            pseudoRandomKey: prk, info: Data("Content-Encoding: nonce".utf8) + [0], outputByteCount: 12)
        // The last (and only) record ends with the delimiter 2.
        let sealed = try AES.GCM.seal(
            plaintext + [2], using: contentKey, nonce: try AES.GCM.Nonce(data: nonce.withUnsafeBytes { Data($0) }))
        var body = salt
        withUnsafeBytes(of: recordSize.bigEndian) { body.append(contentsOf: $0) }
        body.append(UInt8(serverPublic.count))
        body += serverPublic + sealed.ciphertext + sealed.tag
        return body
    }
}

/// What became of a push: taken; the subscription gone (the push service said 404 or 410, or 403: the subscription
/// was made with another key; forget it); failed for now (tried again), or for good.
public enum PushOutcome: Sendable, Equatable {
    case sent
    case gone
    case failed(String, permanent: Bool = false)
}

/// Pushes a message to a browser through its push service.
public protocol PushSending: Sendable {
    func push(_ message: Data, to subscription: PushSubscriptionRecord) async -> PushOutcome
}

/// Web Push over HTTP(S): encrypted, signed with the VAPID key, kept by the push service up to a day; 10 s to answer,
/// no redirects.
public struct WebPushSender: PushSending {
    let repository: any CloudRepository
    /// The VAPID `sub`: who push services may contact (the cloud's address).
    let subject: String

    public init(repository: any CloudRepository, subject: String) {
        self.repository = repository
        self.subject = subject
    }

    public func push(_ message: Data, to subscription: PushSubscriptionRecord) async -> PushOutcome {
        do {
            let vapid = try await VAPIDKey.load(repository, subject: subject)
            guard let endpoint = URL(string: subscription.endpoint), let p256dh = Data(base64URL: subscription.p256dh),
                let auth = Data(base64URL: subscription.auth)
            else { return .gone }
            let body = try WebPushCrypto.encrypt(message, p256dh: p256dh, auth: auth)
            var request = HTTPClientRequest(url: subscription.endpoint)
            request.method = .POST
            request.headers.add(name: "Content-Encoding", value: "aes128gcm")
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.headers.add(name: "TTL", value: "86400")
            request.headers.add(name: "Urgency", value: "high")
            request.headers.add(name: "Authorization", value: try vapid.authorization(for: endpoint, at: Date()))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await WebhookSender.client.execute(request, timeout: .seconds(10))
            switch response.status.code {
            case 200..<300: return .sent
            case 403, 404, 410: return .gone
            case 400, 413: return .failed("push service refused the message (HTTP \(response.status.code))", permanent: true)
            default: return .failed("push service answered HTTP \(response.status.code)")
            }
        } catch WebPushCrypto.Failure.badKeys {
            return .gone
        } catch let error as WebPushCrypto.Failure {
            return .failed("\(error)", permanent: true)
        } catch {
            return .failed("\(error)")
        }
    }
}

/// What a browser is pushed: the notification's words, for the service worker to show.
public enum PushMessage {
    public static func body(_ notification: NotificationRecord, title: String) throws -> Data {
        var object: [String: Any] = [
            "id": notification.id, "title": title, "body": notification.summary, "site": notification.site,
            "event": notification.event.rawValue, "url": "/notifications",
        ]
        if let station = notification.station { object["station"] = station }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}
