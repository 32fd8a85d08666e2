import Foundation

extension LoadPlanner {
    /// The load manager's allocation, with the pause hysteresis: a paused car resumes only with room for the
    /// minimum plus the hysteresis (unless its turn has come), so a car does not flap between paused and charging
    /// on noise in the meter. A car held back leaves `snapshot` without its session.
    func allocateHoldingPausedCars(_ snapshot: inout SiteSnapshot) -> [Allocation] {
        let allocations = LoadManager.allocate(snapshot)
        let before = snapshot
        var anyHeld = false
        for (index, allocation) in allocations.enumerated() {
            guard let session = snapshot.connectors[index].session, session.paused, allocation.current > 0,
                allocation.current < settings.minCurrent + settings.hysteresis,
                snapshot.now.timeIntervalSince(session.since) < settings.rotationInterval.seconds
            else { continue }
            snapshot.connectors[index].session = nil
            anyHeld = true
        }
        guard anyHeld else { return allocations }
        return LoadManager.allocate(snapshot).enumerated().map { index, allocation in
            snapshot.connectors[index].session == nil && before.connectors[index].session != nil
                ? Allocation(key: allocation.key, current: 0, reason: .paused) : allocation
        }
    }

    /// A charger that has not confirmed its last limit may still be at the one before (or anywhere up to its
    /// maximum): the others are allocated around that, while it keeps being sent its allocation. What it may draw
    /// is added to `building`.
    func allocateAroundUnconfirmed(
        _ allocations: [Allocation], snapshot: SiteSnapshot, loads: [ConnectorLoad], building: inout [Double]
    ) -> [Allocation] {
        let unconfirmed = loads.indices.filter { loads[$0].session != nil && states[loads[$0].key]?.unconfirmed == true }
        guard !unconfirmed.isEmpty else { return allocations }
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
        return allocations.indices.map { unconfirmed.contains($0) ? allocations[$0] : others[$0] }
    }

    /// Room left on each grid phase once the cars have their share, for the connectors without a car.
    func freeCapacity(loads: [ConnectorLoad], allocations: [Allocation], building: [Double]) -> [Double] {
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
        return grid.phases == 1 ? [free[0], 0, 0] : free
    }

    /// Each connector's target and reason, and the orders that move the chargers towards them.
    mutating func decide(
        _ input: PlannerInput, allocations: [Allocation], free freeForCars: [Double], failsafe: Bool, overloaded: Set<Int>
    ) -> (orders: [LimitOrder], decisions: [ConnectorDecision]) {
        let now = input.now
        var free = freeForCars
        var orders: [LimitOrder] = []
        var decisions: [ConnectorDecision] = []
        for (index, connector) in input.connectors.enumerated() {
            var state = states[connector.key]!
            guard connector.connected else {
                decisions.append(
                    ConnectorDecision(
                        key: connector.key, allocated: 0, sent: state.sent, reason: .offline, drawing: nil, reclaimedAt: nil,
                        overdrawing: false, carPhases: state.carPhases))
                continue
            }
            var reason: ConnectorReason = failsafe ? .failsafe : ConnectorReason(allocations[index].reason)
            var target: Double
            if failsafe {
                // Down to the failsafe, never up on data that is stale: a paused car stays paused.
                target = min(settings.failsafeCurrent, connector.wiring.maxCurrent, state.sent ?? settings.failsafeCurrent)
                if let requested = state.requested, connector.transactionId != nil {
                    target = min(target, requested < settings.minCurrent ? 0 : requested)
                }
            } else if connector.transactionId != nil {
                target = allocations[index].current
            } else {
                // An idle connector may let a new car start at the minimum when its phases have room for it.
                // Each one claims it, so several cars starting at once still fit.
                let phases = connector.wiring.gridPhases
                target = phases.allSatisfy { free[$0] >= settings.minCurrent } ? settings.minCurrent : 0
                for phase in phases { free[phase] -= target }
                reason = .idle
            }
            if settings.mode == .off { target = connector.wiring.maxCurrent }
            let loaded =
                connector.transactionId == nil
                ? connector.wiring.gridPhases : Array(connector.wiring.gridPhases.prefix(state.carPhases))
            if let sent = state.sent, target > sent, loaded.contains(where: overloaded.contains) {
                // The meter shows a phase of this car over the limit: whatever the estimate says, it is not raised.
                target = sent
                reason = .limitedByGrid
            }
            if let requested = state.requested, connector.transactionId != nil, !failsafe,
                target >= requested - 0.05
                    || (requested < settings.minCurrent && target == 0)
            {
                reason = .limitedByRequest
            }
            if state.overdrawing { reason = .overdrawing }
            let paused = connector.transactionId != nil && target == 0
            if paused != state.paused {
                state.paused = paused
                state.since = now
            }
            if !connector.controllable { reason = .notControllable }
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
                    overdrawing: state.overdrawing, carPhases: state.carPhases, requested: state.requested))
        }
        return (orders, decisions)
    }

    /// Whether, and what, to send a connector: decreases at once, increases ramped and only past the hysteresis,
    /// a new transaction's profile, and a lease renewal halfway through its validity.
    func order(for connector: ConnectorInput, target: Double, state: ControlState, now: Date) -> LimitOrder? {
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
}
