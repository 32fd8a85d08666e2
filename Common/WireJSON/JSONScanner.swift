import Foundation

/// What is wrong with the JSON a ``JSONScanner`` was given, in words fit for the sender.
public struct JSONScanError: Error, Equatable, Sendable {
    public let message: String

    init(_ message: String) {
        self.message = message
    }
}

/// Finds the extent of JSON values without building them: enough to split a frame (an OCPP-J message) into its
/// elements and keep each as bytes. The elements' own validity is checked later, when they are decoded.
public struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Deeper nesting than any OCPP payload needs is refused, so a hostile frame cannot exhaust anything.
    static let maxDepth = 64

    public init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The ranges of the elements of the one top-level array the input must be.
    public mutating func scanTopLevelArray() throws(JSONScanError) -> [Range<Int>] {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else {
            throw JSONScanError("frame is not a JSON array")
        }
        index += 1
        var elements: [Range<Int>] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                elements.append(try scanValue(depth: 1))
                skipWhitespace()
                guard index < bytes.count else { throw JSONScanError("frame ends inside the array") }
                let c = bytes[index]
                index += 1
                if c == UInt8(ascii: "]") { break }
                guard c == UInt8(ascii: ",") else {
                    throw JSONScanError("expected ',' or ']' at byte \(index - 1)")
                }
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw JSONScanError("unexpected bytes after the frame's array") }
        return elements
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func scanValue(depth: Int) throws(JSONScanError) -> Range<Int> {
        guard index < bytes.count else { throw JSONScanError("frame ends where a value was expected") }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "\""):
            try scanString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try scanContainer(depth: depth)
        default:
            while index < bytes.count, Self.isLiteralByte(bytes[index]) { index += 1 }
            guard index > start else {
                throw JSONScanError("unexpected character at byte \(start)")
            }
        }
        return start..<index
    }

    private mutating func scanString() throws(JSONScanError) {
        index += 1
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if c < 0x20 { throw JSONScanError("control character inside a string at byte \(index)") }
            index += c == UInt8(ascii: "\\") ? 2 : 1
        }
        throw JSONScanError("unterminated string")
    }

    private mutating func scanContainer(depth: Int) throws(JSONScanError) {
        var closers: [UInt8] = []
        while index < bytes.count {
            let c = bytes[index]
            switch c {
            case UInt8(ascii: "\""):
                try scanString()
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                closers.append(c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                guard depth + closers.count <= Self.maxDepth else {
                    throw JSONScanError("JSON nested deeper than \(Self.maxDepth) levels")
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard closers.last == c else { throw JSONScanError("mismatched bracket at byte \(index)") }
                closers.removeLast()
                if closers.isEmpty {
                    index += 1
                    return
                }
            default:
                break
            }
            index += 1
        }
        throw JSONScanError("frame ends inside an object or array")
    }

    private static func isLiteralByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    /// The text of a JSON string literal, or nil when `literal` is not one.
    public static func string(_ literal: ArraySlice<UInt8>) -> String? {
        guard literal.count >= 2, literal.first == UInt8(ascii: "\""), literal.last == UInt8(ascii: "\"") else { return nil }
        let inner = literal.dropFirst().dropLast()
        if !inner.contains(UInt8(ascii: "\\")) {
            return String(validating: inner, as: UTF8.self)
        }
        return try? JSONDecoder().decode(String.self, from: Data(literal))
    }
}
