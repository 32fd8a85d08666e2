// The Remote Trigger profile: asking the charge point to send a message now.
extension OCPP16 {
    /// Asks the charge point to send one of its messages now (TriggerMessage.req).
    public struct TriggerMessageRequest: OCPPRequest {
        public typealias Response = TriggerMessageResponse
        public static let action = "TriggerMessage"
        /// The message to send.
        public var requestedMessage: MessageTrigger
        /// The connector the message is about (greater than 0); absent means the whole charge point.
        public var connectorId: Int?

        public init(requestedMessage: MessageTrigger, connectorId: Int? = nil) {
            self.requestedMessage = requestedMessage
            self.connectorId = connectorId
        }
    }

    /// Whether the charge point will send the message (TriggerMessage.conf).
    public struct TriggerMessageResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: TriggerMessageStatus

        public init(status: TriggerMessageStatus) {
            self.status = status
        }
    }
}
