/// SunSpec meters (models 201–204): found by the `SunS` marker, then by walking the model list.
public enum SunSpec {
    /// Where the `SunS` marker may sit, in the order to try (holding registers).
    public static let baseAddresses = [40000, 50000, 0]
    /// "SunS" as two registers.
    public static let marker: [UInt16] = [0x5375, 0x6E53]
    /// The meter models: single phase, split phase, wye and delta three-phase.
    public static let meterModels: ClosedRange<UInt16> = 201...204

    /// The register map of a meter model whose header (id and length) is at `modelAddress`. Models 201–204 share
    /// one layout of int16 values with scale-factor registers; energies are acc32 in Wh.
    public static func profile(model: UInt16, modelAddress: Int) -> MeterProfile {
        let data = modelAddress + 2
        func field(_ quantity: Quantity, _ phase: Int?, _ offset: Int, sf: Int, type: RegisterType = .int16) -> RegisterField {
            RegisterField(
                quantity: quantity, phase: phase, table: .holding, address: data + offset, type: type,
                scaleFactorAddress: data + sf)
        }
        return MeterProfile(
            name: "sunspec-\(model)",
            fields: [
                field(.current, 1, 1, sf: 4), field(.current, 2, 2, sf: 4), field(.current, 3, 3, sf: 4),
                field(.voltage, 1, 6, sf: 13), field(.voltage, 2, 7, sf: 13), field(.voltage, 3, 8, sf: 13),
                field(.totalPower, nil, 16, sf: 20),
                field(.power, 1, 17, sf: 20), field(.power, 2, 18, sf: 20), field(.power, 3, 19, sf: 20),
                field(.importEnergy, nil, 44, sf: 52, type: .uint32),
            ],
            maxRegistersPerRead: 100)
    }

    /// Walks a model list that starts right after the marker at `base`: `header(address)` reads the two
    /// registers (id, length) at an address. Returns the first meter model and where its header is.
    public static func findMeter<E: Error>(
        base: Int, header: (Int) throws(E) -> [UInt16]
    ) throws(E) -> (model: UInt16, address: Int)? {
        var address = base + 2
        for _ in 0..<64 {
            let words = try header(address)
            guard words.count == 2, words[0] != 0xFFFF else { return nil }
            if meterModels.contains(words[0]) { return (words[0], address) }
            address += 2 + Int(words[1])
        }
        return nil
    }
}
