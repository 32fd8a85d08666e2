import Foundation

/// Finds the extent of JSON values without building them: enough to split an OCPP-J frame into its elements
/// and keep the payload as bytes. The payload's own validity is checked later, when it is decoded.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Deeper nesting than any OCPP payload needs is refused, so a hostile frame cannot exhaust anything.
    static let maxDepth = 64

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The ranges of the elements of the one top-level array the input must be.
    mutating func scanTopLevelArray() throws(OCPPError) -> [Range<Int>] {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else {
            throw OCPPError(.formationViolation, "frame is not a JSON array")
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
                guard index < bytes.count else { throw OCPPError(.formationViolation, "frame ends inside the array") }
                let c = bytes[index]
                index += 1
                if c == UInt8(ascii: "]") { break }
                guard c == UInt8(ascii: ",") else {
                    throw OCPPError(.formationViolation, "expected ',' or ']' at byte \(index - 1)")
                }
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw OCPPError(.formationViolation, "unexpected bytes after the frame's array") }
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

    private mutating func scanValue(depth: Int) throws(OCPPError) -> Range<Int> {
        guard index < bytes.count else { throw OCPPError(.formationViolation, "frame ends where a value was expected") }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "\""):
            try scanString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try scanContainer(depth: depth)
        default:
            while index < bytes.count, Self.isLiteralByte(bytes[index]) { index += 1 }
            guard index > start else {
                throw OCPPError(.formationViolation, "unexpected character at byte \(start)")
            }
        }
        return start..<index
    }

    private mutating func scanString() throws(OCPPError) {
        index += 1
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if c < 0x20 { throw OCPPError(.formationViolation, "control character inside a string at byte \(index)") }
            index += c == UInt8(ascii: "\\") ? 2 : 1
        }
        throw OCPPError(.formationViolation, "unterminated string")
    }

    private mutating func scanContainer(depth: Int) throws(OCPPError) {
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
                    throw OCPPError(.formationViolation, "JSON nested deeper than \(Self.maxDepth) levels")
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard closers.last == c else { throw OCPPError(.formationViolation, "mismatched bracket at byte \(index)") }
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
        throw OCPPError(.formationViolation, "frame ends inside an object or array")
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
    static func string(_ literal: ArraySlice<UInt8>) -> String? {
        guard literal.count >= 2, literal.first == UInt8(ascii: "\""), literal.last == UInt8(ascii: "\"") else { return nil }
        let inner = literal.dropFirst().dropLast()
        if !inner.contains(UInt8(ascii: "\\")) {
            return String(validating: inner, as: UTF8.self)
        }
        return try? JSONDecoder().decode(String.self, from: Data(literal))
    }
}
