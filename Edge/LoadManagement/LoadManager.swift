import Foundation

/// Shares the current a site can spend among the cars charging there: a pure function of a ``SiteSnapshot``,
/// with no I/O and no state, so it can be property-tested, simulated and benchmarked.
///
/// Each car's allocation (A per phase) loads the grid phases its charger's phases are wired to (phase
/// rotation), and, when the site has a power limit, that limit once per phase it draws on. Within a class of
/// cars the allocation is water-filled: everyone rises together until the car or charger takes no more, or
/// one of the phases it loads is full. Classes are served in turn (one class for `equal`, one per priority for
/// `priority`, one per car in start order for `fifo`). A car that cannot get the minimum current is paused,
/// the least entitled first; entitlement rotates, so paused cars get their turn after `rotationInterval`.
/// One pass, O(n log n): 1,000 connectors well under a millisecond (`gridside-bench allocate`).
public enum LoadManager {
    public static func allocate(_ site: SiteSnapshot) -> [Allocation] {
        var allocations = site.connectors.map { Allocation(key: $0.key, current: 0, reason: .idle) }
        if site.mode == .off {
            for (index, connector) in site.connectors.enumerated() where connector.session != nil {
                allocations[index] = Allocation(key: connector.key, current: cap(of: connector, minimum: 0), reason: .unmanaged)
            }
        } else {
            for (index, allocation) in Plan(site: site).solve() { allocations[index] = allocation }
        }
        return allocations
    }

    /// The most a connector's car can be offered: the charger's maximum, and the car's own limit when known,
    /// but never below the minimum (a car offered the minimum simply takes less); and never above the session's
    /// requested limit (below the minimum, the car is paused).
    static func cap(of connector: ConnectorLoad, minimum: Double) -> Double {
        let car = connector.session?.carLimit ?? connector.maxCurrent
        let cap = min(connector.maxCurrent, car)
        let offered = connector.maxCurrent >= minimum ? max(cap, minimum) : cap
        return min(offered, max(0, connector.session?.requestedLimit ?? .infinity))
    }
}

/// One allocation problem: the cars in order of entitlement, the constraints they load, the budgets.
struct Plan {
    /// A car as the solver sees it.
    struct Car {
        /// Where the connector is in the snapshot.
        let input: Int
        let key: ConnectorKey
        let cap: Double
        /// Constraint indices this car loads, with how many A of the constraint one A of allocation costs.
        let usage: [(constraint: Int, weight: Double)]
        /// Served together with the cars of the same class; lower classes come first.
        let serviceClass: Int
    }

    let cars: [Car]  // most entitled first
    let budgets: [Double]
    let minimum: Double
    static let epsilon = 1e-9

    init(site: SiteSnapshot) {
        minimum = site.minimumCurrent
        let usable = site.grid.phaseLimit - site.grid.margin
        var budgets = (0..<3).map { phase -> Double in
            switch site.mode {
            // In fixed mode the "building load" is what the cars' share must carry besides them (chargers that
            // cannot be steered); in dynamic mode, the building's own load too.
            case .fixed(let perPhase): min(perPhase, usable) - (phase < site.buildingLoad.count ? site.buildingLoad[phase] : 0)
            case .dynamic: usable - (phase < site.buildingLoad.count ? site.buildingLoad[phase] : 0)
            case .off: usable
            }
        }
        if let power = site.grid.powerLimit {
            // In A at the phase voltage, like the phases; the building's own load uses part of it too.
            let building = site.mode == .dynamic ? site.buildingLoad.prefix(3).reduce(0, +) : 0
            budgets.append(power / site.grid.voltage - building)
        }
        self.budgets = budgets.map { max(0, $0) }

        let ordered = site.connectors.indices.filter { site.connectors[$0].session != nil }
            .map { (input: $0, key: Plan.entitlementKey(site.connectors[$0], input: $0, site: site)) }
            .sorted { $0.key < $1.key }
        var fifoRank = 0
        cars = ordered.map { entry in
            let connector = site.connectors[entry.input]
            var usage = connector.loadedPhases.map { (constraint: $0, weight: 1.0) }
            if site.grid.powerLimit != nil { usage.append((constraint: 3, weight: Double(connector.loadedPhases.count))) }
            let serviceClass: Int
            switch site.strategy {
            case .equal: serviceClass = 0
            case .priority: serviceClass = -connector.priority
            case .fifo:
                serviceClass = fifoRank
                fifoRank += 1
            }
            return Car(
                input: entry.input, key: connector.key, cap: LoadManager.cap(of: connector, minimum: site.minimumCurrent),
                usage: usage, serviceClass: serviceClass)
        }
    }

    /// Entitlement order, as a key that sorts most entitled first: class first (priority, or start order for
    /// `fifo`); then, within a class, cars whose turn is young, then paused cars (longest waiting first), then
    /// cars that have had a full turn (the longest charging last, so it is paused first).
    struct EntitlementKey: Comparable {
        let serviceRank: Double
        let group: Int
        let time: Double
        /// Last resort, so equal cars keep the snapshot's order.
        let input: Int

        static func < (a: Self, b: Self) -> Bool {
            (a.serviceRank, a.group, a.time, a.input) < (b.serviceRank, b.group, b.time, b.input)
        }
    }

    static func entitlementKey(_ connector: ConnectorLoad, input: Int, site: SiteSnapshot) -> EntitlementKey {
        let session = connector.session!
        let serviceRank: Double =
            switch site.strategy {
            case .priority: Double(-connector.priority)
            case .fifo: session.startedAt.timeIntervalSince1970
            case .equal: 0
            }
        let since = session.since.timeIntervalSince1970
        let group = session.paused ? 1 : (site.now.timeIntervalSince(session.since) < site.rotationInterval ? 0 : 2)
        return EntitlementKey(serviceRank: serviceRank, group: group, time: group == 2 ? -since : since, input: input)
    }

    /// Serves the classes in turn. Within a class, cars are admitted in order of entitlement while every
    /// constraint they load can still give them the minimum; the admitted cars are water-filled, which gives
    /// each at least the minimum (the filling is max-min fair, and the minimum for all of them fits). The
    /// others are paused. One pass, O(n log n).
    func solve() -> [(input: Int, allocation: Allocation)] {
        var currents = [Double](repeating: 0, count: cars.count)
        var reasons = [AllocationReason](repeating: .paused, count: cars.count)
        var remaining = budgets
        var start = 0
        while start < cars.count {
            var end = start
            while end < cars.count, cars[end].serviceClass == cars[start].serviceClass { end += 1 }
            var spare = remaining
            var admitted: [Int] = []
            for index in start..<end where cars[index].cap >= minimum - Self.epsilon {
                let fits = cars[index].usage.allSatisfy { spare[$0.constraint] + Self.epsilon >= minimum * $0.weight }
                guard fits else { continue }
                for use in cars[index].usage { spare[use.constraint] -= minimum * use.weight }
                admitted.append(index)
            }
            waterFill(admitted, remaining: &remaining, currents: &currents, reasons: &reasons)
            start = end
        }
        return cars.indices.map {
            (input: cars[$0].input, allocation: Allocation(key: cars[$0].key, current: currents[$0], reason: reasons[$0]))
        }
    }

    /// Progressive filling: all unfrozen cars rise together; a car freezes at its cap, or with every other car
    /// on a constraint when that constraint is full. O(n log n) with a handful of constraints.
    private func waterFill(
        _ members: [Int], remaining: inout [Double], currents: inout [Double], reasons: inout [AllocationReason]
    ) {
        var frozenUse = [Double](repeating: 0, count: remaining.count)
        var unfrozenWeight = [Double](repeating: 0, count: remaining.count)
        var isUnfrozen = [Bool](repeating: false, count: cars.count)
        for index in members { isUnfrozen[index] = true }
        var unfrozenCount = members.count
        for index in members { for use in cars[index].usage { unfrozenWeight[use.constraint] += use.weight } }
        let byCap = members.sorted { cars[$0].cap < cars[$1].cap }
        var next = 0
        var level = 0.0
        while unfrozenCount > 0 {
            while next < byCap.count, !isUnfrozen[byCap[next]] { next += 1 }
            var saturating: Int?
            var saturationLevel = Double.infinity
            for constraint in remaining.indices where unfrozenWeight[constraint] > Self.epsilon {
                let levelHere = (remaining[constraint] - frozenUse[constraint]) / unfrozenWeight[constraint]
                if levelHere < saturationLevel {
                    saturationLevel = levelHere
                    saturating = constraint
                }
            }
            let capLevel = next < byCap.count ? cars[byCap[next]].cap : Double.infinity
            if capLevel <= saturationLevel {
                let index = byCap[next]
                freeze(index, at: capLevel, reason: .limitedByCharger)
            } else if let constraint = saturating {
                level = max(level, saturationLevel)
                for index in members where isUnfrozen[index] && cars[index].usage.contains(where: { $0.constraint == constraint })
                {
                    freeze(index, at: max(0, level), reason: .limitedByGrid)
                }
            } else {
                break
            }
        }
        for index in members { for use in cars[index].usage { remaining[use.constraint] -= currents[index] * use.weight } }

        func freeze(_ index: Int, at current: Double, reason: AllocationReason) {
            currents[index] = current
            reasons[index] = reason
            isUnfrozen[index] = false
            unfrozenCount -= 1
            for use in cars[index].usage {
                frozenUse[use.constraint] += current * use.weight
                unfrozenWeight[use.constraint] -= use.weight
            }
        }
    }
}
