/// The error codes a CALLERROR may carry, as OCPP-J 1.6 spells them.
public enum OCPPErrorCode: String, Sendable, Codable, CaseIterable {
    /// The requested action is not known by the receiver.
    case notImplemented = "NotImplemented"
    /// The requested action is recognised but not supported by the receiver.
    case notSupported = "NotSupported"
    /// An internal error occurred and the receiver was not able to process the requested action.
    case internalError = "InternalError"
    /// The payload for the action is incomplete.
    case protocolError = "ProtocolError"
    /// During the processing of the action a security issue occurred.
    case securityError = "SecurityError"
    /// The payload is syntactically incorrect or does not conform to the PDU structure of the action.
    case formationViolation = "FormationViolation"
    /// The payload is syntactically correct but at least one field contains an invalid value.
    case propertyConstraintViolation = "PropertyConstraintViolation"
    /// The payload is syntactically correct but at least one field violates occurrence constraints.
    case occurenceConstraintViolation = "OccurenceConstraintViolation"
    /// The payload is syntactically correct but at least one field violates data type constraints.
    case typeConstraintViolation = "TypeConstraintViolation"
    /// Any other error.
    case genericError = "GenericError"
}

/// Why a frame or payload was refused, in the terms of a CALLERROR: what the peer is told and logged.
public struct OCPPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The CALLERROR code.
    public var code: OCPPErrorCode
    /// A sentence that names what was wrong and where.
    public var reason: String
    /// The payload field the error is about, as a path like `transactionData[0].timestamp`, when known.
    public var field: String?

    public init(_ code: OCPPErrorCode, _ reason: String, field: String? = nil) {
        self.code = code
        self.reason = reason
        self.field = field
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
