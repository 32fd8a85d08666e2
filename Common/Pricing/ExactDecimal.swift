public import Foundation

/// A decimal number held exactly to twelve fraction digits: an integer count of 10⁻¹² in an `Int128`.
///
/// Money, energy and time are priced in it. Adding and comparing are exact; a product or quotient is rounded to
/// twelve digits half to even, far below any currency's smallest unit, and money is rounded to its currency
/// explicitly (``MoneyRounding``). It exists because Foundation's `Decimal` takes 400 – 750 ns an operation on
/// Linux, too slow to price a session of a hundred periods in the 50 µs the product promises; it reads and writes
/// JSON numbers through `Decimal`, so no `Double` ever holds a price.
///
/// Its range is ±1.7 × 10²⁶; ``Tariff`` and ``PricingSession`` bound their inputs (``ExactDecimal/inputLimit``) so
/// that no product of a price, a VAT factor and a volume can overflow.
public struct ExactDecimal: Sendable, Hashable, Comparable, Codable, LosslessStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// The value in units of 10⁻¹².
    public let units: Int128

    public static let fractionDigits = 12
    static let unit: Int128 = 1_000_000_000_000
    public static let zero = ExactDecimal(units: 0)
    public static let one = ExactDecimal(units: unit)
    /// The largest magnitude a price, a volume or a VAT rate may have on input (10⁶).
    public static let inputLimit = ExactDecimal(1_000_000)

    public init(units: Int128) { self.units = units }

    public init(_ value: Int) { units = Int128(value) * Self.unit }

    public init(integerLiteral value: Int) { self.init(value) }

    /// `numerator / denominator`, rounded half to even to twelve digits.
    public init(_ numerator: Int64, over denominator: Int64) {
        units = Self.divide(Int128(numerator) * Self.unit, by: Int128(denominator))
    }

    /// Reads a decimal number's text (`-12.5`, `0.25`, `3e-2`); digits past the twelfth fraction digit are rounded
    /// half to even. Nil for anything else, or beyond ±10²⁴.
    public init?(_ text: String) {
        var digits: Int128 = 0
        var scale = 0  // digits after the point
        var exponent = 0
        var negative = false
        var sawDigit = false
        var sawPoint = false
        var dropped: [UInt8] = []  // digits past what Int128 can hold at twelve places
        var bytes = Substring(text).utf8[...]
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") {
            negative = bytes.first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        while let byte = bytes.first {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                sawDigit = true
                if sawPoint && scale >= 30 {
                    dropped.append(byte - UInt8(ascii: "0"))
                } else {
                    guard digits < Int128(10).power(30) else { return nil }
                    digits = digits * 10 + Int128(byte - UInt8(ascii: "0"))
                    if sawPoint { scale += 1 }
                }
            } else if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            bytes = bytes.dropFirst()
        }
        guard sawDigit else { return nil }
        if let marker = bytes.first, marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            let text = String(Substring(bytes.dropFirst()))
            guard text.utf8.count <= 4, let value = Int(text), abs(value) <= 40 else { return nil }
            exponent = value
            bytes = bytes[bytes.endIndex...]
        }
        guard bytes.isEmpty else { return nil }
        // The value is digits × 10^(exponent − scale); bring it to twelve places.
        let shift = Self.fractionDigits + exponent - scale
        var units: Int128
        if shift >= 0 {
            guard shift <= 36, digits <= Int128(10).power(36 - shift) else { return nil }
            units = digits * Int128(10).power(shift)
        } else {
            guard -shift <= 38 else { return nil }
            let sticky = dropped.contains { $0 != 0 }
            units = Self.divide(digits, by: Int128(10).power(-shift), sticky: sticky)
        }
        if negative { units = -units }
        guard units.magnitude <= UInt128(Int128(10).power(36)) else { return nil }
        self.units = units
    }

    /// Exactly the value of a Foundation `Decimal` (rounded to twelve fraction digits).
    public init?(_ decimal: Decimal) {
        guard decimal.isFinite else { return nil }
        self.init(decimal.description)
    }

    /// The value as a Foundation `Decimal`, exactly.
    public var decimal: Decimal { Decimal(string: description, locale: Locale(identifier: "en_US_POSIX")) ?? 0 }

    /// The shortest plain text of the value: `0.25`, `-3`, `1.000000000001`.
    public var description: String {
        let magnitude = units.magnitude
        let whole = magnitude / UInt128(Self.unit)
        var fraction = magnitude % UInt128(Self.unit)
        let sign = units < 0 ? "-" : ""
        guard fraction != 0 else { return "\(sign)\(whole)" }
        var width = Self.fractionDigits
        while fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        let digits = String(fraction)
        return "\(sign)\(whole).\(String(repeating: "0", count: width - digits.count))\(digits)"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let decimal = try container.decode(Decimal.self)
        guard let value = ExactDecimal(decimal) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\(decimal) is not a number Gridside can price (at most ±10²⁴)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(decimal)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.units < rhs.units }
    public static func + (lhs: Self, rhs: Self) -> Self { Self(units: lhs.units + rhs.units) }
    public static func - (lhs: Self, rhs: Self) -> Self { Self(units: lhs.units - rhs.units) }
    public static prefix func - (value: Self) -> Self { Self(units: -value.units) }
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
    public static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }

    /// The product, rounded half to even to twelve digits.
    public static func * (lhs: Self, rhs: Self) -> Self {
        Self(units: divide(lhs.units * rhs.units, by: unit))
    }

    /// The quotient, rounded half to even to twelve digits; zero when dividing by zero.
    public func divided(by divisor: Self) -> Self {
        guard divisor.units != 0 else { return .zero }
        return Self(units: Self.divide(units * Self.unit, by: divisor.units))
    }

    /// The value times `multiplier / divisor`, rounded once; `divisor` must not be zero.
    public func scaled(by multiplier: Int64, over divisor: Int64) -> Self {
        Self(units: Self.divide(units * Int128(multiplier), by: Int128(divisor)))
    }

    public var isZero: Bool { units == 0 }

    /// 10⁰ … 10¹².
    private static let powersOfTen: [Int128] = (0...fractionDigits).map { Int128(10).power($0) }

    /// The smallest multiple of `step` at least this value (`step` > 0; a value ≤ 0 is returned unchanged).
    public func roundedUp(toMultipleOf step: Self) -> Self {
        guard step.units > 0, units > 0 else { return self }
        let (quotient, remainder) = units.quotientAndRemainder(dividingBy: step.units)
        return Self(units: (remainder == 0 ? quotient : quotient + 1) * step.units)
    }

    /// The value rounded to `digits` fraction digits (0 … 12) by `rule`.
    public func rounded(toFractionDigits digits: Int, _ rule: RoundingRule) -> Self {
        let digits = min(max(digits, 0), Self.fractionDigits)
        let step = Self.powersOfTen[Self.fractionDigits - digits]
        guard step > 1 else { return self }
        let (quotient, remainder) = units.quotientAndRemainder(dividingBy: step)
        guard remainder != 0 else { return self }
        let away = units < 0 ? quotient - 1 : quotient + 1
        let twice = remainder.magnitude * 2
        let pick: Int128
        switch rule {
        case .down: pick = quotient
        case .up: pick = away
        case .halfUp: pick = twice >= step.magnitude ? away : quotient
        case .halfEven:
            if twice == step.magnitude {
                pick = quotient % 2 == 0 ? quotient : away
            } else {
                pick = twice > step.magnitude ? away : quotient
            }
        }
        return Self(units: pick * step)
    }

    /// How a value is rounded to fewer digits: toward zero, away from zero, or to the nearer neighbour with a half
    /// going away from zero (commercial rounding) or to the even neighbour (banker's rounding).
    public enum RoundingRule: String, Sendable, Codable, CaseIterable {
        case down = "down"
        case up = "up"
        case halfUp = "half_up"
        case halfEven = "half_even"
    }

    /// `numerator / denominator` rounded half to even; `sticky` says digits already dropped were not all zero
    /// (so an exact half is more than a half).
    static func divide(_ numerator: Int128, by denominator: Int128, sticky: Bool = false) -> Int128 {
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        guard remainder != 0 || sticky else { return quotient }
        let negative = (numerator < 0) != (denominator < 0)
        let away = negative ? quotient - 1 : quotient + 1
        let twice = remainder.magnitude * 2
        if twice > denominator.magnitude || (twice == denominator.magnitude && (sticky || quotient % 2 != 0)) {
            return away
        }
        return quotient
    }
}

extension Int128 {
    /// `self` raised to a small non-negative power.
    func power(_ exponent: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<exponent { result *= self }
        return result
    }
}
