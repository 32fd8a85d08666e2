/// Why a CALL sent to a peer got no usable answer.
public enum CallFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer within the response timeout.
    case timeout(action: String, after: Duration)
    /// The connection closed before the answer came (or before the call could be sent).
    case connectionClosed(action: String)
    /// The peer answered with a CALLERROR.
    case callError(action: String, code: String, description: String)
    /// The peer's CALLRESULT does not match the action's response schema.
    case invalidResponse(action: String, error: OCPPError)
    /// The request could not be encoded or was refused before sending.
    case invalidRequest(action: String, error: OCPPError)

    public var description: String {
        switch self {
        case .timeout(let action, let after): "\(action): no answer within \(after)"
        case .connectionClosed(let action): "\(action): connection closed before an answer"
        case .callError(let action, let code, let description): "\(action): peer answered \(code): \(description)"
        case .invalidResponse(let action, let error): "\(action): invalid response: \(error)"
        case .invalidRequest(let action, let error): "\(action): invalid request: \(error)"
        }
    }
}
