public import Foundation

/// The load manager's decisions turned into charger limits, with the state that needs: what each charger last
/// accepted, ramps, hysteresis, leases, reclaim of unused current, detection of chargers that ignore their limit,
/// and the failsafe. Pure apart from its own state: time and every input come in as values.
public struct LoadPlanner: Sendable {
    public private(set) var grid: GridSettings
    public private(set) var settings: LoadManagementSettings
    var states: [ConnectorKey: ControlState] = [:]
    /// The building's own load per grid phase as last estimated; nil before the first reading and after the failsafe.
    var buildingEstimate: [Double]?

    /// The tolerance above its limit a car may draw (meters and chargers are not exact).
    static let overdrawTolerance = 2.0
    /// How long a charger has to apply a new limit before its draw counts against it.
    static let applyTime: TimeInterval = 15
    /// How long a refused limit waits before it is tried again (the refusal is budgeted meanwhile).
    static let retryDelay: TimeInterval = 5
    /// For tests: the wait after a refusal.
    public static var retryDelayForTests: TimeInterval { retryDelay }
    /// How long after a new limit a car's measured draw reflects it (IEC 61851 gives a car 5 s).
    static let settleTime: TimeInterval = 5
    /// How long after a new limit, without a report taken after `settleTime`, the car's draw is taken as uncertain:
    /// somewhere between what it last reported and what it should draw now. Past it, a car is taken to draw what it
    /// should (cars that take longer than this to rise are seen by the grid meter, and their limits corrected).
    static let confirmTime: TimeInterval = 10

    struct ControlState: Sendable {
        var sent: Double?
        /// The car phases the last limit was sent for (chargers taking W need them).
        var sentPhases: Int?
        var sentTransaction: Int?
        /// The last order was refused or not answered: the charger may still be at `sent` (or, with none, at
        /// anything up to its maximum).
        var unconfirmed = false
        /// After a refusal, the next try waits until then.
        var retryAt: Date?
        var sentAt: Date?
        /// When the limit last changed value (a renewal does not count).
        var changedAt: Date?
        /// The changes of the last `confirmTime`, oldest first: until confirmed, the car may be at any of them.
        var changes: [LimitChange] = []
        var pending = false
        var paused = false
        var since: Date
        var carPhases = 3
        var reclaimSince: Date?
        var carLimit: Double?
        var overdrawSince: Date?
        var overdrawing = false
        /// When the car's latest report was taken, and the limit it had had long enough to follow then (nil when
        /// its limit was changing, or none was in force): a car that reported clearly less than that takes less than
        /// it is offered.
        var reportAt: Date?
        var reportedUnder: Double?
        /// The session's requested limit this cycle, A per phase.
        var requested: Double?
    }

    /// A limit the charger accepted in place of another.
    struct LimitChange: Sendable {
        var at: Date
        /// The limit before (nil when there was none of the edge's: the charger's own default or failsafe).
        var from: Double?
        var to: Double
    }

    public init(grid: GridSettings, settings: LoadManagementSettings) {
        self.grid = grid
        self.settings = settings
    }

    /// New settings from now on (changed from the cloud); what was sent to each charger is kept, so limits move
    /// from where they are with the usual ramps and cuts.
    public mutating func update(grid: GridSettings, settings: LoadManagementSettings) {
        self.grid = grid
        self.settings = settings
    }

    /// Decides this cycle's limits, in named steps: the failsafe check, what each car may draw, the building's
    /// estimate, the allocation with its pause hysteresis and the chargers that have not confirmed their limit, the
    /// room left for new cars, and the orders.
    public mutating func plan(_ input: PlannerInput) -> CyclePlan {
        let failsafe = isFailsafe(input)
        // Forget connectors that are gone.
        let present = Set(input.connectors.map(\.key))
        states = states.filter { present.contains($0.key) }
        let (loads, draws) = survey(input.connectors, now: input.now)
        var (building, overloaded) = estimateBuilding(input, draws: draws, failsafe: failsafe)
        for phase in 0..<3 { building[phase] += draws.overdraw[phase] }
        var snapshot = SiteSnapshot(
            grid: GridConnection(
                phaseLimit: grid.limit, margin: grid.margin, powerLimit: grid.limitKW.map { $0 * 1000 }, voltage: grid.voltage),
            mode: loadMode, strategy: LoadStrategy(rawValue: settings.strategy.rawValue) ?? .equal,
            minimumCurrent: settings.minCurrent, buildingLoad: building, connectors: loads,
            rotationInterval: settings.rotationInterval.seconds, now: input.now)
        var allocations = allocateHoldingPausedCars(&snapshot)
        allocations = allocateAroundUnconfirmed(allocations, snapshot: snapshot, loads: loads, building: &building)
        let free = freeCapacity(loads: loads, allocations: allocations, building: building)
        let (orders, decisions) = decide(
            input, allocations: allocations, free: free, failsafe: failsafe, overloaded: overloaded)
        return CyclePlan(
            orders: orders, decisions: decisions, freeCapacity: free, buildingLoad: building, failsafe: failsafe)
    }

    /// The charger accepted `order`.
    public mutating func accepted(_ order: LimitOrder, at now: Date) {
        guard var state = states[order.key] else { return }
        if state.sent != order.current {
            state.changedAt = now
            state.changes.removeAll { now.timeIntervalSince($0.at) >= Self.confirmTime }
            state.changes.append(LimitChange(at: now, from: state.sent, to: order.current))
        }
        state.unconfirmed = false
        state.retryAt = nil
        state.sentPhases = order.phases
        state.sent = order.current
        state.sentTransaction = order.transactionId
        state.sentAt = now
        state.pending = false
        states[order.key] = state
    }

    /// The charger refused or did not answer `order`: the next cycle tries again. An unknown last limit counts
    /// as the highest it could be, so the next order is never an unramped increase.
    public mutating func failed(_ order: LimitOrder, at now: Date = Date()) {
        states[order.key]?.pending = false
        states[order.key]?.unconfirmed = true
        states[order.key]?.retryAt = now.addingTimeInterval(Self.retryDelay)
    }

    /// Forgets what a station was sent (it reconnected, and may have lost its profiles).
    public mutating func forget(stationId: String) {
        for key in states.keys where key.stationId == stationId {
            states[key]?.sent = nil
            states[key]?.sentAt = nil
            states[key]?.changedAt = nil
            states[key]?.changes = []
            states[key]?.sentTransaction = nil
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
