public import Foundation

/// Which Modbus table a register is read from.
public enum RegisterTable: Int, Sendable, Hashable {
    /// Function code 3.
    case holding = 3
    /// Function code 4.
    case input = 4
}

/// What a register holds.
public enum Quantity: String, Sendable, CaseIterable {
    case current, voltage, power
    case totalPower = "total_power"
    case importEnergy = "import_energy"

    /// Whether the quantity is given per phase.
    public var perPhase: Bool { self == .current || self == .voltage || self == .power }
}

/// One value of a meter's register map.
public struct RegisterField: Sendable, Equatable {
    public var quantity: Quantity
    /// 1, 2 or 3 for per-phase quantities; nil for totals.
    public var phase: Int?
    public var table: RegisterTable
    public var address: Int
    public var type: RegisterType
    public var order: WordOrder
    /// Multiplies the raw value into A, V, W or Wh.
    public var scale: Double
    /// A SunSpec scale factor: the int16 register at this address holds a power of ten to apply as well.
    public var scaleFactorAddress: Int?

    public init(
        quantity: Quantity, phase: Int? = nil, table: RegisterTable, address: Int, type: RegisterType,
        order: WordOrder = .highFirst, scale: Double = 1, scaleFactorAddress: Int? = nil
    ) {
        self.quantity = quantity
        self.phase = phase
        self.table = table
        self.address = address
        self.type = type
        self.order = order
        self.scale = scale
        self.scaleFactorAddress = scaleFactorAddress
    }
}

/// A contiguous run of registers read in one request.
public struct ReadBlock: Sendable, Equatable {
    public var table: RegisterTable
    public var address: Int
    public var count: Int
}

/// A meter's register map and how to read it.
public struct MeterProfile: Sendable, Equatable {
    public var name: String
    public var fields: [RegisterField]
    /// The most registers the meter returns in one request.
    public var maxRegistersPerRead: Int

    public init(name: String, fields: [RegisterField], maxRegistersPerRead: Int = 100) {
        self.name = name
        self.fields = fields
        self.maxRegistersPerRead = maxRegistersPerRead
    }

    /// Eastron SDM630: input registers, float32, high word first; energy in kWh.
    public static let sdm630 = eastron(name: "sdm630", maxRegistersPerRead: 80)
    /// Eastron SDM72: the SDM630's map, at most 10 registers per request.
    public static let sdm72 = eastron(name: "sdm72", maxRegistersPerRead: 10)

    private static func eastron(name: String, maxRegistersPerRead: Int) -> MeterProfile {
        func field(_ quantity: Quantity, _ phase: Int?, _ address: Int, scale: Double = 1) -> RegisterField {
            RegisterField(quantity: quantity, phase: phase, table: .input, address: address, type: .float32, scale: scale)
        }
        return MeterProfile(
            name: name,
            fields: [
                field(.voltage, 1, 0x00), field(.voltage, 2, 0x02), field(.voltage, 3, 0x04),
                field(.current, 1, 0x06), field(.current, 2, 0x08), field(.current, 3, 0x0A),
                field(.power, 1, 0x0C), field(.power, 2, 0x0E), field(.power, 3, 0x10),
                field(.totalPower, nil, 0x34), field(.importEnergy, nil, 0x48, scale: 1000),
            ],
            maxRegistersPerRead: maxRegistersPerRead)
    }

    /// Carlo Gavazzi EM24: input registers, int32 with the low word first, scaled (V×10, A×1000, W×10, kWh×10).
    public static let em24: MeterProfile = {
        func field(_ quantity: Quantity, _ phase: Int?, _ address: Int, scale: Double) -> RegisterField {
            RegisterField(
                quantity: quantity, phase: phase, table: .input, address: address, type: .int32, order: .lowFirst, scale: scale)
        }
        return MeterProfile(
            name: "em24",
            fields: [
                field(.voltage, 1, 0x00, scale: 0.1), field(.voltage, 2, 0x02, scale: 0.1), field(.voltage, 3, 0x04, scale: 0.1),
                field(.current, 1, 0x0C, scale: 0.001), field(.current, 2, 0x0E, scale: 0.001),
                field(.current, 3, 0x10, scale: 0.001),
                field(.power, 1, 0x12, scale: 0.1), field(.power, 2, 0x14, scale: 0.1), field(.power, 3, 0x16, scale: 0.1),
                field(.totalPower, nil, 0x28, scale: 0.1), field(.importEnergy, nil, 0x34, scale: 100),
            ],
            maxRegistersPerRead: 60)
    }()

    /// The built-in profiles by their config name (SunSpec meters are discovered, see `SunSpec`).
    public static let builtIn: [String: MeterProfile] = ["sdm630": sdm630, "sdm72": sdm72, "em24": em24]

    /// The requests that read every field: registers of one table close together are read at once, within the
    /// meter's limit per request.
    public func readPlan() -> [ReadBlock] {
        var ranges: [RegisterTable: [Range<Int>]] = [:]
        for field in fields {
            ranges[field.table, default: []].append(field.address..<(field.address + field.type.words))
            if let sf = field.scaleFactorAddress { ranges[field.table, default: []].append(sf..<(sf + 1)) }
        }
        var blocks: [ReadBlock] = []
        for table in [RegisterTable.holding, .input] {
            guard let list = ranges[table]?.sorted(by: { $0.lowerBound < $1.lowerBound }) else { continue }
            var current: Range<Int>?
            for range in list {
                if let open = current, range.lowerBound <= open.upperBound + 4,
                    max(open.upperBound, range.upperBound) - open.lowerBound <= maxRegistersPerRead
                {
                    current = open.lowerBound..<max(open.upperBound, range.upperBound)
                } else {
                    if let open = current { blocks.append(ReadBlock(table: table, address: open.lowerBound, count: open.count)) }
                    current = range
                }
            }
            if let open = current { blocks.append(ReadBlock(table: table, address: open.lowerBound, count: open.count)) }
        }
        return blocks
    }

    /// The measurement the registers read by `readPlan()` hold. `registers` maps (table, address) to a value.
    public func measurement(from registers: [RegisterTable: [Int: UInt16]], at date: Date) -> MeterMeasurement {
        var result = MeterMeasurement(takenAt: date)
        for field in fields {
            guard let table = registers[field.table] else { continue }
            let words = (field.address..<(field.address + field.type.words)).compactMap { table[$0] }
            guard words.count == field.type.words else { continue }
            // SunSpec marks a value the meter does not implement with the type's "not implemented" pattern.
            if field.scaleFactorAddress != nil, field.type == .int16, words[0] == 0x8000 { continue }
            var value = RegisterValue.decode(words, as: field.type, order: field.order) * field.scale
            if let sfAddress = field.scaleFactorAddress {
                guard let raw = table[sfAddress], raw != 0x8000 else { continue }
                value *= pow(10, Double(Int16(bitPattern: raw)))
            }
            let phaseIndex = (field.phase ?? 1) - 1
            switch field.quantity {
            case .current: result.current[phaseIndex] = value
            case .voltage: result.voltage[phaseIndex] = value
            case .power: result.power[phaseIndex] = value
            case .totalPower: result.totalPower = value
            case .importEnergy: result.importEnergy = value
            }
        }
        return result
    }
}
