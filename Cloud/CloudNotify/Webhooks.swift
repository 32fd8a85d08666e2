public import AsyncHTTPClient
public import CloudStore
import Crypto
public import Foundation
import NIOCore
import NIOHTTP1
import SyncContract

/// Sends a notification to a webhook; nil when the receiver took it (2xx), else why not.
public protocol WebhookSending: Sendable {
    func send(
        _ notification: NotificationRecord, delivery: DeliveryRecord, to hook: NotificationRule.Webhook
    ) async
        -> String?
}

/// A webhook's request: the notification as JSON, signed so its receiver knows it came from this cloud and is
/// fresh. `X-Gridside-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the hook's secret>`;
/// a receiver recomputes it and refuses a `t` older than a few minutes (a replay).
public enum Webhook {
    /// The body: the notification as the API lists it (the delivery's id is its `X-Gridside-Delivery` header).
    public static func body(_ notification: NotificationRecord) throws -> Data {
        try SyncJSON.encoder().encode(notification)
    }

    /// The signature header's value for `body` sent at `time`.
    public static func signature(_ body: Data, secret: String, at time: Date) -> String {
        let stamp = Int64(time.timeIntervalSince1970)
        var message = Data("\(stamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(stamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}

/// Webhooks over HTTP(S) with AsyncHTTPClient: 10 s to answer, redirects not followed (a redirect could take the
/// signed request to an address the rule's check never saw).
public struct WebhookSender: WebhookSending {
    let client: HTTPClient

    public init() { client = Self.client }

    /// One client for the process's life (a client must be shut down before it goes; this one never goes).
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(10))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public func send(
        _ notification: NotificationRecord, delivery: DeliveryRecord, to hook: NotificationRule.Webhook
    ) async
        -> String?
    {
        do {
            let body = try Webhook.body(notification)
            var request = HTTPClientRequest(url: hook.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "gridside-cloud")
            request.headers.add(name: "X-Gridside-Event", value: notification.event.rawValue)
            request.headers.add(name: "X-Gridside-Delivery", value: "\(delivery.id)")
            request.headers.add(name: "X-Gridside-Signature", value: Webhook.signature(body, secret: hook.secret, at: Date()))
            request.body = .bytes(ByteBuffer(bytes: body))
            // Only the status is read: a receiver that trickles its body out holds nothing up (the body not read, the
            // connection is not reused).
            let response = try await client.execute(request, timeout: .seconds(10))
            return (200..<300).contains(Int(response.status.code)) ? nil : "HTTP \(response.status.code)"
        } catch {
            return "\(error)"
        }
    }
}
