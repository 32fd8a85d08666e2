import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import OCPP
import WireJSON

/// One benchmark station: connects, boots, starts a transaction, then sends MeterValues until the end,
/// recording the latency of every round trip inside the measured window.
///
/// Written as a NIO channel handler on the load generator's own event loop, with no task per station: the
/// generator shares this machine's cores with the edge it measures, so every microsecond it spends per round
/// trip is taken from the edge. Frames are still real: upgraded by NIO's WebSocket client, masked, and each
/// MeterValues carries a fresh timestamp, meter reading and unique id.
struct StationLoad {
    struct Settings: Sendable {
        let host: String
        let port: Int
        let path: String
        /// Time between a station's calls (open loop), or nil to send as soon as the answer came.
        let interval: Duration?
        let transactionEvery: Int
        let sampledValues: Int
        let warmup: Duration
        let duration: Duration
    }

    struct Result: Sendable {
        var latencies: [Duration] = []
        var callErrors = 0
        var error: String?
    }

    let stationId: String
    let settings: Settings
    let board: Board

    /// Connects on `group` and answers with the station's result once its measured window is over.
    func run(on group: any EventLoopGroup) -> EventLoopFuture<Result> {
        let eventLoop = group.next()
        let finished = Outcome(stationId: stationId, board: board, promise: eventLoop.makePromise())
        let stationId = stationId
        let settings = settings
        let board = board
        let bootstrap = ClientBootstrap(group: eventLoop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 16, automaticErrorHandling: true) {
                    channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            StationDriver(settings: settings, board: board, finished: finished))
                    }
                }
                let upgrade: NIOHTTPClientUpgradeConfiguration = (
                    upgraders: [upgrader],
                    completionHandler: { context in
                        _ = context.pipeline.syncOperations.removeHandler(name: UpgradeRequest.name)
                    }
                )
                try channel.pipeline.syncOperations.addHTTPClientHandlers(withClientUpgrade: upgrade)
                try channel.pipeline.syncOperations.addHandler(
                    UpgradeRequest(
                        host: settings.host, port: settings.port, path: "\(settings.path)/\(stationId)", finished: finished),
                    name: UpgradeRequest.name)
            }
        }
        bootstrap.connect(host: settings.host, port: settings.port).whenComplete { connected in
            switch connected {
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in finished.fail("the connection closed before the end") }
            case .failure(let error):
                finished.fail("\(error)")
            }
        }
        return finished.promise.futureResult
    }

    /// A station's result, given once: the first of its end, its failure or its connection closing.
    final class Outcome: Sendable {
        let stationId: String
        let board: Board
        let promise: EventLoopPromise<Result>
        private let state = NIOLockedValueBox((ready: false, done: false))

        init(stationId: String, board: Board, promise: EventLoopPromise<Result>) {
            self.stationId = stationId
            self.board = board
            self.promise = promise
        }

        /// The station is connected and in a transaction: the measurement may start once all are.
        func ready() {
            state.withLockedValue { $0.ready = true }
            board.ready()
        }

        func succeed(_ result: Result) {
            guard
                state.withLockedValue({ state in
                    defer { state.done = true }; return !state.done
                })
            else { return }
            promise.succeed(result)
        }

        /// A station that fails before it is ready counts as ready, so the others are not held up.
        func fail(_ reason: String, partial: Result = Result()) {
            let (first, wasReady) = state.withLockedValue { state in
                defer { state.done = true }
                return (!state.done, state.ready)
            }
            guard first else { return }
            if !wasReady { board.gaveUp() }
            var result = partial
            result.error = "\(stationId): \(reason)"
            promise.succeed(result)
        }
    }
}

/// Sends the HTTP request that asks for the WebSocket upgrade, offering OCPP 1.6.
private final class UpgradeRequest: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    static let name = "upgrade-request"

    let host: String
    let port: Int
    let path: String
    let finished: StationLoad.Outcome

    init(host: String, port: Int, path: String, finished: StationLoad.Outcome) {
        self.host = host
        self.port = port
        self.path = path
        self.finished = finished
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Sec-WebSocket-Protocol", value: "ocpp1.6")
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A response that did not upgrade: the edge refused the station.
        if case .head(let head) = unwrapInboundIn(data) {
            finished.fail("the edge refused the WebSocket upgrade: \(head.status.code) \(head.status.reasonPhrase)")
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finished.fail("\(error)")
        context.close(promise: nil)
    }
}

/// A station's script once upgraded: BootNotification, StatusNotification, StartTransaction, then MeterValues
/// (a StopTransaction and a new StartTransaction every `transactionEvery` calls), one CALL outstanding.
private final class StationDriver: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private enum Step {
        case booting, reportingStatus, startingFirst, waitingForAll, starting, running(action: Action)
    }

    private enum Action { case meterValues, stopTransaction }

    private let settings: Settings
    private let board: Board
    private let finished: StationLoad.Outcome
    typealias Settings = StationLoad.Settings

    private var step = Step.booting
    private var result = StationLoad.Result()
    private var nextId = 0
    private var expectedId: [UInt8] = []
    private var meter = 1000
    private var transaction = 0
    private var sent = 0
    private var scheduled = ContinuousClock.now
    private var begin = ContinuousClock.now
    private var end = ContinuousClock.now
    private var timestamp = (second: 0, text: "")
    private let maskKey = WebSocketMaskingKey.random()

    init(settings: Settings, board: Board, finished: StationLoad.Outcome) {
        self.settings = settings
        self.board = board
        self.finished = finished
    }

    func handlerAdded(context: ChannelHandlerContext) {
        call("BootNotification", #"{"chargePointVendor":"Gridside","chargePointModel":"Bench"}"#, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            answered(frame.unmaskedData, context: context)
        case .ping:
            context.writeAndFlush(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, maskKey: maskKey, data: frame.unmaskedData)),
                promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail("\(error)", context: context)
    }

    /// An answer to the outstanding CALL (a CALL from the edge is left unanswered, as a busy charger might).
    private func answered(_ text: ByteBuffer, context: ChannelHandlerContext) {
        let bytes = text.readableBytesView
        guard bytes.count > 4, bytes.first == UInt8(ascii: "["), bytes.dropFirst(2).first == UInt8(ascii: ",") else {
            return fail("unreadable frame from the edge", context: context)
        }
        let type = bytes[bytes.startIndex + 1]
        guard type == UInt8(ascii: "3") || type == UInt8(ascii: "4") else { return }
        guard bytes.dropFirst(3).starts(with: expectedId) else { return }
        let ok = type == UInt8(ascii: "3")
        switch step {
        case .booting:
            step = .reportingStatus
            call("StatusNotification", #"{"connectorId":1,"errorCode":"NoError","status":"Charging"}"#, context: context)
        case .reportingStatus:
            step = .startingFirst
            startTransaction(context: context)
        case .startingFirst:
            transaction = Self.transactionId(in: text)
            step = .waitingForAll
            finished.ready()
            waitForAll(context: context)
        case .waitingForAll:
            break
        case .starting:
            transaction = Self.transactionId(in: text)
            step = .running(action: .meterValues)
            sendNext(context: context)
        case .running(let action):
            let now = ContinuousClock.now
            if scheduled >= begin { result.latencies.append(now - scheduled) }
            if !ok { result.callErrors += 1 }
            if let interval = settings.interval { scheduled += interval }
            if action == .stopTransaction {
                step = .starting
                startTransaction(context: context)
            } else {
                sendNext(context: context)
            }
        }
    }

    /// Every station starts measuring at the same moment, once all are connected.
    private func waitForAll(context: ChannelHandlerContext) {
        guard let startedAt = board.startedAt else {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(10)) {
                loopBound.value.0.waitForAll(context: loopBound.value.1)
            }
            return
        }
        begin = startedAt + settings.warmup
        end = begin + settings.duration
        // Spread the stations' schedules over one interval so the offered load is even.
        scheduled = startedAt + (settings.interval.map { $0 * Double.random(in: 0..<1) } ?? .zero)
        step = .running(action: .meterValues)
        sendNext(context: context)
    }

    private func sendNext(context: ChannelHandlerContext) {
        if settings.interval != nil {
            let wait = scheduled - .now
            if wait > .zero {
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let nanoseconds = wait.components.seconds * 1_000_000_000 + wait.components.attoseconds / 1_000_000_000
                context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                    loopBound.value.0.send(context: loopBound.value.1)
                }
                return
            }
        } else {
            scheduled = .now
        }
        send(context: context)
    }

    private func send(context: ChannelHandlerContext) {
        guard scheduled < end else {
            let close = WebSocketFrame(
                fin: true, opcode: .connectionClose, maskKey: maskKey,
                data: context.channel.allocator.buffer(bytes: [0x03, 0xE8]))
            context.writeAndFlush(wrapOutboundOut(close), promise: nil)
            finished.succeed(result)
            context.close(promise: nil)
            return
        }
        sent += 1
        meter += 37
        if sent % settings.transactionEvery == 0 {
            step = .running(action: .stopTransaction)
            call(
                "StopTransaction",
                #"{"meterStop":\#(meter),"timestamp":"\#(now())","transactionId":\#(transaction),"reason":"Local"}"#,
                context: context)
        } else {
            step = .running(action: .meterValues)
            call("MeterValues", meterValues(), context: context)
        }
    }

    private func startTransaction(context: ChannelHandlerContext) {
        call(
            "StartTransaction", #"{"connectorId":1,"idTag":"BENCH","meterStart":\#(meter),"timestamp":"\#(now())"}"#,
            context: context)
    }

    private func call(_ action: String, _ payload: String, context: ChannelHandlerContext) {
        nextId += 1
        let id = String(nextId)
        expectedId = Array("\"\(id)\"".utf8)
        let text = #"[2,"\#(id)","\#(action)",\#(payload)]"#
        let frame = WebSocketFrame(
            fin: true, opcode: .text, maskKey: maskKey, data: context.channel.allocator.buffer(string: text))
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    private func meterValues() -> String {
        let energy = #"{"value":"\#(meter)","measurand":"Energy.Active.Import.Register","unit":"Wh"}"#
        let values =
            settings.sampledValues == 1
            ? energy
            : energy + #",{"value":"7360","measurand":"Power.Active.Import","unit":"W"},"#
                + #"{"value":"10.6","measurand":"Current.Import","phase":"L1","unit":"A"},"#
                + #"{"value":"10.7","measurand":"Current.Import","phase":"L2","unit":"A"},"#
                + #"{"value":"10.6","measurand":"Current.Import","phase":"L3","unit":"A"},"#
                + #"{"value":"231.0","measurand":"Voltage","phase":"L1-N","unit":"V"},"#
                + #"{"value":"57","measurand":"SoC","unit":"Percent"}"#
        return
            #"{"connectorId":1,"transactionId":\#(transaction),"meterValue":[{"timestamp":"\#(now())","sampledValue":[\#(values)]}]}"#
    }

    /// The current time as OCPP writes it, formatted once a second.
    private func now() -> String {
        let date = Date()
        let second = Int(date.timeIntervalSince1970)
        if second != timestamp.second { timestamp = (second, RFC3339.format(date)) }
        return timestamp.text
    }

    private static func transactionId(in answer: ByteBuffer) -> Int {
        let text = String(buffer: answer)
        let digits = text.split(separator: "\"transactionId\":").last?.prefix { $0.isNumber } ?? "0"
        return Int(digits) ?? 0
    }

    private func fail(_ reason: String, context: ChannelHandlerContext) {
        finished.fail(reason, partial: result)
        context.close(promise: nil)
    }
}
