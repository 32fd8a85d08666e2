import CentralSystem
import Testing

@testable import LoadControl

/// What load control reads of a charger's profile settings, and the limits it then asks the station port for.
@Suite struct ChargerCapabilitiesTests {
    @Test func aChargerThatTakesOnlyWattsGetsItsLimitInWattsForThePhasesTheCarUses() {
        var capabilities = ChargerCapabilities()
        capabilities.read([
            ConfigurationEntry(key: "ChargeProfileMaxStackLevel", value: " 3 ", readonly: true),
            ConfigurationEntry(key: "ChargingScheduleAllowedChargingRateUnit", value: "Power", readonly: true),
        ])
        #expect(capabilities.unit == .watts && capabilities.maxStackLevel == 3 && capabilities.managedStackLevel == 1)
        let limit = capabilities.limit(
            connectorId: 2, id: 102, scope: .transaction(7), stackLevel: 1, current: 10.05, phases: 1, voltage: 230,
            validTo: nil)
        #expect(limit.unit == .watts && limit.limit == 2311 && limit.phases == 1 && limit.scope == .transaction(7))
    }

    @Test func aChargerThatAllowsCurrentOrSaysNothingGetsAmperes() {
        for value in ["Current,Power", "A", ""] {
            var capabilities = ChargerCapabilities()
            capabilities.read([ConfigurationEntry(key: "ChargingScheduleAllowedChargingRateUnit", value: value)])
            #expect(capabilities.unit == .amperes, "\(value)")
            let limit = capabilities.limit(
                connectorId: 0, id: 1, scope: .connectorDefault, stackLevel: 0, current: 6, phases: 3, voltage: 230,
                validTo: nil)
            #expect(limit.limit == 6 && limit.unit == .amperes)
        }
        // A stack level the charger cannot take is not believed.
        var capabilities = ChargerCapabilities()
        capabilities.read([ConfigurationEntry(key: "ChargeProfileMaxStackLevel", value: "-1")])
        #expect(capabilities.maxStackLevel == 1)
    }
}
