import CentralSystem
import Foundation

/// What charging profiles a charger takes, read with GetConfiguration when it connects.
struct ChargerCapabilities: Sendable {
    /// The unit limits are sent in: A when the charger allows it, else W.
    var unit: ChargingLimit.Unit = .amperes
    var maxStackLevel = 1
    /// False after the charger answered NotSupported: it cannot be steered.
    var takesProfiles = true
    /// True after the charger rejected a TxProfile: its connectors get TxDefaultProfiles instead.
    var txProfileRejected = false

    static let failsafeProfileId = 1
    static let txProfileId = 100
    static let defaultProfileId = 200

    /// Managed limits sit one level above the failsafe, so the failsafe shows through when their lease ends.
    var managedStackLevel: Int { min(1, maxStackLevel) }

    static let keys = ["ChargeProfileMaxStackLevel", "ChargingScheduleAllowedChargingRateUnit"]

    mutating func read(_ keys: [ConfigurationEntry]) {
        for entry in keys {
            let value = entry.value ?? ""
            switch entry.key {
            case "ChargeProfileMaxStackLevel":
                if let level = Int(value.trimmingCharacters(in: .whitespaces)), level >= 0 { maxStackLevel = level }
            case "ChargingScheduleAllowedChargingRateUnit":
                let units = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                unit = units.contains("current") || units.contains("a") || units.isEmpty ? .amperes : .watts
            default:
                break
            }
        }
    }

    /// A one-period limit of `current` A on each phase (converted to W for chargers that want W).
    func limit(
        connectorId: Int, id: Int, scope: ChargingLimit.Scope, stackLevel: Int, current: Double, phases: Int,
        voltage: Double, validTo: Date?
    ) -> ChargingLimit {
        ChargingLimit(
            connectorId: connectorId, scope: scope, profileId: id, stackLevel: stackLevel,
            limit: unit == .amperes ? current : (current * voltage * Double(phases)).rounded(.down), unit: unit,
            phases: phases, validTo: validTo)
    }
}
