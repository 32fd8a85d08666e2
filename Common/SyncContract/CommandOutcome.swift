/// How a relayed command ended, as the edge reports it in a ``CommandResult`` and the cloud keeps it. On the wire it
/// is a string; a value this build does not know (from a newer edge) is kept as ``unknown(_:)``, not refused.
public enum CommandOutcome: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The station answered; the result's `response` is its payload.
    case accepted
    /// The station or the edge refused it.
    case rejected
    /// The station is not connected to its edge.
    case notConnected
    /// The station did not answer in time.
    case timeout
    /// It reached the edge after its deadline, and was not sent.
    case expired
    /// The action or its payload is not one the edge takes.
    case invalid
    /// The station answered with a CALLERROR.
    case stationError
    /// The station's answer does not parse.
    case invalidResponse
    /// The edge could not carry it out (its store failed, or it restarted while the command ran).
    case failed
    case unknown(String)

    public init(rawValue: String) {
        self =
            switch rawValue {
            case "accepted": .accepted
            case "rejected": .rejected
            case "not_connected": .notConnected
            case "timeout": .timeout
            case "expired": .expired
            case "invalid": .invalid
            case "station_error": .stationError
            case "invalid_response": .invalidResponse
            case "failed": .failed
            default: .unknown(rawValue)
            }
    }

    public var rawValue: String {
        switch self {
        case .accepted: "accepted"
        case .rejected: "rejected"
        case .notConnected: "not_connected"
        case .timeout: "timeout"
        case .expired: "expired"
        case .invalid: "invalid"
        case .stationError: "station_error"
        case .invalidResponse: "invalid_response"
        case .failed: "failed"
        case .unknown(let value): value
        }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
