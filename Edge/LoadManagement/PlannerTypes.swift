public import Foundation
public import Meters

/// Everything one control cycle decides from, gathered by the shell.
public struct PlannerInput: Sendable {
    public var now: Date
    /// The grid or building meter's latest plausible reading, nil when there is none.
    public var meter: MeterMeasurement?
    public var meterRole: MeterRole
    public var connectors: [ConnectorInput]

    public init(now: Date, meter: MeterMeasurement?, meterRole: MeterRole, connectors: [ConnectorInput]) {
        self.now = now
        self.meter = meter
        self.meterRole = meterRole
        self.connectors = connectors
    }
}

/// One connector as the charger last described it.
public struct ConnectorInput: Sendable {
    public var key: ConnectorKey
    public var wiring: ChargerWiring
    /// The running transaction, if any.
    public var transactionId: Int?
    public var startedAt: Date?
    /// The current drawn on each of the charger's phases, and when it was measured.
    public var measured: [Double]?
    public var measuredAt: Date?
    /// False when the charger does not take charging profiles: its car is budgeted at the charger's maximum.
    public var controllable: Bool
    /// False while the charger is not connected (or not yet set up): it goes on under its last limit until the
    /// lease ends, then under the failsafe, and is budgeted so.
    public var connected = true
    /// The most the running session may get now, as asked from the cloud (a roaming partner's charging profile):
    /// it can only lower what the car is given.
    public var requested: RequestedLimit?

    public init(
        key: ConnectorKey, wiring: ChargerWiring, transactionId: Int? = nil, startedAt: Date? = nil,
        measured: [Double]? = nil, measuredAt: Date? = nil, controllable: Bool = true
    ) {
        self.controllable = controllable
        self.key = key
        self.wiring = wiring
        self.transactionId = transactionId
        self.startedAt = startedAt
        self.measured = measured
        self.measuredAt = measuredAt
    }
}

/// A limit asked for one session, in force now: A per phase, or W for the whole car (turned into A per phase with
/// the grid's voltage and the phases the car draws on).
public enum RequestedLimit: Sendable, Equatable {
    case amperes(Double)
    case watts(Double)

    /// A per phase for a car drawing on `phases` phases at `voltage`.
    public func current(phases: Int, voltage: Double) -> Double {
        switch self {
        case .amperes(let value): value
        case .watts(let value): value / (voltage * Double(max(1, phases)))
        }
    }
}

/// A limit to send to one connector.
public struct LimitOrder: Sendable, Equatable {
    public var key: ConnectorKey
    /// The transaction a TxProfile is for; nil sends a TxDefaultProfile for the connector.
    public var transactionId: Int?
    /// A per phase.
    public var current: Double
    /// Phases the car draws on, for chargers that take limits in W.
    public var phases: Int
    /// Whether this only renews a lease on an unchanged limit.
    public var isRenewal: Bool
    /// Whether this lowers the limit the charger had.
    public var isDecrease = false
}

/// Why a connector got its limit, as `/status` shows it.
public struct ConnectorDecision: Sendable, Equatable {
    public var key: ConnectorKey
    /// What the load manager allocated, A per phase.
    public var allocated: Double
    /// The limit the charger last accepted.
    public var sent: Double?
    public var reason: ConnectorReason
    /// What the car draws now, on its most loaded phase.
    public var drawing: Double?
    /// The car counted at what it draws because it takes less than offered (taper, full battery).
    public var reclaimedAt: Double?
    /// The car draws clearly more than its limit: the charger ignores it, and its excess is budgeted.
    public var overdrawing: Bool
    public var carPhases: Int
    /// The session's requested limit now, A per phase (see ``ConnectorInput/requested``).
    public var requested: Double? = nil
}

/// Why a connector has the limit it has, as `/status` and the metrics name it.
public enum ConnectorReason: String, Sendable, CaseIterable {
    /// No car: the connector is offered the minimum when its phases have room for a new car.
    case idle
    /// The site is not managed: the charger's maximum.
    case unmanaged
    /// All the charger or the car can take.
    case limitedByCharger = "limited_by_charger"
    /// A phase (or the power limit) is full.
    case limitedByGrid = "limited_by_grid"
    /// Not enough room for the minimum current.
    case paused
    /// The meter is stale or incomplete: down to the failsafe current.
    case failsafe
    /// The car draws clearly more than its limit: the charger ignores it.
    case overdrawing
    /// The charger does not take charging profiles.
    case notControllable = "not_controllable"
    /// The charger is not connected.
    case offline
    /// The session's requested limit (a roaming partner's charging profile) is lower than its share.
    case limitedByRequest = "limited_by_request"

    init(_ allocation: AllocationReason) {
        switch allocation {
        case .idle: self = .idle
        case .unmanaged: self = .unmanaged
        case .limitedByCharger: self = .limitedByCharger
        case .limitedByGrid: self = .limitedByGrid
        case .paused: self = .paused
        }
    }
}

/// A control cycle's result.
public struct CyclePlan: Sendable {
    public var orders: [LimitOrder]
    public var decisions: [ConnectorDecision]
    /// A per grid phase the cars may still use (dynamic and static modes).
    public var freeCapacity: [Double]
    /// The building's own load per grid phase, as estimated.
    public var buildingLoad: [Double]
    public var failsafe: Bool
}
