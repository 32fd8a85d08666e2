/// The maximum length of a case-insensitive OCPP string type (`CiString20Type` … `CiString500Type`).
public protocol CiStringLength: Sendable {
    /// Longest value, in characters, the schema allows.
    static var maxLength: Int { get }
}

/// A string whose length OCPP limits; decoding a longer one fails with a property constraint violation.
///
/// OCPP compares these strings case-insensitively where it compares them at all (`idTag`s are compared as sent).
public struct CiString<Length: CiStringLength>: Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The text as sent.
    public let value: String

    /// Fails when `value` is longer than the type allows.
    public init(_ value: String) throws(CiStringTooLong) {
        // In code points, as JSON Schema's maxLength counts (Swift's characters join "\r\n" and combining marks).
        let length = value.unicodeScalars.count
        guard length <= Length.maxLength else {
            throw CiStringTooLong(length: length, maxLength: Length.maxLength)
        }
        self.value = value
    }

    /// A literal written in code; it must fit, as a programming error otherwise.
    public init(stringLiteral value: String) {
        precondition(
            value.unicodeScalars.count <= Length.maxLength, "string literal longer than \(Length.maxLength) characters")
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
}

/// A string was longer than its OCPP type allows.
public struct CiStringTooLong: Error, CustomStringConvertible {
    public let length: Int
    public let maxLength: Int
    public var description: String { "string of \(length) characters exceeds the maximum length of \(maxLength)" }
}

public enum CiLength20: CiStringLength { public static var maxLength: Int { 20 } }
public enum CiLength25: CiStringLength { public static var maxLength: Int { 25 } }
public enum CiLength50: CiStringLength { public static var maxLength: Int { 50 } }
public enum CiLength255: CiStringLength { public static var maxLength: Int { 255 } }
public enum CiLength500: CiStringLength { public static var maxLength: Int { 500 } }

public typealias CiString20 = CiString<CiLength20>
public typealias CiString25 = CiString<CiLength25>
public typealias CiString50 = CiString<CiLength50>
public typealias CiString255 = CiString<CiLength255>
public typealias CiString500 = CiString<CiLength500>

// Lengths of the 1.6 security extension's strings (plain strings with a maximum length in its schemas).
public enum CiLength512: CiStringLength { public static var maxLength: Int { 512 } }
public enum CiLength800: CiStringLength { public static var maxLength: Int { 800 } }
public enum CiLength5500: CiStringLength { public static var maxLength: Int { 5500 } }
