/// The state of a connector, independent of the OCPP version that reported it.
///
/// OCPP 1.6 reports these states directly; OCPP 2.0.1 reports `Available`, `Occupied`, `Reserved`,
/// `Unavailable` and `Faulted`, with the finer charging states coming from transaction events.
public enum ConnectorStatus: String, Sendable, Codable, CaseIterable {
    case available = "Available"
    case preparing = "Preparing"
    case charging = "Charging"
    case suspendedEV = "SuspendedEV"
    case suspendedEVSE = "SuspendedEVSE"
    case finishing = "Finishing"
    case reserved = "Reserved"
    case unavailable = "Unavailable"
    case faulted = "Faulted"

    /// What a fleet manager sees at a glance.
    public var operation: OperationState {
        switch self {
        case .available, .reserved: .available
        case .preparing, .charging, .suspendedEV, .suspendedEVSE, .finishing: .inUse
        case .unavailable, .faulted: .inoperative
        }
    }
}

/// The three states a dashboard counts.
public enum OperationState: String, Sendable, Codable {
    case available
    case inUse = "in_use"
    case inoperative
}
