import Foundation
import OCPP

/// What charging profiles a charger takes, read with GetConfiguration when it connects.
struct ChargerCapabilities: Sendable {
    /// The unit limits are sent in: A when the charger allows it, else W.
    var unit: OCPP16.ChargingRateUnitType = .a
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

    mutating func read(_ keys: [OCPP16.KeyValue]) {
        for entry in keys {
            let value = entry.value?.value ?? ""
            switch entry.key.value {
            case "ChargeProfileMaxStackLevel":
                if let level = Int(value.trimmingCharacters(in: .whitespaces)), level >= 0 { maxStackLevel = level }
            case "ChargingScheduleAllowedChargingRateUnit":
                let units = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                unit = units.contains("current") || units.contains("a") || units.isEmpty ? .a : .w
            default:
                break
            }
        }
    }

    /// A one-period profile limiting each phase to `current` A (converted to W for chargers that want W).
    func profile(
        id: Int, purpose: OCPP16.ChargingProfilePurposeType, stackLevel: Int, transactionId: Int?, current: Double,
        phases: Int, voltage: Double, validTo: Date?
    ) -> OCPP16.ChargingProfile {
        let limit = unit == .a ? current : (current * voltage * Double(phases)).rounded(.down)
        return OCPP16.ChargingProfile(
            chargingProfileId: id, transactionId: transactionId, stackLevel: stackLevel, chargingProfilePurpose: purpose,
            chargingProfileKind: .relative, validTo: validTo,
            chargingSchedule: OCPP16.ChargingSchedule(
                chargingRateUnit: unit,
                chargingSchedulePeriod: [OCPP16.ChargingSchedulePeriod(startPeriod: 0, limit: limit, numberPhases: phases)]))
    }
}
