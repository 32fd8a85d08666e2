/// How a value is laid out in 16-bit Modbus registers.
public enum RegisterType: String, Sendable, CaseIterable {
    case int16, uint16, int32, uint32, float32, float64

    /// Registers the value spans.
    public var words: Int {
        switch self {
        case .int16, .uint16: 1
        case .int32, .uint32, .float32: 2
        case .float64: 4
        }
    }
}

/// The order of the registers of a multi-register value (bytes within a register are always big-endian).
public enum WordOrder: String, Sendable, CaseIterable {
    /// The most significant register first (Eastron, SunSpec).
    case highFirst = "high_first"
    /// The least significant register first (Carlo Gavazzi).
    case lowFirst = "low_first"
}

/// Turns registers into numbers.
public enum RegisterValue {
    /// The value of `words` (exactly `type.words` registers) as a `Double`, before scaling.
    public static func decode(_ words: some Collection<UInt16>, as type: RegisterType, order: WordOrder) -> Double {
        var ordered = Array(words)
        if order == .lowFirst { ordered.reverse() }
        var bits: UInt64 = 0
        for word in ordered { bits = bits << 16 | UInt64(word) }
        switch type {
        case .int16: return Double(Int16(bitPattern: UInt16(truncatingIfNeeded: bits)))
        case .uint16: return Double(UInt16(truncatingIfNeeded: bits))
        case .int32: return Double(Int32(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .uint32: return Double(UInt32(truncatingIfNeeded: bits))
        case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .float64: return Double(bitPattern: bits)
        }
    }

    /// The registers that hold `value` (after unscaling) in `type` and `order`: the inverse of `decode`, used by
    /// the simulated meter.
    public static func encode(_ value: Double, as type: RegisterType, order: WordOrder) -> [UInt16] {
        let bits: UInt64
        switch type {
        case .int16: bits = UInt64(UInt16(bitPattern: Int16(clamping: Int(value.rounded()))))
        case .uint16: bits = UInt64(UInt16(clamping: max(0, Int(value.rounded()))))
        case .int32: bits = UInt64(UInt32(bitPattern: Int32(clamping: Int(value.rounded()))))
        case .uint32: bits = UInt64(UInt32(clamping: max(0, Int(value.rounded()))))
        case .float32: bits = UInt64(Float(value).bitPattern)
        case .float64: bits = value.bitPattern
        }
        var words = (0..<type.words).reversed().map { UInt16(truncatingIfNeeded: bits >> (16 * UInt64($0))) }
        if order == .lowFirst { words.reverse() }
        return words
    }
}
