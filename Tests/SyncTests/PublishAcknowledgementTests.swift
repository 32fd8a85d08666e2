import CMosquitto
import CoreMetrics
import Logging
import Synchronization
import Testing

@testable import MQTT

/// How publishes are matched with the broker's PUBACKs, without a broker: the loop thread's callbacks driven by hand.
@Suite struct PublishAcknowledgementTests {
    static func callbacks() -> Callbacks {
        let callbacks = Callbacks(
            messageSink: AsyncStream.makeStream(of: MQTTMessage.self).continuation,
            eventSink: AsyncStream.makeStream(of: MQTTClient.Event.self).continuation, receiveBuffer: 10,
            receiveBufferBytes: 1 << 20, maxPayload: nil, buffered: BufferedBytes(),
            dropped: Counter(label: "dropped", factory: NOOPMetricsHandler.instance), logger: Logger(label: "test"))
        callbacks.state.withLock { $0.connected = true }
        return callbacks
    }

    @Test func receivedMessagesAreBoundedInBytesAndHugeOnesAreNotCopied() async throws {
        // Security review, finding 16: the receive buffer was bounded in messages only (100,000 × 256 KiB).
        let (stream, sink) = AsyncStream.makeStream(of: MQTTMessage.self)
        let buffered = BufferedBytes()
        let callbacks = Callbacks(
            messageSink: sink, eventSink: AsyncStream.makeStream(of: MQTTClient.Event.self).continuation,
            receiveBuffer: 1000, receiveBufferBytes: 100, maxPayload: 50, buffered: buffered,
            dropped: Counter(label: "dropped", factory: NOOPMetricsHandler.instance), logger: Logger(label: "test"))
        func receive(_ size: Int) {
            var payload = [UInt8](repeating: 7, count: size)
            "t".withCString { topic in
                payload.withUnsafeMutableBytes { bytes in
                    callbacks.received(
                        mosquitto_message(
                            mid: 1, topic: UnsafeMutablePointer(mutating: topic), payload: bytes.baseAddress,
                            payloadlen: Int32(size), qos: 1, retain: false))
                }
            }
        }
        receive(60)  // over maxPayload: dropped before it is copied
        receive(40)
        receive(40)
        receive(40)  // 120 bytes waiting would pass the 100-byte bound: dropped
        #expect(buffered.value == 80)
        sink.finish()
        var sizes: [Int] = []
        for await message in MQTTClient.Messages(stream: stream, buffered: buffered) { sizes.append(message.payload.count) }
        #expect(sizes == [40, 40])
        #expect(buffered.value == 0, "handed over: the bytes are free again")
    }

    /// Until a batch waits (at most a second: a wait that never registers fails the test instead of spinning).
    static func untilWaiting(_ callbacks: Callbacks) async throws {
        for _ in 0..<1000 where callbacks.state.withLock({ $0.batches.isEmpty }) {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(!callbacks.state.withLock { $0.batches.isEmpty }, "no batch waits")
    }

    @Test func aBatchCompletesWhenEveryPubackIsInEvenOnesThatCameFirst() async throws {
        let callbacks = Self.callbacks()
        callbacks.acknowledged(mid: 2)  // faster than its publisher
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { callbacks.await(mids: [1, 2, 3], $0) }
            }
            try await Self.untilWaiting(callbacks)
            callbacks.acknowledged(mid: 3)
            callbacks.acknowledged(mid: 1)
            try await group.next()
        }
        #expect(callbacks.state.withLock { $0.waiting.isEmpty && $0.earlyAcks.isEmpty })
    }

    @Test func aStrayPubackDoesNotAnswerANewMessageWithTheSameIdLater() async throws {
        // Security review, finding 30: a PUBACK nobody waited for stayed until the next connection, and once the
        // 16-bit message ids wrapped it answered a new message the broker never acknowledged.
        let callbacks = Self.callbacks()
        let start = ContinuousClock.now
        callbacks.acknowledged(mid: 9, now: start)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Task {
                do {
                    try await withCheckedThrowingContinuation {
                        callbacks.await(mids: [9], $0, now: start + .seconds(30))
                    }
                    Issue.record("completed by a stale PUBACK")
                } catch {
                    #expect(error as? MQTTError == .disconnected)
                }
                done.resume()
            }
            Task {
                try? await Self.untilWaiting(callbacks)
                callbacks.disconnected(code: 7)
            }
        }
    }
}
