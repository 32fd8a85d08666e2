import Foundation

/// A strict pull reader over JSON bytes for fast decoding paths (OCPP's MeterValues, the sync envelope):
/// every method returns nil (or false) on anything it does not handle, and the caller gives up and decodes with
/// `JSONDecoder`. Inlinable: it runs on every MeterValues and every envelope, in the modules that decode them.
public struct FastPayloadReader {
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline var index = 0

    @inlinable
    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Whether only whitespace is left.
    @inlinable
    public mutating func atEnd() -> Bool {
        skipWhitespace()
        return index == bytes.count
    }

    @inlinable
    public mutating func beginObject() -> Bool { consume(UInt8(ascii: "{")) }
    @inlinable
    public mutating func beginArray() -> Bool { consume(UInt8(ascii: "[")) }

    /// The next key of the object being read, or nil at its end (`end` is then true) or on anything unexpected.
    @inlinable
    public mutating func nextKey(first: inout Bool, end: inout Bool) -> String? {
        guard continueContainer(closer: UInt8(ascii: "}"), first: &first, end: &end) else { return nil }
        guard let key = string(), consume(UInt8(ascii: ":")) else { return nil }
        return key
    }

    /// True when the array being read has another element; false at its end (`end` is then true) or on error.
    @inlinable
    public mutating func nextElement(first: inout Bool, end: inout Bool) -> Bool {
        continueContainer(closer: UInt8(ascii: "]"), first: &first, end: &end)
    }

    /// A string of printable ASCII without escapes (anything else is left to `JSONDecoder`).
    @inlinable
    public mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { return nil }
            index += 1
        }
        return nil
    }

    /// An integer written as plain digits (no fraction, exponent or leading zero) that fits an `Int`.
    @inlinable
    public mutating func integer() -> Int? {
        skipWhitespace()
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let start = index
        var value = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(bytes[index] - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        let count = index - start
        guard count > 0, count == 1 || bytes[start] != 0x30 else { return nil }
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
            default: break
            }
        }
        return negative ? -value : value
    }

    /// Consumes `null` if it comes next.
    @inlinable
    public mutating func null() -> Bool {
        skipWhitespace()
        guard bytes.count - index >= 4, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
            bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
        else { return false }
        index += 4
        return true
    }

    /// A number as JSON writes it (`-`, digits without a leading zero, an optional fraction and exponent).
    @inlinable
    public mutating func number() -> Double? {
        skipWhitespace()
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - from
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integral = index
        guard digits() > 0, index - integral == 1 || bytes[integral] != 0x30 else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        guard let value = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)),
            value.isFinite
        else { return nil }
        return value
    }

    /// A string naming a case of `E`.
    @inlinable
    public mutating func enumeration<E: RawRepresentable>(_: E.Type) -> E? where E.RawValue == String {
        string().flatMap(E.init(rawValue:))
    }

    @inlinable
    mutating func continueContainer(closer: UInt8, first: inout Bool, end: inout Bool) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { return false }
        if bytes[index] == closer {
            index += 1
            end = true
            return false
        }
        if first {
            first = false
        } else {
            guard bytes[index] == UInt8(ascii: ",") else { return false }
            index += 1
        }
        return true
    }

    @inlinable
    mutating func consume(_ c: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == c else { return false }
        index += 1
        return true
    }

    @inlinable
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }
}
