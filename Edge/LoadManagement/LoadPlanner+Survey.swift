import Foundation
import Meters

/// What the cars draw on each grid phase, as bounds: meter values come seldom, so a car's draw is known only
/// within a range after a new limit.
struct PhaseDraws {
    /// The least and the most the cars may draw now.
    var low = [0.0, 0.0, 0.0]
    var high = [0.0, 0.0, 0.0]
    /// The least they may draw if none has risen since its last report: what is taken when the grid is over.
    var floor = [0.0, 0.0, 0.0]
    /// What is spoken for beyond the limits: chargers that ignore theirs, or cannot be steered, or are out of reach.
    var overdraw = [0.0, 0.0, 0.0]
}

extension LoadPlanner {
    /// Whether the cycle runs on the failsafe: in dynamic mode, with no reading of every phase within the timeout.
    func isFailsafe(_ input: PlannerInput) -> Bool {
        guard case .dynamic = settings.mode else { return false }
        guard let meter = input.meter else { return true }
        return input.now.timeIntervalSince(meter.takenAt) > settings.meterTimeout.seconds
            || (0..<grid.phases).contains { meter.phaseCurrents[$0] == nil }
    }

    var loadMode: LoadMode {
        switch settings.mode {
        case .off: .off
        case .static(let current): .fixed(currentPerPhase: current)
        case .dynamic: .dynamic
        }
    }

    /// Each connector as the allocation sees it, and what the cars draw: learns from the latest reports (phases,
    /// reclaim, over-draw) and budgets what cannot be steered.
    mutating func survey(_ connectors: [ConnectorInput], now: Date) -> (loads: [ConnectorLoad], draws: PhaseDraws) {
        var loads: [ConnectorLoad] = []
        var draws = PhaseDraws()
        for connector in connectors {
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
            state.requested =
                connector.transactionId == nil
                ? nil : connector.requested?.current(phases: state.carPhases, voltage: grid.voltage)
            defer { states[connector.key] = state }
            if !connector.connected {
                // Out of reach: it goes on under its last limit until the lease ends, then under the failsafe.
                // The grid meter sees its draw; the budget replaces it.
                let leaseValid = state.sentAt.map { now.timeIntervalSince($0) < settings.leaseDuration.seconds } ?? false
                let budget =
                    leaseValid
                    ? (state.sent ?? connector.wiring.maxCurrent)
                    : (connector.transactionId != nil ? min(settings.failsafeCurrent, connector.wiring.maxCurrent) : 0)
                for phase in connector.wiring.gridPhases.prefix(state.carPhases) {
                    draws.low[phase] += budget
                    draws.high[phase] += budget
                    draws.floor[phase] += budget
                    draws.overdraw[phase] += budget
                }
                loads.append(
                    ConnectorLoad(
                        key: connector.key, maxCurrent: connector.wiring.maxCurrent, gridPhases: connector.wiring.gridPhases))
                continue
            }
            if !connector.controllable, connector.transactionId != nil {
                // Nothing to steer: whatever it may draw is spoken for.
                for phase in connector.wiring.gridPhases { draws.overdraw[phase] += connector.wiring.maxCurrent }
            }
            let draw = drawBounds(connector, state: state, measured: measured, now: now)
            for (index, phase) in connector.wiring.gridPhases.enumerated() where index < draw.high.count {
                draws.low[phase] += draw.low[index]
                draws.high[phase] += draw.high[index]
                draws.floor[phase] += draw.floor[index]
                if state.overdrawing, let sent = state.sent, let measured, index < measured.count {
                    draws.overdraw[phase] += max(0, measured[index] - sent)
                }
            }
            loads.append(
                ConnectorLoad(
                    key: connector.key, maxCurrent: connector.wiring.maxCurrent, gridPhases: connector.wiring.gridPhases,
                    priority: connector.wiring.priority,
                    session: connector.transactionId.flatMap { _ in
                        guard connector.controllable else { return nil }
                        return
                            ConnectorLoad.Session(
                                startedAt: connector.startedAt ?? now, carPhases: state.carPhases, carLimit: state.carLimit,
                                paused: state.paused, since: state.since, requestedLimit: state.requested)
                    }))
        }
        return (loads, draws)
    }

    /// The building's own load per grid phase, and the phases the grid meter shows over the usable limit.
    mutating func estimateBuilding(
        _ input: PlannerInput, draws: PhaseDraws, failsafe: Bool
    ) -> (building: [Double], overloaded: Set<Int>) {
        var building = [0.0, 0.0, 0.0]
        var overloaded = Set<Int>()
        guard case .dynamic = settings.mode, let meter = input.meter, !failsafe else {
            buildingEstimate = nil
            return (building, overloaded)
        }
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
                building[phase] = max(0, metered - draws.floor[phase])
                continue
            }
            // A grid meter sees the building and the cars together. The building draws at least what is left
            // with every car at the most it may draw now, and at most what is left with every car at the least:
            // the estimate moves only as far as the reading forces it out of that range. So a car's own rise
            // (seen by the grid meter before the car reports it) is not taken for the building, nor its cut
            // for a building that fell; and with every car known, the estimate follows the meter at once, up
            // and down.
            let lowest = max(0, metered - draws.high[phase])
            let highest = max(0, metered - draws.low[phase])
            let previous = buildingEstimate?[phase] ?? highest
            building[phase] = min(max(previous, lowest), highest)
        }
        buildingEstimate = input.meterRole == .grid ? building : nil
        return (building, overloaded)
    }

    /// The least and the most a car may draw now on each of its charger's phases. Meter values come seldom (often
    /// once a minute), so after a new limit the last measurement may predate it: the car is then expected to follow
    /// its new limit (or, if it last reported clearly less than the limit it had then, to stay where it was); while
    /// it applies a cut (`settleTime`) it may still draw the limit before; and until a report taken after the
    /// change comes in, or `confirmTime` has passed, it may still be anywhere between where it last reported and
    /// the limits of the latest changes. Without a limit of the edge's in force, it draws what it last reported.
    func drawBounds(
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

    /// Learns from what the car draws: how many phases it uses, whether it takes less than offered (reclaim),
    /// and whether its charger ignores the limit (over-draw).
    func learn(_ state: inout ControlState, measured: [Double], wiring: ChargerWiring, now: Date) {
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
}
