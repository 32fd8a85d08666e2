/// How a charger's phases are wired to the grid's, written as installers write it: `L1L2L3` (straight),
/// `L2L3L1` or `L3L1L2` (rotated three-phase), `L2` (a single-phase charger on grid phase L2).
public enum PhaseRotation {
    /// The grid phase (0, 1, 2 for L1, L2, L3) of each of the charger's phases, in the charger's order:
    /// "L2L3L1" → [1, 2, 0]. Nil when the text names an unknown phase or one twice.
    public static func gridPhases(_ text: String) -> [Int]? {
        let upper = text.uppercased()
        let parts = upper.split(separator: "L", omittingEmptySubsequences: true)
        let phases = parts.compactMap { Int($0) }.map { $0 - 1 }
        guard upper.hasPrefix("L"), !phases.isEmpty, phases.count == parts.count, phases.allSatisfy({ (0...2).contains($0) }),
            Set(phases).count == phases.count
        else { return nil }
        return phases
    }
}
