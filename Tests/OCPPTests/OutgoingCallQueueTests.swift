import OCPP
import Synchronization
import Testing

@Suite struct OutgoingCallQueueTests {
    /// Records what was sent; the test plays the peer.
    final class Wire: Sendable {
        let sent = Mutex<[OCPPFrame.Call]>([])
        func send(_ frame: OCPPFrame) {
            if case .call(let call) = frame { sent.withLock { $0.append(call) } }
        }
        var calls: [OCPPFrame.Call] { sent.withLock { $0 } }
    }

    private func waitFor(_ count: Int, on wire: Wire) async {
        for _ in 0..<500 where wire.calls.count < count { try? await Task.sleep(for: .milliseconds(2)) }
    }

    @Test func onlyOneCallIsOutstandingAndTheRestQueueInOrder() async throws {
        let wire = Wire()
        let queue = OutgoingCallQueue { wire.send($0) }
        async let first = queue.call(action: "Reset", payload: Array("{}".utf8), timeout: .seconds(5))
        await waitFor(1, on: wire)
        let second = Task { try await queue.call(action: "ClearCache", payload: Array("{}".utf8), timeout: .seconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(wire.calls.map(\.action) == ["Reset"])
        await queue.resolve(.callResult(.init(uniqueId: wire.calls[0].uniqueId, payload: Array(#"{"status":"Accepted"}"#.utf8))))
        await waitFor(2, on: wire)
        #expect(wire.calls.map(\.action) == ["Reset", "ClearCache"])
        await queue.resolve(.callError(.init(uniqueId: wire.calls[1].uniqueId, code: "NotSupported", description: "no")))
        #expect(try await first == Array(#"{"status":"Accepted"}"#.utf8))
        await #expect(throws: CallFailure.callError(action: "ClearCache", code: "NotSupported", description: "no")) {
            try await second.value
        }
    }

    @Test func unansweredCallTimesOutAndTheNextOneGoes() async throws {
        let wire = Wire()
        let queue = OutgoingCallQueue { wire.send($0) }
        await #expect(throws: CallFailure.timeout(action: "Reset", after: .milliseconds(50))) {
            try await queue.call(action: "Reset", payload: Array("{}".utf8), timeout: .milliseconds(50))
        }
        async let next = queue.call(action: "ClearCache", payload: Array("{}".utf8), timeout: .seconds(5))
        await waitFor(2, on: wire)
        #expect(await queue.resolve(.callResult(.init(uniqueId: wire.calls[0].uniqueId, payload: []))) == false)
        await queue.resolve(.callResult(.init(uniqueId: wire.calls[1].uniqueId, payload: Array("{}".utf8))))
        #expect(try await next == Array("{}".utf8))
    }

    @Test func timeoutCountsTheWaitBehindEarlierCalls() async throws {
        let wire = Wire()
        let queue = OutgoingCallQueue { wire.send($0) }
        let first = Task { try await queue.call(action: "Reset", payload: Array("{}".utf8), timeout: .seconds(30)) }
        await waitFor(1, on: wire)
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: CallFailure.timeout(action: "ClearCache", after: .milliseconds(100))) {
            try await queue.call(action: "ClearCache", payload: Array("{}".utf8), timeout: .milliseconds(100))
        }
        #expect(clock.now - started < .seconds(20), "the queued call waited for the first call's 30 s timeout")
        #expect(wire.calls.map(\.action) == ["Reset"], "a call whose time ran out in the queue is never sent")
        await queue.resolve(.callResult(.init(uniqueId: wire.calls[0].uniqueId, payload: Array("{}".utf8))))
        #expect(try await first.value == Array("{}".utf8))
        #expect(await queue.resolve(.call(.init(uniqueId: "x", action: "Heartbeat", payload: []))) == false)
    }

    @Test func closingFailsOutstandingAndLaterCalls() async throws {
        let wire = Wire()
        let queue = OutgoingCallQueue { wire.send($0) }
        let pending = Task { try await queue.call(action: "Reset", payload: Array("{}".utf8), timeout: .seconds(5)) }
        await waitFor(1, on: wire)
        await queue.close()
        await #expect(throws: CallFailure.connectionClosed(action: "Reset")) { try await pending.value }
        await #expect(throws: CallFailure.connectionClosed(action: "ClearCache")) {
            try await queue.call(action: "ClearCache", payload: Array("{}".utf8), timeout: .seconds(5))
        }
    }
}
