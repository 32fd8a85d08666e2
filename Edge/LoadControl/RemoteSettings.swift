public import EdgeConfig
public import LoadManagement
public import SyncContract

/// The load-management settings in effect: the grid connection and how its capacity is shared.
public struct ActiveLoadSettings: Sendable, Equatable {
    public var grid: EdgeConfiguration.Grid?
    public var loadManagement: EdgeConfiguration.LoadManagement

    public init(grid: EdgeConfiguration.Grid?, loadManagement: EdgeConfiguration.LoadManagement) {
        self.grid = grid
        self.loadManagement = loadManagement
    }

    /// Every field, as the edge answers a change.
    public var described: LoadSettings {
        let (mode, staticCurrent): (String, Double?) =
            switch loadManagement.mode {
            case .off: ("off", nil)
            case .static(let current): ("static", current)
            case .dynamic: ("dynamic", nil)
            }
        return LoadSettings(
            mode: mode, staticCurrentA: staticCurrent, strategy: loadManagement.strategy.rawValue, gridLimitA: grid?.limit,
            failsafeCurrentA: loadManagement.failsafeCurrent, minCurrentA: loadManagement.minCurrent)
    }

    /// These settings with `change` applied, checked as `gridside-edge check` checks edge.yaml; every problem is
    /// named by its field.
    ///
    /// - Parameters:
    ///   - hasMeter: whether the site has a meter (dynamic mode needs one).
    ///   - fuse: the main fuse the installer wrote in edge.yaml: the cloud may lower the grid limit, never raise
    ///     it above that.
    ///   - failsafe: the failsafe current the installer wrote in edge.yaml, sized for the fuse with every charger at
    ///     it at once: the cloud may lower it, never raise it above that.
    public func applying(
        _ change: LoadSettings, hasMeter: Bool, fuse: Double, failsafe: Double
    ) -> Result<ActiveLoadSettings, LoadSettingsRejected> {
        var problems = change.problems
        var next = self
        guard loadManagement.mode != .off, var grid else {
            return .failure(
                LoadSettingsRejected(problems: [
                    "load management is off on this site: it is turned on in the edge's edge.yaml (load_management.mode)"
                ]))
        }
        // Out-of-range values are in `problems` already; what is left to check depends on this site.
        if let limit = change.gridLimitA, LoadSettings.gridLimitRange.contains(limit) {
            if limit > fuse {
                problems.append("gridLimitA: may not be above the main fuse in the edge's edge.yaml (\(fuse) A)")
            } else {
                grid.limit = limit
            }
        }
        if let current = change.failsafeCurrentA, LoadSettings.failsafeCurrentRange.contains(current) {
            if current > failsafe {
                problems.append(
                    "failsafeCurrentA: may not be above the failsafe current in the edge's edge.yaml (\(failsafe) A), "
                        + "which is sized for the fuse with every charger at it")
            } else {
                next.loadManagement.failsafeCurrent = current
            }
        }
        if let strategy = change.strategy.flatMap(EdgeConfiguration.LoadManagement.Strategy.init(rawValue:)) {
            next.loadManagement.strategy = strategy
        }
        let currentStatic: Double? = if case .static(let current) = loadManagement.mode { current } else { nil }
        switch change.mode ?? (currentStatic == nil ? "dynamic" : "static") {
        case "static":
            if let current = change.staticCurrentA ?? currentStatic {
                if LoadSettings.staticCurrentRange.contains(current) {
                    next.loadManagement.mode = .static(currentPerPhase: current)
                }
            } else {
                problems.append("staticCurrentA: is required to switch to mode static")
            }
        case "dynamic":
            if change.staticCurrentA != nil, change.mode == nil {
                problems.append("staticCurrentA: applies only with mode static")
            }
            if hasMeter {
                next.loadManagement.mode = .dynamic
            } else {
                problems.append("mode: dynamic load management needs a meter, and this site's edge.yaml has none")
            }
        default:
            break  // an unknown mode is in `problems` already
        }
        next.grid = grid
        let settings = next.loadManagement
        if settings.failsafeCurrent > 0, settings.failsafeCurrent < settings.minCurrent {
            problems.append(
                "failsafeCurrentA: must be 0 (pause every car) or at least the minimum current (\(settings.minCurrent) A)")
        }
        if case .static(let current) = settings.mode, current > grid.limit {
            problems.append("staticCurrentA: is above the main fuse (\(grid.limit) A)")
        }
        if grid.margin >= grid.limit { problems.append("gridLimitA: leaves nothing above the margin (\(grid.margin) A)") }
        return problems.isEmpty ? .success(next) : .failure(LoadSettingsRejected(problems: problems))
    }
}

/// Why a change of load-management settings was refused, each problem named by its field.
public struct LoadSettingsRejected: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "; ") }
}
