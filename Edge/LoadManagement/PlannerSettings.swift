public import Foundation

/// A charger's electrical connection (`edge.yaml`'s `stations:`; unlisted stations get the defaults).
public struct ChargerWiring: Sendable, Equatable {
    /// The most the charger delivers, in A per phase (its own limit or its breaker's, whichever is lower).
    public var maxCurrent: Double
    /// The grid phase (0, 1, 2 for L1, L2, L3) each of the charger's phases is wired to, in the charger's order.
    public var gridPhases: [Int]
    /// Higher is served first by the `priority` strategy.
    public var priority: Int

    public init(maxCurrent: Double = 32, gridPhases: [Int] = [0, 1, 2], priority: Int = 0) {
        self.maxCurrent = maxCurrent
        self.gridPhases = gridPhases
        self.priority = priority
    }
}

/// The site's connection to the grid.
public struct GridSettings: Sendable, Equatable {
    /// 1 or 3.
    public var phases: Int
    /// Phase-to-neutral voltage.
    public var voltage: Double
    /// The main fuse, in A per phase.
    public var limit: Double
    /// An optional limit on the total power, in kW.
    public var limitKW: Double?
    /// Current kept free on every phase, in A.
    public var margin: Double

    public init(phases: Int = 3, voltage: Double = 230, limit: Double, limitKW: Double? = nil, margin: Double = 0) {
        self.phases = phases
        self.voltage = voltage
        self.limit = limit
        self.limitKW = limitKW
        self.margin = margin
    }
}

/// How the edge shares the grid connection among the cars.
public struct LoadManagementSettings: Sendable, Equatable {
    public var mode: Mode
    public var strategy: Strategy
    /// The least current a car is offered (IEC 61851: 6 A); below it, the car is paused.
    public var minCurrent: Double
    /// What every connector falls back to when the meter is unreadable, and (through a default charging
    /// profile) when the edge itself stops.
    public var failsafeCurrent: Double
    /// How old the latest meter reading may be before the failsafe engages.
    public var meterTimeout: Duration
    /// How often allocations are recomputed without a new meter reading.
    public var interval: Duration
    /// How long a limit sent to a charger stays valid: the edge renews it halfway; if the edge dies, the charger
    /// falls back to the failsafe between half of this and this after the edge's last cycle.
    public var leaseDuration: Duration
    /// The most a car's limit rises per cycle; decreases apply at once.
    public var rampStep: Double
    /// Changes smaller than this are not sent (decreases always are).
    public var hysteresis: Double
    /// A car that draws clearly less than offered for this long is counted at what it draws.
    public var reclaimAfter: Duration
    /// How long a car keeps its turn before a paused one may take it.
    public var rotationInterval: Duration
    /// The MeterValueSampleInterval (seconds) chargers are set to when theirs is longer or off, with the current
    /// per phase among their sampled values, so that what a car draws is known soon after each new limit; nil
    /// leaves the chargers' own meter values alone.
    public var meterValuesInterval: Int? = 10

    public init(
        mode: Mode, strategy: Strategy, minCurrent: Double, failsafeCurrent: Double, meterTimeout: Duration,
        interval: Duration, leaseDuration: Duration, rampStep: Double, hysteresis: Double, reclaimAfter: Duration,
        rotationInterval: Duration, meterValuesInterval: Int? = 10
    ) {
        self.mode = mode
        self.strategy = strategy
        self.minCurrent = minCurrent
        self.failsafeCurrent = failsafeCurrent
        self.meterTimeout = meterTimeout
        self.interval = interval
        self.leaseDuration = leaseDuration
        self.rampStep = rampStep
        self.hysteresis = hysteresis
        self.reclaimAfter = reclaimAfter
        self.rotationInterval = rotationInterval
        self.meterValuesInterval = meterValuesInterval
    }

    public enum Mode: Sendable, Equatable {
        case off
        /// A fixed current per phase shared among the cars.
        case `static`(currentPerPhase: Double)
        /// What the building leaves free.
        case dynamic
    }

    public enum Strategy: String, Sendable, CaseIterable {
        case equal, fifo, priority
    }

    public static let off = LoadManagementSettings(
        mode: .off, strategy: .equal, minCurrent: 6, failsafeCurrent: 6, meterTimeout: .seconds(10),
        interval: .seconds(1), leaseDuration: .seconds(60), rampStep: 4, hysteresis: 1, reclaimAfter: .seconds(60),
        rotationInterval: .seconds(900))
}
