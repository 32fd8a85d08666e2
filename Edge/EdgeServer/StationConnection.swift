import CentralSystem
import Foundation
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// One station's WebSocket, from upgrade to close: reassembles text messages, answers pings, refuses binary
/// and oversized messages, and hands each message to the central system in order.
struct StationConnection {
    let webSocket: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
    let accepted: OCPPWebSocketChannel.Accepted
    let central: CentralSystem
    let maxMessageBytes: Int

    func run() async {
        let channel = webSocket.channel
        do {
            try await webSocket.executeThenClose { inbound, outbound in
                let transport = WebSocketTransport(outbound: outbound, channel: channel)
                let session = try await central.connect(
                    stationId: accepted.stationId, subprotocol: accepted.subprotocol,
                    remoteAddress: accepted.remoteAddress, transport: transport)
                accepted.direct.value.withLock { $0 = session }
                await withGracefulShutdownHandler {
                    do {
                        try await receiveLoop(inbound: inbound, transport: transport, session: session)
                    } catch let error as NIOWebSocketError {
                        let tooBig = error == .invalidFrameLength
                        central.metrics.badFrame(reason: tooBig ? "too_big" : "websocket_protocol")
                        session.logger.warning("station broke the WebSocket protocol", metadata: ["error": "\(error)"])
                        await transport.close(
                            code: tooBig ? CloseCode.messageTooBig : CloseCode.protocolError,
                            reason: tooBig ? "frame larger than \(maxMessageBytes) bytes" : "WebSocket protocol error")
                    } catch {
                        session.logger.debug("connection read ended", metadata: ["error": "\(error)"])
                    }
                } onGracefulShutdown: {
                    Task { await transport.close(code: CloseCode.goingAway, reason: "edge shutting down") }
                }
                await central.disconnected(session)
            }
        } catch {
            central.metrics.badFrame(reason: "connection_error")
            central.logger.error(
                "station connection failed", metadata: ["station": "\(accepted.stationId)", "error": "\(error)"])
        }
    }

    private func receiveLoop(
        inbound: NIOAsyncChannelInboundStream<WebSocketFrame>, transport: WebSocketTransport, session: StationSession
    ) async throws {
        var fragments: [UInt8]?
        for try await frame in inbound {
            if frame.opcode != .text { session.touch(Date()) }
            switch frame.opcode {
            case .text:
                if fragments != nil {
                    await transport.close(code: CloseCode.protocolError, reason: "new message inside a fragmented one")
                    return
                }
                if frame.fin {
                    let message = Array(frame.unmaskedData.readableBytesView)
                    guard try await deliver(message, transport: transport, session: session) else { return }
                } else {
                    fragments = Array(frame.unmaskedData.readableBytesView)
                }
            case .continuation:
                guard var message = fragments else {
                    await transport.close(code: CloseCode.protocolError, reason: "continuation without a message")
                    return
                }
                message.append(contentsOf: frame.unmaskedData.readableBytesView)
                guard message.count <= maxMessageBytes else {
                    central.metrics.badFrame(reason: "too_big")
                    session.logger.warning(
                        "station sent a message over the size limit", metadata: ["limit": "\(maxMessageBytes)"])
                    await transport.close(code: CloseCode.messageTooBig, reason: "message larger than \(maxMessageBytes) bytes")
                    return
                }
                if frame.fin {
                    fragments = nil
                    guard try await deliver(message, transport: transport, session: session) else { return }
                } else {
                    fragments = message
                }
            case .binary:
                central.metrics.badFrame(reason: "binary")
                session.logger.warning("station sent a binary frame; OCPP-J uses text frames only")
                await transport.close(code: CloseCode.unsupportedData, reason: "OCPP-J messages are text frames")
                return
            case .ping:
                try await transport.write(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData))
            case .connectionClose:
                // Echo the peer's close code, as RFC 6455 asks, and end.
                var data = frame.unmaskedData
                let code = data.readWebSocketErrorCode().map(UInt16.init(webSocketErrorCode:)) ?? CloseCode.normal
                await transport.close(code: code, reason: "")
                return
            default:
                break
            }
        }
    }

    /// Hands one whole text message to the central system and sends its answer; false when the message was not
    /// valid UTF-8 and the connection is closed with 1007, as RFC 6455 (section 8.1) requires of a text message.
    private func deliver(_ message: [UInt8], transport: WebSocketTransport, session: StationSession) async throws -> Bool {
        guard CentralSystem.isValidUTF8(message) else {
            central.metrics.badFrame(reason: "invalid_utf8")
            session.logger.warning(
                "station sent a text message that is not valid UTF-8; closing the connection",
                metadata: ["frame": "\(CentralSystem.excerpt(message))"])
            await transport.close(code: CloseCode.invalidPayloadData, reason: "text message is not valid UTF-8")
            return false
        }
        if let answer = await central.receive(message, on: session) {
            try await transport.send(answer)
        }
        return true
    }

}

/// Writes OCPP text frames to one WebSocket and closes it, sending the close frame once.
struct WebSocketTransport: StationTransport {
    let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    let channel: any Channel
    private let closeSent = CloseSent()

    private final class CloseSent: Sendable {
        let flag = Atomic<Bool>(false)
    }

    init(outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, channel: any Channel) {
        self.outbound = outbound
        self.channel = channel
    }

    func send(_ text: [UInt8]) async throws {
        let buffer = channel.allocator.buffer(bytes: text)
        try await outbound.write(WebSocketFrame(fin: true, opcode: .text, data: buffer))
    }

    func write(_ frame: WebSocketFrame) async throws {
        try await outbound.write(frame)
    }

    func ping() async {
        try? await outbound.write(WebSocketFrame(fin: true, opcode: .ping, data: channel.allocator.buffer(string: "gridside")))
    }

    func close(code: UInt16, reason: String) async {
        guard !closeSent.flag.exchange(true, ordering: .relaxed) else {
            try? await channel.close()
            return
        }
        var buffer = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        buffer.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: Int(code)))
        buffer.writeString(String(reason.prefix(120)))
        try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: buffer))
        try? await channel.close()
    }
}
