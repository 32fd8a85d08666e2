import CentralSystem
import LoadControl
import Testing

/// What the edge changes in a charger's meter values when load management starts steering it.
@Suite struct MeterValuesSetupTests {
    static func key(_ name: String, _ value: String?, readonly: Bool = false) -> ConfigurationEntry {
        ConfigurationEntry(key: name, value: value, readonly: readonly)
    }

    @Test func aLongIntervalIsShortenedAndTheCurrentPerPhaseAdded() {
        let changes = MeterValuesSetup.changes(
            [Self.key("MeterValueSampleInterval", "60"), Self.key("MeterValuesSampledData", "Energy.Active.Import.Register")],
            interval: 10)
        #expect(changes.map(\.key) == ["MeterValueSampleInterval", "MeterValuesSampledData"])
        #expect(changes.map(\.value) == ["10", "Energy.Active.Import.Register,Current.Import"])
    }

    @Test func periodicMeterValuesThatAreOffAreTurnedOnAndAnEmptyListGetsTheEnergyToo() {
        let changes = MeterValuesSetup.changes(
            [Self.key("MeterValueSampleInterval", "0"), Self.key("MeterValuesSampledData", "")], interval: 10)
        #expect(changes.map(\.value) == ["10", "Energy.Active.Import.Register,Current.Import"])
    }

    @Test func aShorterIntervalTheCurrentAlreadySampledReadOnlyAndUnlistedKeysAreLeftAlone() {
        #expect(
            MeterValuesSetup.changes(
                [
                    Self.key("MeterValueSampleInterval", "5"),
                    Self.key("MeterValuesSampledData", "Energy.Active.Import.Register, current.import"),
                ], interval: 10
            ).isEmpty)
        #expect(
            MeterValuesSetup.changes(
                [
                    Self.key("MeterValueSampleInterval", "300", readonly: true),
                    Self.key("MeterValuesSampledData", "SoC", readonly: true),
                ],
                interval: 10
            ).isEmpty)
        #expect(MeterValuesSetup.changes([], interval: 10).isEmpty)
    }

    @Test func aListAtItsMaximumLengthIsNotMadeLonger() {
        let changes = MeterValuesSetup.changes(
            [
                Self.key("MeterValuesSampledData", "Energy.Active.Import.Register,Power.Active.Import"),
                Self.key("MeterValuesSampledDataMaxLength", "2"),
            ], interval: 10)
        #expect(changes.isEmpty)
    }
}
