import CMosquitto
import CoreMetrics
import Foundation
import Logging
import Synchronization

/// The end of a thread, awaited by an async caller whatever happens to the caller's task: the loop thread uses the
/// libmosquitto handle until it ends, so the handle must not be destroyed before (a cancelled wait would let it).
final class ThreadEnd: Sendable {
    private let state = Mutex<(ended: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter = state.withLock { state in
            state.ended = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ended = state.withLock { state in
                if !state.ended { state.waiter = continuation }
                return state.ended
            }
            if ended { continuation.resume() }
        }
    }
}

/// The libmosquitto client pointer; only used while `run()` owns it.
struct Handle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// What libmosquitto's thread calls into, reached through the client's userdata pointer.
final class Callbacks: Sendable {
    struct State {
        var handle: Handle?
        /// Calls from outside the loop thread (publish, subscribe) now inside libmosquitto with `handle`.
        var callsInside = 0
        var connected = false
        var shuttingDown = false
        /// Once shutting down: how long the loop thread may take to send the DISCONNECT.
        var goodbyeDeadline: ContinuousClock.Instant?
        /// Attempts to reach the broker since the last connection, for the backoff.
        var failedAttempts = 0
        var subscriptions: Set<String> = []
        /// Subscriptions sent and not yet acknowledged: each SUBSCRIBE's message id to its filter.
        var subscribing: [Int32: String] = [:]
        /// Publishes waiting for their PUBACK: each message id to the batch of publishes it was sent with.
        var waiting: [Int32: Int] = [:]
        /// Each batch of publishes: how many PUBACKs it still waits for, and who waits for them.
        var batches: [Int: (remaining: Int, continuation: CheckedContinuation<Void, any Error>)] = [:]
        var nextBatch = 0
        /// PUBACKs that arrived before their publisher started waiting (the loop thread can be that fast), and when.
        /// One nobody claims within `earlyAckLifetime` is for a message nobody waits for any more (resent after a
        /// reconnection); it is dropped, so that it cannot answer a new message once the 16-bit message ids wrap.
        var earlyAcks: [Int32: ContinuousClock.Instant] = [:]
    }

    let state = Mutex(State())
    /// Held by the loop thread while it starts a connection attempt, and by `run()` while it begins shutting down.
    let connecting = Mutex(())
    private let messageSink: AsyncStream<MQTTMessage>.Continuation
    private let eventSink: AsyncStream<MQTTClient.Event>.Continuation
    private let receiveBuffer: Int
    private let receiveBufferBytes: Int
    private let maxPayload: Int?
    private let buffered: BufferedBytes
    private let dropped: Counter
    private let droppedCount = Atomic<Int>(0)
    private let logger: Logger

    init(
        messageSink: AsyncStream<MQTTMessage>.Continuation, eventSink: AsyncStream<MQTTClient.Event>.Continuation,
        receiveBuffer: Int, receiveBufferBytes: Int, maxPayload: Int?, buffered: BufferedBytes, dropped: Counter,
        logger: Logger
    ) {
        self.receiveBuffer = receiveBuffer
        self.receiveBufferBytes = receiveBufferBytes
        self.maxPayload = maxPayload
        self.buffered = buffered
        self.messageSink = messageSink
        self.eventSink = eventSink
        self.dropped = dropped
        self.logger = logger
    }

    /// Runs `call` with the handle while connected, keeping `run()` from destroying the handle meanwhile; nil
    /// (without calling) when not connected.
    func whileConnected<Result>(_ call: (Handle) -> Result) -> Result? {
        let handle: Handle? = state.withLock { state in
            guard state.connected, let handle = state.handle else { return nil }
            state.callsInside += 1
            return handle
        }
        guard let handle else { return nil }
        defer { state.withLock { $0.callsInside -= 1 } }
        return call(handle)
    }

    /// Sleeps on the loop thread for `delay`, in short slices so that a shutdown is not held up; false when the
    /// client began shutting down.
    func sleepUnlessShuttingDown(_ delay: Duration) -> Bool {
        let end = ContinuousClock.now + delay
        while ContinuousClock.now < end {
            if state.withLock({ $0.shuttingDown }) { return false }
            let left = end - ContinuousClock.now
            let slice = min(left, .milliseconds(50))
            let microseconds = slice.components.seconds * 1_000_000 + slice.components.attoseconds / 1_000_000_000_000
            if microseconds > 0 { usleep(UInt32(microseconds)) }
        }
        return !state.withLock { $0.shuttingDown }
    }

    static let earlyAckLifetime: Duration = .seconds(10)

    /// Resumes `continuation` once every message in `mids` has its PUBACK, or with the error that stops that.
    func await(mids: [Int32], _ continuation: CheckedContinuation<Void, any Error>, now: ContinuousClock.Instant = .now) {
        let outcome: Result<Void, MQTTError>? = state.withLock { state in
            if !state.earlyAcks.isEmpty { state.earlyAcks = state.earlyAcks.filter { now - $0.value < Self.earlyAckLifetime } }
            let remaining = mids.filter { state.earlyAcks.removeValue(forKey: $0) == nil }
            if remaining.isEmpty { return .success(()) }
            if state.shuttingDown { return .failure(.shutDown) }
            if !state.connected { return .failure(.disconnected) }
            let batch = state.nextBatch
            state.nextBatch += 1
            state.batches[batch] = (remaining.count, continuation)
            for mid in remaining { state.waiting[mid] = batch }
            return nil
        }
        if let outcome { continuation.resume(with: outcome) }
    }

    /// Takes every waiting batch out, for failing them.
    private func takeWaiting() -> [CheckedContinuation<Void, any Error>] {
        state.withLock { state in
            let waiting = state.batches.values.map(\.continuation)
            state.batches.removeAll()
            state.waiting.removeAll()
            return waiting
        }
    }

    func connected(code: Int32, pointer: OpaquePointer?) {
        guard code == 0 else {
            let reason = String(cString: mosquitto_connack_string(code))
            logger.error("MQTT broker refused the connection", metadata: ["reason": "\(reason)"])
            eventSink.yield(.disconnected(reason: reason))
            return
        }
        let subscriptions = state.withLock { state in
            state.connected = true
            state.failedAttempts = 0
            state.earlyAcks.removeAll()
            state.subscribing.removeAll()
            return state.subscriptions
        }
        for filter in subscriptions {
            var mid: Int32 = 0
            let result = mosquitto_subscribe(pointer, &mid, filter, qualityOfService)
            if result == MOSQ_ERR_SUCCESS.rawValue {
                state.withLock { $0.subscribing[mid] = filter }
            } else {
                logger.error(
                    "MQTT subscription failed", metadata: ["filter": "\(filter)", "error": "\(MQTTClient.describe(result))"])
            }
        }
        logger.info("connected to the MQTT broker")
        eventSink.yield(.connected)
    }

    func disconnected(code: Int32) {
        let (wasConnected, shuttingDown) = state.withLock { state in
            let wasConnected = state.connected
            state.connected = false
            return (wasConnected, state.shuttingDown)
        }
        for continuation in takeWaiting() { continuation.resume(throwing: MQTTError.disconnected) }
        guard !shuttingDown else { return }
        let reason = code == 0 ? "disconnected" : MQTTClient.describe(code)
        if wasConnected {
            logger.warning("lost the MQTT broker; reconnecting", metadata: ["reason": "\(reason)"])
        } else {
            // Dropped before the broker accepted us: a TLS 1.3 broker that wants a client certificate closes the
            // connection after the handshake, and nothing else would say that an attempt failed.
            logger.warning("could not connect to the MQTT broker; retrying", metadata: ["reason": "\(reason)"])
        }
        eventSink.yield(.disconnected(reason: reason))
    }

    /// Sends a SUBSCRIBE while connected (nil when not), remembering its message id under the lock, so that the
    /// SUBACK, which the loop thread may read before `mosquitto_subscribe` returns here, finds its filter.
    func subscribe(_ filter: String) -> Int32? {
        state.withLock { state in
            guard state.connected, let handle = state.handle else { return nil }
            var mid: Int32 = 0
            let code = mosquitto_subscribe(handle.pointer, &mid, filter, qualityOfService)
            if code == MOSQ_ERR_SUCCESS.rawValue { state.subscribing[mid] = filter }
            return code
        }
    }

    /// The broker's SUBACK: logged, so that a subscription the broker refuses (its ACL) is seen, and so that whoever
    /// reads the log knows from when messages on the filter arrive.
    func subscribed(mid: Int32, granted: [Int32]) {
        guard let filter = state.withLock({ $0.subscribing.removeValue(forKey: mid) }) else { return }
        if granted.contains(where: { $0 < 0 || $0 > 2 }) {
            logger.error("the MQTT broker refused a subscription", metadata: ["filter": "\(filter)"])
        } else {
            logger.info("subscribed to MQTT messages", metadata: ["filter": "\(filter)"])
        }
    }

    func acknowledged(mid: Int32, now: ContinuousClock.Instant = .now) {
        let continuation: CheckedContinuation<Void, any Error>? = state.withLock { state in
            guard let batch = state.waiting.removeValue(forKey: mid) else {
                state.earlyAcks[mid] = now
                return nil
            }
            state.batches[batch]?.remaining -= 1
            guard state.batches[batch]?.remaining == 0 else { return nil }
            return state.batches.removeValue(forKey: batch)?.continuation
        }
        continuation?.resume()
    }

    func received(_ message: mosquitto_message) {
        let topic = String(cString: message.topic)
        let size = Int(max(0, message.payloadlen))
        // Refused before it is copied: too large to be one of ours, or more than the buffer may hold now.
        if let maxPayload, size > maxPayload {
            drop(topic, "MQTT message dropped: its payload of \(size) bytes is over \(maxPayload)")
            return
        }
        guard buffered.take(size, limit: receiveBufferBytes) else {
            drop(topic, "MQTT messages dropped: the consumer is too far behind (bytes); their senders resend them")
            return
        }
        let payload: [UInt8] =
            if let bytes = message.payload, size > 0 {
                Array(UnsafeRawBufferPointer(start: bytes, count: size))
            } else { [] }
        if case .dropped = messageSink.yield(MQTTMessage(topic: topic, payload: payload, retain: message.retain)) {
            buffered.release(size)
            drop(topic, "MQTT messages dropped: the consumer is too far behind; their senders resend them")
        }
    }

    private func drop(_ topic: String, _ why: String) {
        dropped.increment()
        let count = droppedCount.add(1, ordering: .relaxed).newValue
        if count == 1 || count.isMultiple(of: 1000) {
            logger.warning(
                "\(why)",
                metadata: [
                    "topic": "\(topic.prefix(200))", "dropped_so_far": "\(count)", "receive_buffer": "\(receiveBuffer)",
                    "receive_buffer_bytes": "\(receiveBufferBytes)",
                ])
        }
    }

    func libraryLog(_ text: String) {
        logger.warning("libmosquitto reports a problem", metadata: ["detail": "\(text)"])
    }

    func failPending(with error: MQTTError) {
        for continuation in takeWaiting() { continuation.resume(throwing: error) }
    }

    func finish() {
        messageSink.finish()
        eventSink.finish()
    }
}
