public import Foundation

/// One measured value from a charger or meter, in base units (Wh, W, A, V, var, Hz, %, Celsius).
public struct MeterReading: Sendable, Codable, Equatable {
    /// What was measured, named as OCPP names it (e.g. `Energy.Active.Import.Register`).
    public var measurand: String
    /// The phase or phase pair (`L1`, `L2-N`, …), when the value is per phase.
    public var phase: String?
    /// The base unit the value is expressed in.
    public var unit: String
    /// The value in `unit`; nil for a reading that is signed data rather than a number.
    public var value: Double?
    /// A signed meter reading (OCPP `SignedData`) as sent, for later verification.
    public var signedData: String?
    /// Why it was taken (`Sample.Periodic`, `Transaction.Begin`, …).
    public var context: String?
    /// Where it was measured (`Outlet`, `Inlet`, `EV`, …).
    public var location: String?

    public init(
        measurand: String, phase: String? = nil, unit: String, value: Double?, signedData: String? = nil,
        context: String? = nil, location: String? = nil
    ) {
        self.signedData = signedData
        self.measurand = measurand
        self.phase = phase
        self.unit = unit
        self.value = value
        self.context = context
        self.location = location
    }
}

/// The readings a charger took at one moment on one connector.
public struct MeterSample: Sendable, Codable, Equatable {
    public var timestamp: Date
    public var readings: [MeterReading]

    public init(timestamp: Date, readings: [MeterReading]) {
        self.timestamp = timestamp
        self.readings = readings
    }

    /// The active energy imported so far, in Wh, when the sample has it.
    public var energyImportWh: Double? {
        readings.first { $0.measurand == Measurand.energyActiveImportRegister && $0.phase == nil && $0.value != nil }?.value
            ?? readings.first { $0.measurand == Measurand.energyActiveImportRegister && $0.value != nil }?.value
    }

    /// Total active power imported, in W: the total when sent, otherwise the sum of the phases.
    public var powerImportW: Double? { total(of: Measurand.powerActiveImport) }

    /// Current imported on the most loaded phase, in A (what a fuse sees), or the single value sent without phase.
    public var currentImportA: Double? {
        let matching = readings.filter { $0.measurand == Measurand.currentImport && $0.value != nil }
        if let whole = matching.first(where: { $0.phase == nil }) { return whole.value }
        return matching.compactMap(\.value).max()
    }

    /// State of charge of the vehicle, in percent, when the charger knows it.
    public var stateOfCharge: Double? { readings.first { $0.measurand == Measurand.soc && $0.value != nil }?.value }

    private static let linePhases: Set<String> = ["L1", "L2", "L3", "L1-N", "L2-N", "L3-N"]

    private func total(of measurand: String) -> Double? {
        let matching = readings.filter { $0.measurand == measurand && $0.value != nil }
        if let whole = matching.first(where: { $0.phase == nil }) { return whole.value }
        // Per-phase values of L1, L2, L3 (or L1-N…): line-to-line and neutral values are not part of a total.
        let phases = matching.filter { reading in reading.phase.map { Self.linePhases.contains($0) } ?? false }
        return phases.isEmpty ? nil : phases.reduce(0) { $0 + ($1.value ?? 0) }
    }
}

/// Measurand names used across OCPP versions.
public enum Measurand {
    public static let energyActiveImportRegister = "Energy.Active.Import.Register"
    public static let powerActiveImport = "Power.Active.Import"
    public static let currentImport = "Current.Import"
    public static let voltage = "Voltage"
    public static let soc = "SoC"
}
