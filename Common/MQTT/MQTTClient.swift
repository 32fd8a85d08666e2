import CMosquitto
public import CoreMetrics
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// An MQTT 3.1.1 client over libmosquitto, as a `Service`.
///
/// `run()` connects and keeps the connection: libmosquitto's network loop runs on a thread of this client's own,
/// which reconnects after every loss (and every failed attempt) with a jittered, capped backoff
/// (``ReconnectBackoff``), and this client subscribes again each time. QoS 1 publishes complete when the broker's
/// PUBACK arrives; received messages come out of ``messages``, connection changes out of ``events``.
/// Cancelling `run()` disconnects (without the will), stops the thread and frees the library's state.
///
/// The loop is this client's rather than libmosquitto's (`mosquitto_loop_start`) because that one waits whole
/// seconds that grow to a fixed cap with no jitter, and gives up for good after some errors (TLS, authentication)
/// that a broker being restarted or reconfigured can cause.
public final class MQTTClient: Service, Sendable {
    /// A change of the connection.
    public enum Event: Sendable, Equatable {
        case connected
        case disconnected(reason: String)
    }

    public let configuration: MQTTConfiguration
    /// Every message received on a subscription, in order of arrival. Bounded: when the consumer falls
    /// `configuration.receiveBuffer` messages or `receiveBufferBytes` bytes behind, newer ones are dropped, logged and
    /// counted (`mqtt_received_dropped_total`); Gridside's senders resend what they do not see acknowledged.
    public let messages: Messages
    /// Connection changes, newest kept when the consumer falls behind.
    public let events: AsyncStream<Event>

    private let callbacks: Callbacks
    private let logger: Logger
    private let stopsOnGracefulShutdown: Bool

    /// - Parameters:
    ///   - stopsOnGracefulShutdown: false for a client owned by another service, which still needs it while it
    ///     shuts down (to say goodbye) and cancels it after.
    ///   - metricsFactory: where `mqtt_received_dropped_total` goes.
    public init(
        configuration: MQTTConfiguration, logger: Logger, stopsOnGracefulShutdown: Bool = true,
        metricsFactory: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.configuration = configuration
        self.logger = logger
        self.stopsOnGracefulShutdown = stopsOnGracefulShutdown
        let (messages, messageSink) = AsyncStream.makeStream(
            of: MQTTMessage.self, bufferingPolicy: .bufferingOldest(configuration.receiveBuffer))
        let (events, eventSink) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(100))
        let buffered = BufferedBytes()
        self.messages = Messages(stream: messages, buffered: buffered)
        self.events = events
        callbacks = Callbacks(
            messageSink: messageSink, eventSink: eventSink, receiveBuffer: configuration.receiveBuffer,
            receiveBufferBytes: configuration.receiveBufferBytes, maxPayload: configuration.maxReceivedPayloadBytes,
            buffered: buffered, dropped: Counter(label: "mqtt_received_dropped_total", factory: metricsFactory),
            logger: logger)
    }

    /// Whether the broker has accepted the connection and it has not dropped since.
    public var isConnected: Bool { callbacks.state.withLock { $0.connected } }

    /// Subscribes to `filter` now (when connected) and after every reconnection.
    public func subscribe(_ filter: String) throws(MQTTError) {
        callbacks.state.withLock { _ = $0.subscriptions.insert(filter) }
        guard let code = callbacks.subscribe(filter) else { return }
        try check("mosquitto_subscribe", code)
    }

    /// Publishes a message with QoS 1 and returns once the broker acknowledged it.
    ///
    /// Throws ``MQTTError/notConnected`` at once while the connection is down, and ``MQTTError/disconnected``
    /// if it drops before the PUBACK: the caller decides whether to resend (libmosquitto may also resend it
    /// after reconnecting, so the same message can arrive twice, as QoS 1 allows).
    public func publish(_ message: MQTTMessage) async throws {
        try await acknowledgements(of: [try enqueue(message)])
    }

    /// Publishes messages with QoS 1 in their order (the broker gets them in that order) and returns once the broker
    /// acknowledged each one. Stops queueing when the connection is down, so that what goes out is a prefix of
    /// `messages`, in order; a message the library refuses (too large) is skipped. Throws the first failure, after the
    /// acknowledgements of what was queued.
    public func publish(_ messages: [MQTTMessage]) async throws {
        var queued: [Int32] = []
        var failure: (any Error)?
        for message in messages {
            do {
                queued.append(try enqueue(message))
            } catch MQTTError.notConnected {
                failure = failure ?? MQTTError.notConnected
                break
            } catch {
                failure = failure ?? error
            }
        }
        do {
            if !queued.isEmpty { try await acknowledgements(of: queued) }
        } catch {
            failure = failure ?? error
        }
        if let failure { throw failure }
    }

    /// Hands a message to libmosquitto's queue (in order with the others), returning its message id.
    private func enqueue(_ message: MQTTMessage) throws -> Int32 {
        var mid: Int32 = 0
        let code = callbacks.whileConnected { handle in
            message.payload.withUnsafeBytes { bytes in
                mosquitto_publish(
                    handle.pointer, &mid, message.topic, Int32(bytes.count), bytes.baseAddress, qualityOfService, message.retain)
            }
        }
        guard let code, code != MOSQ_ERR_NO_CONN.rawValue else { throw MQTTError.notConnected }
        try check("mosquitto_publish", code)
        return mid
    }

    /// Waits for the PUBACKs of messages just queued (registered at once, so none is missed).
    private func acknowledgements(of mids: [Int32]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            callbacks.await(mids: mids, continuation)
        }
    }

    public func run() async throws {
        let handle = try makeHandle()
        defer { mosquitto_destroy(handle.pointer) }
        let box = Unmanaged.passRetained(callbacks)
        defer { box.release() }
        mosquitto_user_data_set(handle.pointer, box.toOpaque())
        callbacks.state.withLock { $0.handle = handle }

        let broker = configuration.broker
        logger.info("connecting to the MQTT broker", metadata: ["broker": "\(broker)", "client_id": "\(configuration.clientId)"])
        // The first attempt may fail (broker not up yet): the loop thread keeps retrying with the backoff.
        let first = mosquitto_connect_async(handle.pointer, broker.host, Int32(broker.port), Int32(configuration.keepAlive))
        if first != MOSQ_ERR_SUCCESS.rawValue {
            logger.warning(
                "MQTT broker not reachable yet; retrying", metadata: ["broker": "\(broker)", "error": "\(Self.describe(first))"])
        }
        let loopEnded = ThreadEnd()
        let thread = Thread { [self] in
            networkLoop(handle)
            loopEnded.signal()
        }
        thread.name = "mqtt \(configuration.clientId)"
        thread.start()

        // Until the service group shuts down or the task is cancelled.
        if stopsOnGracefulShutdown {
            try? await gracefulShutdown()
        } else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }

        // Teardown, in order: stop new work and let calls already inside libmosquitto return, say goodbye (the loop
        // thread sends the DISCONNECT, then ends), join the loop thread, fail what waits. (The handle is destroyed
        // after this, so no call may still be using it.)
        // Under the connect lock: once it is set, the loop thread starts no new connection attempt, and one it was
        // making has returned, so the DISCONNECT below cannot be undone by a reconnection.
        callbacks.connecting.withLock { _ in
            callbacks.state.withLock { state in
                state.handle = nil
                state.shuttingDown = true
                state.goodbyeDeadline = .now + .seconds(2)
            }
        }
        while callbacks.state.withLock({ $0.callsInside }) > 0 { await Task.yield() }
        mosquitto_disconnect(handle.pointer)
        await loopEnded.wait()
        callbacks.failPending(with: MQTTError.shutDown)
        callbacks.finish()
        logger.info("MQTT client stopped", metadata: ["broker": "\(broker)"])
    }

    /// How long a connection attempt may go unanswered (a broker host that is unreachable, not refusing) before it
    /// is given up and the next one made.
    static let attemptTimeout: Duration = .seconds(10)

    /// libmosquitto's network loop, on the client's own thread until the client shuts down: reads, writes and
    /// keep-alives while connected; after a loss, a failed attempt or one unanswered for ``attemptTimeout``, waits as
    /// ``ReconnectBackoff`` says and tries again (connecting without blocking, so that a shutdown is not held up by
    /// a connect that hangs; a host name that does not resolve can still hold it up for the resolver's timeout).
    private func networkLoop(_ handle: Handle) {
        let backoff = ReconnectBackoff(
            first: .seconds(max(1, configuration.reconnectDelay.min)), cap: .seconds(configuration.reconnectDelay.max))
        var random = SystemRandomNumberGenerator()
        var attemptStarted = ContinuousClock.now
        while true {
            // Without a socket there is nothing to wait for (and some builds of the library would wait a second).
            var code =
                mosquitto_socket(handle.pointer) == -1
                ? MOSQ_ERR_NO_CONN.rawValue : mosquitto_loop(handle.pointer, 1000, 1)
            let (connected, goodbye) = callbacks.state.withLock { ($0.connected, $0.shuttingDown ? $0.goodbyeDeadline : nil) }
            if let goodbye {
                // Until the DISCONNECT is out (the connection then closes) or there is none to send.
                if code != MOSQ_ERR_SUCCESS.rawValue || ContinuousClock.now >= goodbye { return }
                continue
            }
            if code == MOSQ_ERR_SUCCESS.rawValue, !connected, ContinuousClock.now - attemptStarted > Self.attemptTimeout {
                logger.warning(
                    "no answer from the MQTT broker; trying again",
                    metadata: ["waited_s": "\(Self.attemptTimeout.components.seconds)"])
                code = MOSQ_ERR_NO_CONN.rawValue
            }
            guard code != MOSQ_ERR_SUCCESS.rawValue else { continue }
            let attempt = callbacks.state.withLock { state in
                defer { state.failedAttempts += 1 }
                return state.failedAttempts
            }
            let delay = backoff.delay(attempt: attempt, using: &random)
            guard callbacks.sleepUnlessShuttingDown(delay) else { return }
            let retry: Int32? = callbacks.connecting.withLock { _ in
                guard !callbacks.state.withLock({ $0.shuttingDown }) else { return nil }
                return mosquitto_reconnect_async(handle.pointer)
            }
            guard let retry else { return }
            attemptStarted = ContinuousClock.now
            if retry != MOSQ_ERR_SUCCESS.rawValue {
                logger.debug(
                    "MQTT reconnection attempt failed",
                    metadata: ["attempt": "\(attempt + 1)", "error": "\(Self.describe(retry))"])
            }
        }
    }

    private func makeHandle() throws(MQTTError) -> Handle {
        _ = Self.libraryReady
        guard let pointer = mosquitto_new(configuration.clientId, configuration.cleanSession, nil) else {
            throw .invalidConfiguration("libmosquitto could not create a client (client id '\(configuration.clientId)')")
        }
        let handle = Handle(pointer: pointer)
        do {
            try configure(handle)
        } catch {
            mosquitto_destroy(pointer)
            throw error
        }
        return handle
    }

    private func configure(_ handle: Handle) throws(MQTTError) {
        let pointer = handle.pointer
        // Publishes from other threads are queued for the loop thread to write (and wake it), not written by the caller.
        try check("mosquitto_threaded_set", mosquitto_threaded_set(pointer, true))
        try check("mosquitto_int_option", mosquitto_int_option(pointer, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311))
        try check("mosquitto_int_option", mosquitto_int_option(pointer, MOSQ_OPT_SEND_MAXIMUM, Int32(configuration.maxInflight)))
        if configuration.username != nil || configuration.password != nil {
            try check(
                "mosquitto_username_pw_set", mosquitto_username_pw_set(pointer, configuration.username, configuration.password))
        }
        if let will = configuration.will {
            let code = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set(pointer, will.topic, Int32(bytes.count), bytes.baseAddress, qualityOfService, will.retain)
            }
            try check("mosquitto_will_set", code)
        }
        if configuration.broker.tls {
            let files = configuration.tls ?? MQTTTLSFiles()
            let capath: String? = files.caFile == nil ? "/etc/ssl/certs" : nil
            try check(
                "mosquitto_tls_set",
                mosquitto_tls_set(pointer, files.caFile, capath, files.certificate, files.key, nil))
        }
        mosquitto_connect_callback_set(pointer) { pointer, context, code in
            guard let context else { return }
            Unmanaged<Callbacks>.fromOpaque(context).takeUnretainedValue().connected(code: code, pointer: pointer)
        }
        mosquitto_disconnect_callback_set(pointer) { _, context, code in
            guard let context else { return }
            Unmanaged<Callbacks>.fromOpaque(context).takeUnretainedValue().disconnected(code: code)
        }
        mosquitto_subscribe_callback_set(pointer) { _, context, mid, count, granted in
            guard let context else { return }
            let qos = granted.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
            Unmanaged<Callbacks>.fromOpaque(context).takeUnretainedValue().subscribed(mid: mid, granted: qos)
        }
        mosquitto_publish_callback_set(pointer) { _, context, mid in
            guard let context else { return }
            Unmanaged<Callbacks>.fromOpaque(context).takeUnretainedValue().acknowledged(mid: mid)
        }
        mosquitto_log_callback_set(pointer) { _, context, level, text in
            // The library's own errors (a TLS handshake refused, a certificate that does not verify) say why a
            // connection fails where the callbacks only say that it did.
            guard let context, let text, level & Int32(MOSQ_LOG_ERR | MOSQ_LOG_WARNING) != 0 else { return }
            Unmanaged<Callbacks>.fromOpaque(context).takeUnretainedValue().libraryLog(String(cString: text))
        }
        mosquitto_message_callback_set(pointer) { _, context, message in
            guard let context, let message else { return }
            Unmanaged<Callbacks>.fromOpaque(context).takeUnretainedValue().received(message.pointee)
        }
    }

    /// libmosquitto's one-time global set-up (not thread-safe itself; a static `let` runs it exactly once).
    private static let libraryReady: Int32 = mosquitto_lib_init()

    static func describe(_ code: Int32) -> String {
        String(cString: mosquitto_strerror(code))
    }
}

private func check(_ call: String, _ code: Int32) throws(MQTTError) {
    guard code != MOSQ_ERR_SUCCESS.rawValue else { return }
    throw .library(call: call, code: code, message: MQTTClient.describe(code))
}

extension MQTTClient {
    /// The received messages: an `AsyncStream` that gives back the bytes of each message it hands over to the bound
    /// of ``MQTTConfiguration/receiveBufferBytes``.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = MQTTMessage
        let stream: AsyncStream<MQTTMessage>
        let buffered: BufferedBytes

        public struct AsyncIterator: AsyncIteratorProtocol {
            var base: AsyncStream<MQTTMessage>.AsyncIterator
            let buffered: BufferedBytes

            public mutating func next() async -> MQTTMessage? {
                guard let message = await base.next() else { return nil }
                buffered.release(message.payload.count)
                return message
            }

            public mutating func next(isolation actor: isolated (any Actor)?) async -> MQTTMessage? {
                guard let message = await base.next(isolation: actor) else { return nil }
                buffered.release(message.payload.count)
                return message
            }
        }

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: stream.makeAsyncIterator(), buffered: buffered)
        }
    }
}

/// Bytes of payload received and not yet handed to the consumer.
final class BufferedBytes: Sendable {
    private let bytes = Atomic<Int>(0)

    /// Counts `count` more bytes unless that would pass `limit`; false (nothing counted) then.
    func take(_ count: Int, limit: Int) -> Bool {
        var current = bytes.load(ordering: .relaxed)
        while true {
            guard current + count <= limit else { return false }
            let (exchanged, original) = bytes.compareExchange(
                expected: current, desired: current + count, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    func release(_ count: Int) { bytes.subtract(count, ordering: .relaxed) }

    var value: Int { bytes.load(ordering: .relaxed) }
}
