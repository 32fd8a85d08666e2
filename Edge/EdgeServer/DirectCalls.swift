import CentralSystem
import NIOCore
import NIOWebSocket
import Synchronization

/// Answers the calls that can be answered on the connection's event loop, before the connection's task sees them:
/// MeterValues, most of what chargers send. Everything else (other calls, answers to the edge's calls, control and
/// fragmented frames, and any frame it cannot read) passes on unchanged to ``StationConnection``.
///
/// A charger keeps one CALL outstanding; for one that does not, answers still come in the order of the calls: no
/// call is taken here while one passed on is unanswered (it counts the calls it passes on and the answers the
/// connection writes back), and what comes while calls taken here are unanswered waits for their answers.
final class DirectCalls: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// The station's session, once the connection's task has made it; until then every frame passes on.
    final class Session: Sendable {
        let value = Mutex<StationSession?>(nil)
    }

    private let central: CentralSystem
    private let session: Session
    /// Calls passed on to the connection's task and not answered yet.
    private var passedCalls = 0
    /// Calls taken here and not answered yet.
    private var takenCalls = 0
    /// Frames that came while calls taken here were unanswered and cannot be taken: passed on, in order, once those
    /// are answered (only a charger that does not wait for answers gets here).
    private var held: [WebSocketFrame] = []
    private var inFragmentedMessage = false
    /// A read the channel asked for and this handler holds back: too many calls taken here wait for the store, or
    /// answers are not going out (a charger that pipelines and does not read). Reading resumes once both clear, so
    /// such a charger is slowed by TCP instead of growing the edge's memory (security review, finding 6).
    private var readHeld = false
    static let maxTakenCalls = 64

    init(central: CentralSystem, session: Session) {
        self.central = central
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping, .pong, .connectionClose:
            return context.fireChannelRead(data)
        default:
            break
        }
        let wasFragmented = inFragmentedMessage
        if frame.opcode == .text || frame.opcode == .continuation { inFragmentedMessage = !frame.fin }
        guard held.isEmpty else { return held.append(frame) }
        if frame.opcode == .text, frame.fin, !wasFragmented, passedCalls == 0,
            let session = session.value.withLock({ $0 }), take(frame, session: session, context: context)
        {
            takenCalls += 1
            return
        }
        if takenCalls > 0 { held.append(frame) } else { pass(frame, context: context) }
    }

    /// Hands the frame to the central system's event-loop path; false when it is not one it takes.
    private func take(_ frame: WebSocketFrame, session: StationSession, context: ChannelHandlerContext) -> Bool {
        let bytes = Array(frame.unmaskedData.readableBytesView)
        // Not valid UTF-8: the connection's task closes the connection with 1007.
        guard CentralSystem.isValidUTF8(bytes) else { return false }
        let loop = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        return central.receiveAtOnce(bytes, on: session) { answer in
            loop.eventLoop.execute {
                let (handler, context) = loop.value
                let buffer = context.channel.allocator.buffer(bytes: answer)
                context.writeAndFlush(
                    handler.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
                handler.answered(context: context)
            }
        }
    }

    private func answered(context: ChannelHandlerContext) {
        takenCalls -= 1
        defer { resumeReading(context: context) }
        guard takenCalls == 0, !held.isEmpty else { return }
        let waiting = held
        held = []
        for frame in waiting { pass(frame, context: context) }
        // The async channel hands what it was given to the connection's task at the end of a read: these frames
        // arrived in a read that has ended, so end one for them, or they wait for the charger's next frame.
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        guard takenCalls < Self.maxTakenCalls, held.isEmpty, context.channel.isWritable else {
            readHeld = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        resumeReading(context: context)
    }

    private func resumeReading(context: ChannelHandlerContext) {
        guard readHeld, takenCalls < Self.maxTakenCalls, held.isEmpty, context.channel.isWritable else { return }
        readHeld = false
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An answer the connection's task writes: the call it answers is done.
        let frame = unwrapOutboundIn(data)
        if frame.opcode == .text, passedCalls > 0, Self.isAnswer(frame.data) { passedCalls -= 1 }
        context.write(data, promise: promise)
    }

    private func pass(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        if frame.opcode == .text, Self.isCall(frame.unmaskedData) { passedCalls += 1 }
        context.fireChannelRead(wrapInboundOut(frame))
    }

    /// `[2,…`: a CALL (whitespace allowed before either).
    private static func isCall(_ text: ByteBuffer) -> Bool { messageType(text) == UInt8(ascii: "2") }

    /// `[3,…` or `[4,…`: a CALLRESULT or a CALLERROR.
    private static func isAnswer(_ text: ByteBuffer) -> Bool {
        let type = messageType(text)
        return type == UInt8(ascii: "3") || type == UInt8(ascii: "4")
    }

    private static func messageType(_ text: ByteBuffer) -> UInt8? {
        var sawBracket = false
        for byte in text.readableBytesView.prefix(16) {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            case UInt8(ascii: "[") where !sawBracket: sawBracket = true
            default: return sawBracket ? byte : nil
            }
        }
        return nil
    }
}
