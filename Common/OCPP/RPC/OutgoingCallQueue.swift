/// The CALLs one side of an OCPP-J connection sends: one outstanding at a time, as the spec requires, the
/// rest queued behind it in order, each answered, failed by a CALLERROR, timed out, or failed when the
/// connection closes.
///
/// The connection's read loop hands every CALLRESULT and CALLERROR to ``resolve(_:)``; callers use ``call(action:payload:timeout:)``
/// from any task.
public actor OutgoingCallQueue {
    public typealias Send = @Sendable (OCPPFrame) async throws -> Void

    private struct Outstanding {
        let uniqueId: String
        let action: String
        let continuation: CheckedContinuation<[UInt8], any Error>
        let timeoutTask: Task<Void, Never>
    }

    private let send: Send
    private let idPrefix: String
    private var nextId: UInt64 = 1
    private var outstanding: Outstanding?
    /// Calls waiting for their turn, in order; each is resumed with true when its turn comes, false when its
    /// deadline passed first (or the queue closed).
    private var waiting: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextWaiter: UInt64 = 0
    private var busy = false
    private var closed = false

    /// - Parameters:
    ///   - send: writes one frame to the peer.
    ///   - idPrefix: makes unique ids of this connection distinguishable from another's in logs.
    public init(idPrefix: String = "", send: @escaping Send) {
        self.send = send
        self.idPrefix = idPrefix
    }

    /// Sends a CALL and waits for its CALLRESULT payload.
    ///
    /// Waits first for any earlier call to finish; `timeout` counts from now, the wait included, so a caller
    /// behind a station that does not answer still hears back in time. Throws ``CallFailure``.
    public func call(action: String, payload: [UInt8], timeout: Duration) async throws -> [UInt8] {
        guard !closed else { throw CallFailure.connectionClosed(action: action) }
        let deadline = ContinuousClock.now + timeout
        if busy {
            nextWaiter += 1
            let waiter = nextWaiter
            let expiry = Task { [weak self] in
                try? await Task.sleep(until: deadline)
                if !Task.isCancelled { await self?.giveUp(waiter: waiter) }
            }
            let gotTurn = await withCheckedContinuation { waiting.append((waiter, $0)) }
            expiry.cancel()
            guard !closed else { throw CallFailure.connectionClosed(action: action) }
            guard gotTurn else { throw CallFailure.timeout(action: action, after: timeout) }
        }
        busy = true
        defer { releaseTurn() }
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { throw CallFailure.timeout(action: action, after: timeout) }

        let uniqueId = "\(idPrefix)\(nextId)"
        nextId += 1
        return try await withCheckedThrowingContinuation { continuation in
            let timeoutTask = Task { [weak self] in
                try? await Task.sleep(for: remaining)
                guard !Task.isCancelled else { return }
                await self?.fail(uniqueId: uniqueId, with: CallFailure.timeout(action: action, after: timeout))
            }
            outstanding = Outstanding(
                uniqueId: uniqueId, action: action, continuation: continuation, timeoutTask: timeoutTask)
            let frame = OCPPFrame.call(.init(uniqueId: uniqueId, action: action, payload: payload))
            let send = self.send
            Task {
                do {
                    try await send(frame)
                } catch {
                    self.fail(uniqueId: uniqueId, with: CallFailure.connectionClosed(action: action))
                }
            }
        }
    }

    /// Matches a CALLRESULT or CALLERROR to the outstanding call.
    ///
    /// - Returns: false when no outstanding call has this unique id (a late answer after a timeout, or a
    ///   peer that made one up); the caller logs it.
    @discardableResult
    public func resolve(_ frame: OCPPFrame) -> Bool {
        if case .call = frame { return false }
        guard let current = outstanding, current.uniqueId == frame.uniqueId else { return false }
        outstanding = nil
        current.timeoutTask.cancel()
        switch frame {
        case .callResult(let result):
            current.continuation.resume(returning: result.payload)
        case .callError(let error):
            current.continuation.resume(
                throwing: CallFailure.callError(action: current.action, code: error.code, description: error.description))
        case .call:
            break  // excluded above
        }
        return true
    }

    /// Fails the outstanding call and every queued one; later calls fail at once.
    public func close() {
        closed = true
        if let current = outstanding {
            outstanding = nil
            current.timeoutTask.cancel()
            current.continuation.resume(throwing: CallFailure.connectionClosed(action: current.action))
        }
        let queued = waiting
        waiting.removeAll()
        for waiter in queued { waiter.continuation.resume(returning: false) }
    }

    private func fail(uniqueId: String, with failure: CallFailure) {
        guard let current = outstanding, current.uniqueId == uniqueId else { return }
        outstanding = nil
        current.timeoutTask.cancel()
        current.continuation.resume(throwing: failure)
    }

    private func releaseTurn() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().continuation.resume(returning: true)
        }
    }

    private func giveUp(waiter: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.id == waiter }) else { return }
        waiting.remove(at: index).continuation.resume(returning: false)
    }
}

extension OutgoingCallQueue {
    /// Sends a typed request and decodes the typed response. Throws ``CallFailure``.
    public func call<Request: OCPPRequest>(
        _ request: Request, timeout: Duration, coder: PayloadCoder = PayloadCoder()
    ) async throws -> Request.Response {
        let payload: [UInt8]
        do {
            payload = try coder.encode(request)
        } catch {
            throw CallFailure.invalidRequest(
                action: Request.action, error: OCPPError(.internalError, "request cannot be encoded: \(error)"))
        }
        let answer = try await call(action: Request.action, payload: payload, timeout: timeout)
        do {
            return try coder.decode(Request.Response.self, from: answer)
        } catch {
            throw CallFailure.invalidResponse(action: Request.action, error: error)
        }
    }
}
