public import Foundation

/// What a building meter measured at one moment, in base units: A, V, W and Wh. Per-phase arrays hold L1, L2,
/// L3; a value the meter does not provide is nil.
public struct MeterMeasurement: Sendable, Equatable {
    public var current: [Double?]
    public var voltage: [Double?]
    public var power: [Double?]
    public var totalPower: Double?
    public var importEnergy: Double?
    public var takenAt: Date

    public init(
        current: [Double?] = [nil, nil, nil], voltage: [Double?] = [nil, nil, nil], power: [Double?] = [nil, nil, nil],
        totalPower: Double? = nil, importEnergy: Double? = nil, takenAt: Date
    ) {
        self.current = current
        self.voltage = voltage
        self.power = power
        self.totalPower = totalPower
        self.importEnergy = importEnergy
        self.takenAt = takenAt
    }

    /// The current on each phase as the fuse sees it (its magnitude: exported current heats a fuse too), or nil
    /// when the meter gives no current for a phase.
    public var phaseCurrents: [Double?] { current.map { $0.map(abs) } }
}

/// Rejects readings no real meter gives: they would make the load manager raise currents on nonsense.
public struct Plausibility: Sendable {
    /// The main fuse in A; a current far above it is a bad reading, not a real one.
    public var fuse: Double

    public init(fuse: Double) { self.fuse = fuse }

    /// Nil when `measurement` is plausible after `previous`; otherwise what is wrong with it.
    public func problem(with measurement: MeterMeasurement, after previous: MeterMeasurement?) -> String? {
        let all: [(String, Double?)] =
            measurement.current.enumerated().map { ("current L\($0.offset + 1)", $0.element) }
            + measurement.voltage.enumerated().map { ("voltage L\($0.offset + 1)", $0.element) }
            + measurement.power.enumerated().map { ("power L\($0.offset + 1)", $0.element) }
            + [("total power", measurement.totalPower), ("import energy", measurement.importEnergy)]
        for case (let name, let value?) in all where !value.isFinite {
            return "\(name) is not a number (\(value))"
        }
        for (index, value) in measurement.current.enumerated() {
            if let value, abs(value) > max(10 * fuse, 100) {
                return "current L\(index + 1) of \(Self.format(value)) A is far above the \(Self.format(fuse)) A fuse"
            }
        }
        for (index, value) in measurement.voltage.enumerated() {
            if let value, value < 0 || value > 1000 {
                return "voltage L\(index + 1) of \(Self.format(value)) V is outside 0–1000 V"
            }
        }
        if let energy = measurement.importEnergy {
            if energy < 0 { return "import energy of \(Self.format(energy)) Wh is negative" }
            if let before = previous?.importEnergy, energy < before - 1 {
                return "import energy went back from \(Self.format(before)) Wh to \(Self.format(energy)) Wh"
            }
        }
        return nil
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
