/// The socket side of one station connection, as the central system sees it: send a text frame, or close.
///
/// The WebSocket server implements it; tests can implement it without sockets.
public protocol StationTransport: Sendable {
    /// Writes one text frame.
    func send(_ text: [UInt8]) async throws
    /// Closes the connection with a WebSocket close code and reason.
    func close(code: UInt16, reason: String) async
    /// Sends a WebSocket ping; any frame back counts as a sign of life.
    func ping() async
}

/// WebSocket close codes the edge uses.
public enum CloseCode {
    /// Normal closure.
    public static let normal: UInt16 = 1000
    /// The edge is shutting down.
    public static let goingAway: UInt16 = 1001
    /// The peer broke the WebSocket protocol.
    public static let protocolError: UInt16 = 1002
    /// Binary frames are not OCPP-J.
    public static let unsupportedData: UInt16 = 1003
    /// A text message was not valid UTF-8 (RFC 6455, section 8.1).
    public static let invalidPayloadData: UInt16 = 1007
    /// A frame was larger than the configured limit.
    public static let messageTooBig: UInt16 = 1009
    /// The connection was replaced or refused by policy.
    public static let policyViolation: UInt16 = 1008
}
