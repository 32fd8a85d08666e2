import CentralSystem
import Foundation
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket
import ServerSupport
import SwiftASN1
import X509

/// The child channel of the OCPP port: an HTTP/1.1 request that must upgrade to a WebSocket.
///
/// Written on NIO's typed WebSocket upgrader rather than hummingbird-websocket because OCPP needs the refusal
/// to carry a meaningful status (401 with `WWW-Authenticate` for bad credentials, as the OCPP security
/// whitepaper requires; 404 for unknown stations), where hummingbird-websocket always answers 400.
struct OCPPWebSocketChannel: ServerChildChannel {
    /// The subprotocols this edge speaks, most preferred first.
    static let supportedSubprotocols = ["ocpp1.6"]

    struct Value: ServerChildChannelValue {
        let outcome: EventLoopFuture<Outcome>
        let channel: any Channel
    }

    enum Outcome: Sendable {
        case webSocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, Accepted)
        case refused(NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Refusal)
    }

    struct Accepted: Sendable {
        let stationId: String
        let subprotocol: String
        let remoteAddress: String
        /// Where the connection hands its session to the handler that answers calls on the event loop.
        var direct = DirectCalls.Session()
    }

    struct Refusal: Sendable {
        let status: HTTPResponseStatus
        let reason: String
    }

    enum Decision: Sendable {
        case accept(Accepted, responseHeaders: HTTPHeaders)
        case refuse(Refusal)
    }

    let central: CentralSystem
    let maxFrameBytes: Int
    let connections: ConnectionsPerAddress

    init(central: CentralSystem, maxFrameBytes: Int, connectionsPerAddress: Int) {
        self.central = central
        self.maxFrameBytes = maxFrameBytes
        connections = ConnectionsPerAddress(limit: connectionsPerAddress)
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard connections.admit(channel) else {
            central.metrics.authFailure(reason: "too_many_connections")
            logger.warning(
                "connection refused: too many open from one address",
                metadata: ["remote": "\(channel.remoteAddress?.description ?? "unknown")"])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
        }
        return channel.eventLoop.makeCompletedFuture {
            let decision = NIOLockedValueBox<Decision?>(nil)
            let upgrader = NIOTypedWebSocketServerUpgrader<Outcome>(
                maxFrameSize: maxFrameBytes,
                // Protocol errors (a frame over the size limit) reach StationConnection, which closes with the
                // right code and logs them with the station id.
                enableAutomaticErrorHandling: false,
                shouldUpgrade: { channel, head in
                    let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                    // Read on the event loop, before the decision's task: the identity a client certificate names.
                    let certified = Self.certificateIdentity(channel)
                    promise.completeWithTask {
                        let decided = await self.decide(
                            head, remote: channel.remoteAddress, certified: certified, logger: logger)
                        decision.withLockedValue { $0 = decided }
                        if case .accept(_, let headers) = decided { return headers }
                        return nil
                    }
                    return promise.futureResult
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .accept(let accepted, _) = decision.withLockedValue({ $0 }) else {
                            throw ChannelError.inappropriateOperationForState
                        }
                        // A WebSocket may be quiet for minutes (the edge pings it); the deadline was for the upgrade.
                        channel.pipeline.removeHandler(name: UpgradeDeadline.name, promise: nil)
                        try channel.pipeline.syncOperations.addHandler(
                            DirectCalls(central: central, session: accepted.direct))
                        let webSocket = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                            wrappingChannelSynchronously: channel)
                        return Outcome.webSocket(webSocket, accepted)
                    }
                })
            let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration<Outcome>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let http = try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                            wrappingChannelSynchronously: channel)
                        if case .refuse(let refusal) = decision.withLockedValue({ $0 }) {
                            return Outcome.refused(http, refusal)
                        }
                        return Outcome.refused(
                            http,
                            Refusal(
                                status: .upgradeRequired,
                                reason: "OCPP chargers connect here with a WebSocket: ws://<host>/ocpp/<stationId>"))
                    }
                })
            try channel.pipeline.syncOperations.addHandler(UpgradeDeadline(), name: UpgradeDeadline.name)
            let outcome = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
                configuration: .init(upgradeConfiguration: upgradeConfiguration))
            return Value(outcome: outcome, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.outcome.get() {
            case .refused(let http, let refusal):
                try await Self.writeRefusal(refusal, on: http)
            case .webSocket(let webSocket, let accepted):
                await StationConnection(
                    webSocket: webSocket, accepted: accepted, central: central, maxMessageBytes: maxFrameBytes
                ).run()
            }
        } catch {
            logger.debug("connection ended during upgrade", metadata: ["error": "\(error)"])
        }
    }

    /// The common name of the client certificate the charger presented over TLS (security profile 3), if any: ""
    /// for a certificate without one.
    static func certificateIdentity(_ channel: any Channel) -> String? {
        guard let handler = try? channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
            let peer = handler.peerCertificate, let certificate = try? Certificate(derEncoded: try peer.toDERBytes())
        else { return nil }
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return attribute.value.description
            }
        }
        return ""
    }

    /// Decides on an upgrade request: station identity from the last path segment, subprotocol, admission.
    /// `certified` is the identity a verified client certificate names (security profile 3).
    func decide(
        _ head: HTTPRequestHead, remote: SocketAddress?, certified: String? = nil, logger: Logger
    ) async
        -> Decision
    {
        let remoteAddress = remote?.description ?? "unknown"
        guard let stationId = Self.stationIdentity(fromPath: head.uri) else {
            return .refuse(Refusal(status: .notFound, reason: "the URL must end with the station identity"))
        }
        let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map { String($0).lowercased() }
        var headers = HTTPHeaders()
        let subprotocol: String
        if offered.isEmpty {
            logger.warning(
                "station offered no OCPP subprotocol; speaking OCPP 1.6", metadata: ["station": "\(stationId)"])
            subprotocol = "ocpp1.6"
        } else if let match = Self.supportedSubprotocols.first(where: offered.contains) {
            subprotocol = match
            headers.add(name: "Sec-WebSocket-Protocol", value: match)
        } else {
            central.metrics.authFailure(reason: "unsupported_subprotocol")
            logger.warning(
                "station refused: no supported OCPP subprotocol offered",
                metadata: ["station": "\(stationId)", "offered": "\(offered.joined(separator: ","))"])
            return .refuse(
                Refusal(
                    status: .badRequest,
                    reason: "unsupported subprotocol \(offered.joined(separator: ", ")); this edge speaks "
                        + Self.supportedSubprotocols.joined(separator: ", ")))
        }
        if let certified, certified != stationId {
            central.metrics.authFailure(reason: "certificate_identity")
            logger.warning(
                "station refused: its client certificate names another identity",
                metadata: ["station": "\(stationId)", "certificate": "\(certified.debugDescription.prefix(64))"])
            return .refuse(
                Refusal(status: .unauthorized, reason: "the client certificate is not the certificate of this station"))
        }
        switch await central.admit(
            stationId: stationId, authorization: head.headers.first(name: "Authorization"),
            certified: certified == stationId, remoteAddress: remote?.ipAddress)
        {
        case .accepted:
            return .accept(
                Accepted(stationId: stationId, subprotocol: subprotocol, remoteAddress: remoteAddress), responseHeaders: headers)
        case .refused(let status, let reason):
            return .refuse(Refusal(status: HTTPResponseStatus(statusCode: status), reason: reason))
        }
    }

    /// The station identity: the last non-empty path segment, percent-decoded, so any base URL works.
    static func stationIdentity(fromPath uri: String) -> String? {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard let last = path.split(separator: "/").last, let decoded = String(last).removingPercentEncoding,
            !decoded.isEmpty
        else { return nil }
        return decoded
    }

    static func writeRefusal(
        _ refusal: Refusal, on http: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    ) async throws {
        try await http.executeThenClose { _, outbound in
            let body = ByteBuffer(string: refusal.reason + "\n")
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: "\(body.readableBytes)")
            headers.add(name: "Connection", value: "close")
            if refusal.status == .unauthorized {
                headers.add(name: "WWW-Authenticate", value: #"Basic realm="gridside-edge", charset="UTF-8""#)
            }
            try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: refusal.status, headers: headers)))
            try await outbound.write(.body(.byteBuffer(body)))
            try await outbound.write(.end(nil))
        }
    }
}

/// Closes a connection that has not become a WebSocket within `timeout` of being accepted (TLS handshake and upgrade
/// request included), so half-open connections cannot pile up until the edge runs out of descriptors (security
/// review, finding 17). Removed when the upgrade succeeds.
final class UpgradeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    static let name = "gridside-upgrade-deadline"
    static let timeout: TimeAmount = .seconds(10)
    private var deadline: Scheduled<Void>?

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: Self.timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}
