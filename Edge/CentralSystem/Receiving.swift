import Logging
import OCPP

extension CentralSystem {
    /// Handles one text frame from a station and returns the frame to answer with, if any.
    ///
    /// CALLs are answered only once what they report is durable. Answers to the edge's own CALLs resolve
    /// them. A frame that cannot be decoded gets the CALLERROR the spec names (unique id `-1` when even that
    /// cannot be read); a broken answer is logged and dropped, since OCPP-J never answers an answer.
    public func receive(_ bytes: [UInt8], on session: StationSession) async -> [UInt8]? {
        let clock = ContinuousClock()
        let started = clock.now
        session.touch(now())
        let frame: OCPPFrame
        do {
            frame = try OCPPFrame.decode(bytes)
        } catch {
            metrics.badFrame(reason: error.error.code.rawValue)
            session.logger.warning(
                "station sent a frame that cannot be decoded",
                metadata: ["error": "\(error.error)", "frame": "\(Self.excerpt(bytes))"])
            if error.messageTypeId == 3 || error.messageTypeId == 4 { return nil }
            metrics.callError(code: error.error.code.rawValue, direction: "out")
            return OCPPFrame.callError(
                .init(uniqueId: error.uniqueId ?? OCPPFrame.unreadableUniqueId, error: error.error)
            ).encoded()
        }
        switch frame {
        case .call(let call):
            metrics.message(action: call.action, direction: "in")
            let answer = await handler.handle(call, session: session)
            if case .callError(let error) = answer {
                metrics.callError(code: error.code, direction: "out")
                session.logger.warning(
                    "call refused",
                    metadata: ["action": "\(call.action)", "code": "\(error.code)", "reason": "\(error.description)"])
            }
            metrics.handled(action: call.action, duration: clock.now - started)
            return answer.encoded()
        case .callResult, .callError:
            if case .callError(let error) = frame { metrics.callError(code: error.code, direction: "in") }
            if await !session.outgoing.resolve(frame) {
                session.logger.warning(
                    "station answered a call the edge is not waiting for", metadata: ["uniqueId": "\(frame.uniqueId)"])
            }
            return nil
        }
    }

    /// Whether a text message is valid UTF-8, as RFC 6455 requires (checked in place, without making a string).
    public static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        guard #available(macOS 26, *) else { return String(validating: bytes, as: UTF8.self) != nil }
        do {
            _ = try UTF8Span(validating: bytes.span)
            return true
        } catch {
            return false
        }
    }

    /// The first 200 bytes of a frame, for a log line.
    public static func excerpt(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(200), as: UTF8.self)
        return bytes.count > 200 ? text + "…" : text
    }
}

extension CentralSystem {
    /// A frame handled on the connection's event loop without a task, when it can be: today a well-formed
    /// MeterValues CALL, the message chargers send most. Decoded here, recorded by the group commit, answered
    /// through `answer` once durable (from the committing task). False when it is not such a frame: nothing was done,
    /// and ``receive(_:on:)`` takes it.
    public func receiveAtOnce(
        _ bytes: [UInt8], on session: StationSession, answer: @escaping @Sendable ([UInt8]) -> Void
    ) -> Bool {
        let clock = ContinuousClock()
        let started = clock.now
        guard case .call(let call) = try? OCPPFrame.decode(bytes) else { return false }
        let metrics = metrics
        let handled = handler.meterValuesAtOnce(call, session: session) { frame in
            if case .callError(let error) = frame { metrics.callError(code: error.code, direction: "out") }
            metrics.handled(action: call.action, duration: clock.now - started)
            answer(frame.encoded())
        }
        guard handled else { return false }
        session.touch(now())
        metrics.message(action: call.action, direction: "in")
        return true
    }
}
