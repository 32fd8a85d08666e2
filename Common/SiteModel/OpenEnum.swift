/// A value of a closed vocabulary as it travels between programs of different versions: a case this build knows,
/// or the text of one it does not (sent by a newer edge or cloud), which is kept and shown rather than refused.
///
/// On the wire it is the plain string, so adding a case to `Known` never breaks an older reader.
public enum OpenEnum<Known: RawRepresentable & Hashable & Sendable>: Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
where Known.RawValue == String {
    case known(Known)
    case unknown(String)

    public init(rawValue: String) {
        self = Known(rawValue: rawValue).map(Self.known) ?? .unknown(rawValue)
    }

    public init(_ known: Known) {
        self = .known(known)
    }

    public init(stringLiteral value: String) {
        self.init(rawValue: value)
    }

    public var rawValue: String {
        switch self {
        case .known(let value): value.rawValue
        case .unknown(let text): text
        }
    }

    /// The known case, or nil for a value this build does not know (`.unknown("Accepted")` is `.accepted`).
    public var known: Known? {
        switch self {
        case .known(let value): value
        case .unknown(let text): Known(rawValue: text)
        }
    }

    /// Equal when they say the same on the wire, however they were made.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func == (lhs: Self, rhs: Known) -> Bool { lhs.known == rhs }
    public static func != (lhs: Self, rhs: Known) -> Bool { lhs.known != rhs }
}

/// How much an event in a site's history matters.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info
    case warning
    case error

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Whether a charger may use its site: what the edge answered its BootNotification, and what an operator decided.
public enum Approval: String, Sendable, Codable, CaseIterable {
    case accepted
    case pending
    case rejected
}
