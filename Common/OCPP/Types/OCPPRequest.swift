/// A request of one OCPP action, typed together with the answer it expects.
///
/// Every message type of every OCPP version conforms; the action name is what goes into the CALL frame.
public protocol OCPPRequest: Codable, Sendable, Equatable {
    /// What a CALLRESULT to this request carries.
    associatedtype Response: Codable & Sendable & Equatable
    /// The action name as written in the CALL frame, e.g. `"BootNotification"`.
    static var action: String { get }
}

/// Who may send a request of an action.
public enum MessageDirection: String, Sendable, Codable {
    /// Charge point (charging station) to central system (CSMS).
    case fromStation = "station->csms"
    /// Central system (CSMS) to charge point.
    case toStation = "csms->station"
}
