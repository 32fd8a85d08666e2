public import EdgeConfig
public import Foundation
public import LoadManagement
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
    public var wiring: EdgeConfiguration.Wiring
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

    public init(
        key: ConnectorKey, wiring: EdgeConfiguration.Wiring, transactionId: Int? = nil, startedAt: Date? = nil,
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
    /// `idle`, `unmanaged`, `limited_by_charger`, `limited_by_grid`, `paused`, `failsafe`.
    public var reason: String
    /// What the car draws now, on its most loaded phase.
    public var drawing: Double?
    /// The car counted at what it draws because it takes less than offered (taper, full battery).
    public var reclaimedAt: Double?
    /// The car draws clearly more than its limit: the charger ignores it, and its excess is budgeted.
    public var overdrawing: Bool
    public var carPhases: Int
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

/// The load manager's decisions turned into charger limits, with the state that needs: what each charger last
/// accepted, ramps, hysteresis, leases, reclaim of unused current, detection of chargers that ignore their limit,
/// and the failsafe. Pure apart from its own state: time and every input come in as values.
public struct LoadPlanner: Sendable {
    public private(set) var grid: EdgeConfiguration.Grid
    public private(set) var settings: EdgeConfiguration.LoadManagement
    private var states: [ConnectorKey: ControlState] = [:]
    /// The building's own load per grid phase as last estimated; nil before the first reading and after the failsafe.
    private var buildingEstimate: [Double]?

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
    }

    /// A limit the charger accepted in place of another.
    struct LimitChange: Sendable {
        var at: Date
        /// The limit before (nil when there was none of the edge's: the charger's own default or failsafe).
        var from: Double?
        var to: Double
    }

    public init(grid: EdgeConfiguration.Grid, settings: EdgeConfiguration.LoadManagement) {
        self.grid = grid
        self.settings = settings
    }

    /// New settings from now on (changed from the cloud); what was sent to each charger is kept, so limits move
    /// from where they are with the usual ramps and cuts.
    public mutating func update(grid: EdgeConfiguration.Grid, settings: EdgeConfiguration.LoadManagement) {
        self.grid = grid
        self.settings = settings
    }

    /// Decides this cycle's limits.
    public mutating func plan(_ input: PlannerInput) -> CyclePlan {
        let now = input.now
        let failsafe: Bool =
            switch settings.mode {
            case .dynamic:
                input.meter.map { now.timeIntervalSince($0.takenAt) > settings.meterTimeout.seconds } ?? true
                    || input.meter.map { meter in (0..<grid.phases).contains { meter.phaseCurrents[$0] == nil } } ?? true
            default: false
            }
        // Forget connectors that are gone.
        let present = Set(input.connectors.map(\.key))
        states = states.filter { present.contains($0.key) }

        var loads: [ConnectorLoad] = []
        var overdraw = [0.0, 0.0, 0.0]
        // What the cars draw on each grid phase, at the least and the most they may draw now.
        var drawLow = [0.0, 0.0, 0.0]
        var drawHigh = [0.0, 0.0, 0.0]
        // The least they may draw if none has risen since its last report: what is taken when the grid is over.
        var drawFloor = [0.0, 0.0, 0.0]
        for connector in input.connectors {
            var state = states[connector.key] ?? ControlState(since: now)
            let fresh = connector.measuredAt.map { now.timeIntervalSince($0) < 120 } ?? false
            let measured = fresh ? connector.measured : nil
            if connector.transactionId == nil {
                state.carLimit = nil
                state.reclaimSince = nil
                state.overdrawing = false
                state.overdrawSince = nil
                state.carPhases = 3
            } else if let measured {
                if let at = connector.measuredAt, at != state.reportAt {
                    state.reportAt = at
                    state.reportedUnder = state.changedAt.flatMap { changed in
                        at > changed.addingTimeInterval(Self.settleTime) ? state.sent : nil
                    }
                }
                learn(&state, measured: measured, wiring: connector.wiring, now: now)
            }
            if !connector.connected {
                // Out of reach: it goes on under its last limit until the lease ends, then under the failsafe.
                // The grid meter sees its draw; the budget replaces it.
                let leaseValid = state.sentAt.map { now.timeIntervalSince($0) < settings.leaseDuration.seconds } ?? false
                let budget =
                    leaseValid
                    ? (state.sent ?? connector.wiring.maxCurrent)
                    : (connector.transactionId != nil ? min(settings.failsafeCurrent, connector.wiring.maxCurrent) : 0)
                for phase in connector.wiring.gridPhases.prefix(state.carPhases) {
                    drawLow[phase] += budget
                    drawHigh[phase] += budget
                    drawFloor[phase] += budget
                    overdraw[phase] += budget
                }
                states[connector.key] = state
                loads.append(
                    ConnectorLoad(
                        key: connector.key, maxCurrent: connector.wiring.maxCurrent, gridPhases: connector.wiring.gridPhases))
                continue
            }
            if !connector.controllable, connector.transactionId != nil {
                // Nothing to steer: whatever it may draw is spoken for.
                for phase in connector.wiring.gridPhases { overdraw[phase] += connector.wiring.maxCurrent }
            }
            let draw = drawBounds(connector, state: state, measured: measured, now: now)
            for (index, phase) in connector.wiring.gridPhases.enumerated() where index < draw.high.count {
                drawLow[phase] += draw.low[index]
                drawHigh[phase] += draw.high[index]
                drawFloor[phase] += draw.floor[index]
                if state.overdrawing, let sent = state.sent, let measured, index < measured.count {
                    overdraw[phase] += max(0, measured[index] - sent)
                }
            }
            states[connector.key] = state
            loads.append(
                ConnectorLoad(
                    key: connector.key, maxCurrent: connector.wiring.maxCurrent, gridPhases: connector.wiring.gridPhases,
                    priority: connector.wiring.priority,
                    session: connector.transactionId.flatMap { _ in
                        guard connector.controllable else { return nil }
                        return
                            ConnectorLoad.Session(
                                startedAt: connector.startedAt ?? now, carPhases: state.carPhases, carLimit: state.carLimit,
                                paused: state.paused, since: state.since)
                    }))
        }

        var building = [0.0, 0.0, 0.0]
        // Grid phases the meter shows above the usable limit: nothing on them is raised this cycle.
        var overloaded = Set<Int>()
        if settings.mode == .dynamic, let meter = input.meter, !failsafe {
            for phase in 0..<3 {
                let metered = meter.phaseCurrents[phase] ?? 0
                guard input.meterRole == .grid else {
                    building[phase] = metered
                    continue
                }
                if metered > grid.limit - grid.margin + 1e-9 {
                    // Over the limit, the doubt is settled on the safe side: what the cars applying a cut do not
                    // explain is put on the building, every other car taken at the least it may draw (one that took
                    // less than offered, and has not reported since, is not counted at its limit), so the cars'
                    // share is cut by at least the excess.
                    overloaded.insert(phase)
                    building[phase] = max(0, metered - drawFloor[phase])
                    continue
                }
                // A grid meter sees the building and the cars together. The building draws at least what is left
                // with every car at the most it may draw now, and at most what is left with every car at the least:
                // the estimate moves only as far as the reading forces it out of that range. So a car's own rise
                // (seen by the grid meter before the car reports it) is not taken for the building, nor its cut
                // for a building that fell; and with every car known, the estimate follows the meter at once, up
                // and down.
                let lowest = max(0, metered - drawHigh[phase])
                let highest = max(0, metered - drawLow[phase])
                let previous = buildingEstimate?[phase] ?? highest
                building[phase] = min(max(previous, lowest), highest)
            }
            buildingEstimate = input.meterRole == .grid ? building : nil
        } else {
            buildingEstimate = nil
        }
        for phase in 0..<3 { building[phase] += overdraw[phase] }
        let mode: LoadMode =
            switch settings.mode {
            case .off: .off
            case .static(let current): .fixed(currentPerPhase: current)
            case .dynamic: .dynamic
            }
        var snapshot = SiteSnapshot(
            grid: GridConnection(
                phaseLimit: grid.limit, margin: grid.margin, powerLimit: grid.limitKW.map { $0 * 1000 }, voltage: grid.voltage),
            mode: mode, strategy: LoadStrategy(rawValue: settings.strategy.rawValue) ?? .equal,
            minimumCurrent: settings.minCurrent, buildingLoad: building, connectors: loads,
            rotationInterval: settings.rotationInterval.seconds, now: now)
        var allocations = LoadManager.allocate(snapshot)
        // A paused car resumes only with room for the minimum plus the hysteresis (unless its turn has come), so a
        // car does not flap between paused and charging on noise in the meter.
        var held = false
        for (index, allocation) in allocations.enumerated() {
            guard let session = snapshot.connectors[index].session, session.paused, allocation.current > 0,
                allocation.current < settings.minCurrent + settings.hysteresis,
                now.timeIntervalSince(session.since) < settings.rotationInterval.seconds
            else { continue }
            snapshot.connectors[index].session = nil
            held = true
        }
        if held {
            allocations = LoadManager.allocate(snapshot).enumerated().map { index, allocation in
                snapshot.connectors[index].session == nil && loads[index].session != nil
                    ? Allocation(key: allocation.key, current: 0, reason: .paused) : allocation
            }
        }
        // A charger that has not confirmed its last limit may still be at the one before (or anywhere up to its
        // maximum): the others are allocated around that, while it keeps being sent its allocation.
        let unconfirmed = loads.indices.filter { loads[$0].session != nil && states[loads[$0].key]?.unconfirmed == true }
        if !unconfirmed.isEmpty {
            var around = snapshot
            for index in unconfirmed {
                let state = states[loads[index].key]!
                let inEffect = max(state.sent ?? loads[index].maxCurrent, allocations[index].current)
                for phase in loads[index].loadedPhases {
                    around.buildingLoad[phase] += inEffect
                    building[phase] += inEffect
                }
                around.connectors[index].session = nil
            }
            let others = LoadManager.allocate(around)
            allocations = allocations.indices.map { unconfirmed.contains($0) ? allocations[$0] : others[$0] }
        }

        // Room left on each grid phase, for the connectors without a car.
        var free = (0..<3).map { phase -> Double in
            let usable = grid.limit - grid.margin
            switch settings.mode {
            case .static(let current): return min(current, usable) - building[phase]
            default: return usable - building[phase]
            }
        }
        for (load, allocation) in zip(loads, allocations) {
            for phase in load.loadedPhases { free[phase] -= allocation.current }
        }
        if grid.phases == 1 { free = [free[0], 0, 0] }

        let freeForCars = free
        var orders: [LimitOrder] = []
        var decisions: [ConnectorDecision] = []
        for (index, connector) in input.connectors.enumerated() {
            var state = states[connector.key]!
            guard connector.connected else {
                decisions.append(
                    ConnectorDecision(
                        key: connector.key, allocated: 0, sent: state.sent, reason: "offline", drawing: nil, reclaimedAt: nil,
                        overdrawing: false, carPhases: state.carPhases))
                continue
            }
            let allocation = allocations[index]
            var reason = failsafe ? "failsafe" : allocation.reason.rawValue
            var target: Double
            if failsafe {
                // Down to the failsafe, never up on data that is stale: a paused car stays paused.
                target = min(settings.failsafeCurrent, connector.wiring.maxCurrent, state.sent ?? settings.failsafeCurrent)
            } else if connector.transactionId != nil {
                target = allocation.current
            } else {
                // An idle connector may let a new car start at the minimum when its phases have room for it.
                // Each one claims it, so several cars starting at once still fit.
                let phases = connector.wiring.gridPhases
                target = phases.allSatisfy { free[$0] >= settings.minCurrent } ? settings.minCurrent : 0
                for phase in phases { free[phase] -= target }
                reason = "idle"
            }
            if settings.mode == .off { target = connector.wiring.maxCurrent }
            let loaded =
                connector.transactionId == nil
                ? connector.wiring.gridPhases : Array(connector.wiring.gridPhases.prefix(state.carPhases))
            if let sent = state.sent, target > sent, loaded.contains(where: overloaded.contains) {
                // The meter shows a phase of this car over the limit: whatever the estimate says, it is not raised.
                target = sent
                reason = "limited_by_grid"
            }
            if state.overdrawing { reason = "overdrawing" }
            let paused = connector.transactionId != nil && target == 0
            if paused != state.paused {
                state.paused = paused
                state.since = now
            }
            if !connector.controllable { reason = "not_controllable" }
            if settings.mode != .off, connector.controllable, !state.pending,
                let order = order(for: connector, target: target, state: state, now: now)
            {
                orders.append(order)
                state.pending = true
            }
            states[connector.key] = state
            decisions.append(
                ConnectorDecision(
                    key: connector.key, allocated: target, sent: state.sent, reason: reason,
                    drawing: connector.measured.flatMap { $0.prefix(state.carPhases).max() }, reclaimedAt: state.carLimit,
                    overdrawing: state.overdrawing, carPhases: state.carPhases))
        }
        return CyclePlan(
            orders: orders, decisions: decisions, freeCapacity: freeForCars, buildingLoad: building, failsafe: failsafe)
    }

    /// The least and the most a car may draw now on each of its charger's phases. Meter values come seldom (often
    /// once a minute), so after a new limit the last measurement may predate it: the car is then expected to follow
    /// its new limit (or, if it last reported clearly less than the limit it had then, to stay where it was); while
    /// it applies a cut (`settleTime`) it may still draw the limit before; and until a report taken after the
    /// change comes in, or `confirmTime` has passed, it may still be anywhere between where it last reported and
    /// the limits of the latest changes. Without a limit of the edge's in force, it draws what it last reported.
    private func drawBounds(
        _ connector: ConnectorInput, state: ControlState, measured: [Double]?, now: Date
    ) -> (low: [Double], high: [Double], floor: [Double]) {
        let count = connector.wiring.gridPhases.count
        func reported(_ index: Int) -> Double? { measured.flatMap { index < $0.count ? $0[index] : nil } }
        guard connector.transactionId != nil, let sent = state.sent, let changedAt = state.changedAt else {
            let draw = (0..<count).map { reported($0) ?? 0 }
            return (draw, draw, draw)
        }
        if let measured, let at = connector.measuredAt, at > changedAt.addingTimeInterval(Self.settleTime) {
            let draw = (0..<count).map { $0 < measured.count ? measured[$0] : 0 }
            return (draw, draw, draw)
        }
        let limitedItself =
            measured.flatMap { measured in
                state.reportedUnder.map { (measured.prefix(state.carPhases).max() ?? 0) < $0 - 1.5 }
            } ?? false
        let unconfirmed = state.changes.filter { now.timeIntervalSince($0.at) < Self.confirmTime }
        let cutting = unconfirmed.filter { now.timeIntervalSince($0.at) < Self.settleTime && ($0.from ?? 0) > $0.to }
        var low = [Double](repeating: 0, count: count)
        var high = [Double](repeating: 0, count: count)
        var floor = [Double](repeating: 0, count: count)
        for index in 0..<min(count, state.carPhases) {
            let was = reported(index)
            let expected = limitedItself ? min(sent, was ?? sent) : sent
            high[index] = cutting.reduce(expected) { high, change in max(high, min(was ?? change.from!, change.from!)) }
            low[index] =
                unconfirmed.isEmpty
                ? expected : unconfirmed.reduce(min(expected, was ?? 0)) { min($0, $1.from ?? 0, $1.to) }
            // A car still applying a cut may draw what it did before; any other may draw less than it reported.
            floor[index] = cutting.isEmpty ? low[index] : high[index]
        }
        return (low, high, floor)
    }

    /// Whether, and what, to send a connector: decreases at once, increases ramped and only past the hysteresis,
    /// a new transaction's profile, and a lease renewal halfway through its validity.
    private func order(for connector: ConnectorInput, target: Double, state: ControlState, now: Date) -> LimitOrder? {
        let phases = state.carPhases
        func make(_ current: Double, renewal: Bool = false) -> LimitOrder {
            LimitOrder(
                key: connector.key, transactionId: connector.transactionId, current: (current * 10).rounded(.down) / 10,
                phases: phases, isRenewal: renewal)
        }
        if let retryAt = state.retryAt, now < retryAt { return nil }
        guard let sent = state.sent, let sentAt = state.sentAt else { return make(target) }
        if state.sentTransaction != connector.transactionId { return make(min(target, max(sent, settings.minCurrent))) }
        if let sentPhases = state.sentPhases, sentPhases != phases { return make(min(target, sent)) }
        if target < sent - 0.05 {
            var order = make(target)
            order.isDecrease = true
            return order
        }
        if target - sent >= settings.hysteresis {
            // Below the minimum a car does not charge at all: a resuming car starts at the minimum.
            return make(min(target, max(settings.minCurrent, sent + settings.rampStep)))
        }
        if now.timeIntervalSince(sentAt) >= settings.leaseDuration.seconds / 2 { return make(sent, renewal: true) }
        return nil
    }

    /// Learns from what the car draws: how many phases it uses, whether it takes less than offered (reclaim),
    /// and whether its charger ignores the limit (over-draw).
    private func learn(_ state: inout ControlState, measured: [Double], wiring: EdgeConfiguration.Wiring, now: Date) {
        let loaded = measured.prefix(wiring.gridPhases.count)
        if wiring.gridPhases.count >= 3 {
            let active = loaded.filter { $0 > 2 }.count
            if active == 1, loaded.filter({ $0 < 1 }).count == loaded.count - 1, loaded.first ?? 0 > 2 {
                state.carPhases = 1
            } else if active >= 2 {
                state.carPhases = 3
            }
        } else {
            state.carPhases = 1
        }
        let drawing = loaded.prefix(state.carPhases).max() ?? 0
        guard let sent = state.sent, let sentAt = state.sentAt else { return }
        // Only a report taken once the limit in force had time to apply says how the car and charger treat it; an
        // older one (meter values come seldom) says nothing about the limit it has now.
        let reportAge = state.reportAt.map { $0.timeIntervalSince(state.changedAt ?? sentAt) } ?? -1
        // Reclaim: a car clearly below its offer for a while is counted at what it draws, plus room to rise.
        if let limit = state.carLimit, drawing >= limit - 0.5 {
            state.carLimit = nil
            state.reclaimSince = nil
        } else if reportAge < Self.settleTime {
            // Nothing new to judge by.
        } else if drawing < sent - 2, sent > 0 {
            state.reclaimSince = state.reclaimSince ?? now
            if let since = state.reclaimSince, now.timeIntervalSince(since) >= settings.reclaimAfter.seconds {
                state.carLimit = max(settings.minCurrent, (drawing + 1).rounded(.up))
            }
        } else if state.carLimit == nil {
            state.reclaimSince = nil
        }
        // Over-draw: well above the limit once the charger has had time to apply it.
        if reportAge >= Self.applyTime, drawing > sent + Self.overdrawTolerance {
            state.overdrawSince = state.overdrawSince ?? now
            if let since = state.overdrawSince, now.timeIntervalSince(since) >= Self.applyTime { state.overdrawing = true }
        } else if drawing <= sent + 1 {
            state.overdrawSince = nil
            state.overdrawing = false
        }
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
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
