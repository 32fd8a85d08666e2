public import SiteModel

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

    /// The modes a change may set (off is the installer's, in edge.yaml).
    public static let modes = ["static", "dynamic"]
    /// The strategies, as edge.yaml names them.
    public static let strategies = ["equal", "fifo", "priority"]
    /// The ranges of the currents, in A.
    public static let staticCurrentRange = 0.0...4000
    public static let gridLimitRange = 6.0...4000
    public static let failsafeCurrentRange = 0.0...80

    /// What is wrong with these settings on their face (an unknown mode or strategy, a current out of range), each
    /// named by its field. The cloud refuses such a change before sending it; the edge checks again, then checks
    /// what depends on its site (its meter, its fuse, its minimum current).
    public var problems: [String] {
        var problems: [String] = []
        if let mode, !Self.modes.contains(mode) {
            problems.append("mode: must be static or dynamic, got \"\(mode)\" (off is set in the edge's edge.yaml)")
        }
        if let strategy, !Self.strategies.contains(strategy) {
            problems.append("strategy: must be one of equal, fifo, priority, got \"\(strategy)\"")
        }
        for (name, value, range) in [
            ("staticCurrentA", staticCurrentA, Self.staticCurrentRange), ("gridLimitA", gridLimitA, Self.gridLimitRange),
            ("failsafeCurrentA", failsafeCurrentA, Self.failsafeCurrentRange),
        ] {
            if let value, !range.contains(value) {
                problems.append(
                    "\(name): must be \(Self.amps(range.lowerBound)) to \(Self.amps(range.upperBound)) A, got \(Self.amps(value))"
                )
            }
        }
        if mode == "dynamic", staticCurrentA != nil { problems.append("staticCurrentA: applies only with mode static") }
        return problems
    }

    /// `6`, `7.5`: a current as people write it.
    private static func amps(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
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

/// An operator's verdict on a station that booted as pending (or a change of mind): the payload of a
/// ``CommandRequest`` whose action is ``StationApprovalChange/action`` and whose station is the one judged. The
/// edge answers with the same payload once it is in effect.
public struct StationApprovalChange: Codable, Sendable, Equatable {
    /// The action name of the command that carries it.
    public static let action = "SetStationApproval"

    /// `accepted` (it may charge) or `rejected` (it is disconnected and refused from now on); anything else is
    /// refused by the edge.
    public var approval: OpenEnum<Approval>

    public init(approval: OpenEnum<Approval>) { self.approval = approval }

    /// What an operator may decide: `pending` is where a station waits, not a decision.
    public static let decisions: [Approval] = [.accepted, .rejected]
}
