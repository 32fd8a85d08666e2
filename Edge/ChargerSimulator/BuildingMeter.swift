public import Foundation
public import Meters
import Synchronization

/// What every simulated charger draws on each grid phase, for the building meter.
public final class SiteLoad: Sendable {
    private let draws = Mutex<[String: [Double]]>([:])

    public init() {}

    func set(_ grid: [Double], station: String) { draws.withLock { $0[station] = grid } }

    /// A per grid phase, all chargers together.
    public var total: [Double] {
        draws.withLock { draws in
            draws.values.reduce(into: [0.0, 0.0, 0.0]) { sum, draw in for phase in 0..<3 { sum[phase] += draw[phase] } }
        }
    }
}

/// The building's own load over time, in A per phase.
public enum BuildingLoad: Sendable {
    /// A base load with a slow swing and a little noise: an office through a (fast) day.
    case curve(base: [Double], swing: Double, period: TimeInterval)
    /// Fixed steps: from each offset (seconds since start) on, the given load.
    case steps([(at: TimeInterval, load: [Double])])

    func load(at elapsed: TimeInterval) -> [Double] {
        switch self {
        case .curve(let base, let swing, let period):
            let wave = (1 - cos(2 * .pi * elapsed / period)) / 2
            return base.enumerated().map { index, value in
                max(0, value + swing * wave * (1 - 0.15 * Double(index)) + Double.random(in: -0.3...0.3))
            }
        case .steps(let steps):
            return steps.last { $0.at <= elapsed }?.load ?? [0, 0, 0]
        }
    }
}

/// A grid meter at the site's connection: the building's load plus every simulated car, per phase, as an SDM630
/// would measure it. It can be told to die (stop answering) after a while.
public final class BuildingMeter: Sendable {
    let building: BuildingLoad
    let siteLoad: SiteLoad
    let voltage: Double
    let diesAfter: TimeInterval?
    let started: Date
    private let energy = Mutex<(wh: Double, at: Date)>((12_000_000, Date()))

    public init(building: BuildingLoad, siteLoad: SiteLoad, voltage: Double = 230, diesAfter: TimeInterval? = nil) {
        self.building = building
        self.siteLoad = siteLoad
        self.voltage = voltage
        self.diesAfter = diesAfter
        started = Date()
    }

    /// The reading now, or nil once the meter has died.
    public func measurement() -> MeterMeasurement? {
        let now = Date()
        let elapsed = now.timeIntervalSince(started)
        if let diesAfter, elapsed >= diesAfter { return nil }
        let cars = siteLoad.total
        let base = building.load(at: elapsed)
        let currents = (0..<3).map { base[$0] + cars[$0] }
        let powers = currents.map { $0 * voltage }
        let total = powers.reduce(0, +)
        let wh = energy.withLock { state -> Double in
            state.wh += total * now.timeIntervalSince(state.at) / 3600
            state.at = now
            return state.wh
        }
        return MeterMeasurement(
            current: currents, voltage: [voltage, voltage, voltage], power: powers, totalPower: total, importEnergy: wh,
            takenAt: now)
    }
}
