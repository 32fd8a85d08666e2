import Foundation

/// What a simulated charger is: its identity, hardware and behaviour.
public struct ChargerProfile: Sendable {
    public var stationId: String
    public var vendor = "Gridside"
    public var model = "SimCharger-22"
    public var firmwareVersion = "1.0.0"
    public var connectors = 2
    /// Per-phase current the charger can deliver, in A.
    public var maxCurrent = 32.0
    public var phases = 3
    /// The grid phase (0, 1, 2) each of the charger's phases is wired to: its phase rotation.
    public var gridPhases = [0, 1, 2]
    /// How long a car takes to follow a new limit.
    public var responseDelay: Duration = .milliseconds(800)
    public var voltage = 230.0
    /// Basic auth password, when the central system requires one.
    public var password: String?
    /// Tokens the simulated drivers present, in turn.
    public var idTags = ["04A1B2C3D4"]
    /// How often a charging connector reports meter values (real time).
    public var meterInterval: Duration = .seconds(10)
    /// Start sessions by itself: cars arrive, charge, leave.
    public var autoSessions = true
    /// When set, connector 1 reports Faulted (GroundFailure, vendor code SIM-E42) this long after the charger was made
    /// (its session, if one runs, stopped with EmergencyStop), and Available again two minutes later: the demo's
    /// notification.
    public var faultAfter: Duration?
    /// Real seconds between a car leaving and the next arriving (uniformly drawn).
    public var idleSeconds: ClosedRange<Double> = 5...20
    /// Simulated time per real time: 60 makes a real minute charge like an hour.
    public var speed = 1.0
    /// How UpdateFirmware's image is fetched.
    public var firmware = FirmwareDownloader.system

    public init(stationId: String) {
        self.stationId = stationId
    }
}

/// A simple electric vehicle: a battery that charges at up to its onboard charger's limit, tapering above 80 %.
public struct ElectricVehicle: Sendable, Equatable {
    public var capacityWh: Double
    public var stateOfCharge: Double
    /// Per-phase current the onboard charger accepts, in A.
    public var maxCurrent: Double
    public var phases: Int
    /// The car leaves at this state of charge.
    public var targetSoC: Double

    public init(capacityWh: Double, stateOfCharge: Double, maxCurrent: Double, phases: Int, targetSoC: Double = 100) {
        self.capacityWh = capacityWh
        self.stateOfCharge = stateOfCharge
        self.maxCurrent = maxCurrent
        self.phases = phases
        self.targetSoC = targetSoC
    }

    /// A random car from a small, realistic mix.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ElectricVehicle {
        let models: [(Double, Double, Int)] = [
            (58_000, 16, 3), (77_000, 32, 3), (40_000, 32, 1), (64_000, 16, 3), (100_000, 16, 3),
        ]
        let (capacity, current, phases) = models.randomElement(using: &generator)!
        return ElectricVehicle(
            capacityWh: capacity, stateOfCharge: Double.random(in: 10...60, using: &generator), maxCurrent: current,
            phases: phases, targetSoC: Double.random(in: 80...100, using: &generator))
    }

    /// The current the car draws per phase when offered `offered` A: at most its own limit, tapering
    /// linearly from 80 % to 10 % of that limit at 100 % state of charge.
    public func draw(offered: Double) -> Double {
        guard stateOfCharge < 100 else { return 0 }
        let taper = stateOfCharge <= 80 ? 1.0 : max(0.1, 1 - (stateOfCharge - 80) / 20 * 0.9)
        return max(0, min(offered, maxCurrent * taper))
    }

    /// Charges for `seconds` at `current` A per phase and `voltage`; returns the energy taken in Wh.
    public mutating func charge(current: Double, voltage: Double, seconds: Double) -> Double {
        let energy = current * voltage * Double(phases) * seconds / 3600
        let taken = min(energy, capacityWh * (100 - stateOfCharge) / 100)
        stateOfCharge = min(100, stateOfCharge + taken / capacityWh * 100)
        return taken
    }

    public var isDone: Bool { stateOfCharge >= targetSoC }
}
