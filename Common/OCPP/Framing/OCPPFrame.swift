/// One OCPP-J message as it travels in a WebSocket text frame: a CALL, a CALLRESULT or a CALLERROR.
///
/// Payloads stay raw JSON bytes here: what type they decode to depends on the action (for a CALL) or on the
/// CALL a result answers, which only the connection knows.
public enum OCPPFrame: Sendable, Equatable {
    case call(Call)
    case callResult(CallResult)
    case callError(CallError)

    /// `[2, uniqueId, action, payload]`: a request.
    public struct Call: Sendable, Equatable {
        public var uniqueId: String
        public var action: String
        public var payload: [UInt8]
        public init(uniqueId: String, action: String, payload: [UInt8]) {
            self.uniqueId = uniqueId
            self.action = action
            self.payload = payload
        }
    }

    /// `[3, uniqueId, payload]`: the answer to the CALL with the same unique id.
    public struct CallResult: Sendable, Equatable {
        public var uniqueId: String
        public var payload: [UInt8]
        public init(uniqueId: String, payload: [UInt8]) {
            self.uniqueId = uniqueId
            self.payload = payload
        }
    }

    /// `[4, uniqueId, errorCode, errorDescription, errorDetails]`: the CALL could not be answered.
    public struct CallError: Sendable, Equatable {
        public var uniqueId: String
        /// The code as sent; a peer may send one this library does not know.
        public var code: String
        public var description: String
        /// A JSON object with details, `{}` when there are none.
        public var details: [UInt8]
        public init(uniqueId: String, code: String, description: String, details: [UInt8] = Array("{}".utf8)) {
            self.uniqueId = uniqueId
            self.code = code
            self.description = description
            self.details = details
        }

        /// A CALLERROR carrying `error`.
        public init(uniqueId: String, error: OCPPError) {
            self.init(uniqueId: uniqueId, code: error.code.rawValue, description: error.reason)
        }
    }

    /// The unique id that ties a CALL to its answer.
    public var uniqueId: String {
        switch self {
        case .call(let call): call.uniqueId
        case .callResult(let result): result.uniqueId
        case .callError(let error): error.uniqueId
        }
    }

    /// The longest unique id OCPP-J allows.
    public static let maxUniqueIdLength = 36
    /// The unique id to answer with when the one sent cannot be read, as OCPP-J prescribes.
    public static let unreadableUniqueId = "-1"
}

/// A frame that could not be decoded, with what the CALLERROR back should say.
public struct FrameDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The unique id of the frame, when it could be read; answer with `OCPPFrame.unreadableUniqueId` otherwise.
    public var uniqueId: String?
    /// The message type id, when it could be read.
    public var messageTypeId: Int?
    public var error: OCPPError

    public var description: String { error.description }
}
