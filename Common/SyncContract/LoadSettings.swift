/// A site's load-management settings as the cloud changes them: the payload of a ``CommandRequest`` whose
/// action is ``LoadSettings/action`` and whose station is empty (the command is for the site's edge itself).
///
/// In a change, only the fields given change; the edge answers with every field, as now in effect.
/// Turning load management on or off is not among them: that is the installer's decision, in `edge.yaml`.
public struct LoadSettings: Codable, Sendable, Equatable {
    /// The action name of the command that carries these settings.
    public static let action = "SetLoadManagement"

    /// `static` (a fixed current per phase shared among the cars) or `dynamic` (what the building leaves).
    public var mode: String?
    /// The current per phase shared in `static` mode, in A.
    public var staticCurrentA: Double?
    /// `equal`, `fifo` or `priority`.
    public var strategy: String?
    /// The main fuse per phase, in A.
    public var gridLimitA: Double?
    /// What every car gets while the meter is unreadable or the edge is gone, in A (0 pauses them).
    public var failsafeCurrentA: Double?
    /// The least a car can charge with, in A (read only: answered, not changed).
    public var minCurrentA: Double?

    public init(
        mode: String? = nil, staticCurrentA: Double? = nil, strategy: String? = nil, gridLimitA: Double? = nil,
        failsafeCurrentA: Double? = nil, minCurrentA: Double? = nil
    ) {
        self.mode = mode
        self.staticCurrentA = staticCurrentA
        self.strategy = strategy
        self.gridLimitA = gridLimitA
        self.failsafeCurrentA = failsafeCurrentA
        self.minCurrentA = minCurrentA
    }

    /// These settings with every field that `newer` gives replaced.
    public func merging(_ newer: LoadSettings) -> LoadSettings {
        LoadSettings(
            mode: newer.mode ?? mode, staticCurrentA: newer.staticCurrentA ?? staticCurrentA,
            strategy: newer.strategy ?? strategy,
            gridLimitA: newer.gridLimitA ?? gridLimitA, failsafeCurrentA: newer.failsafeCurrentA ?? failsafeCurrentA,
            minCurrentA: newer.minCurrentA ?? minCurrentA)
    }
}
