/// What a charge point's identity may be: the last segment of its OCPP URL, its Basic auth user name, a key in logs,
/// in the cloud and in URLs. 1 to 48 characters of OCPP 2.0.1's identifierString (letters, digits and `*-_=+|@.`),
/// without `:`, which a Basic auth user name cannot hold (OCPP 1.6 security whitepaper). No control characters,
/// spaces, slashes or quotes, so an identity cannot forge a log line or change a URL's meaning.
public enum StationIdentity {
    public static let maxLength = 48
    static let punctuation: Set<UInt8> = Set("*-_=+|@.".utf8)

    /// Why `identity` cannot be a station's identity, or nil when it can.
    public static func problem(_ identity: String) -> String? {
        let bytes = Array(identity.utf8)
        guard !bytes.isEmpty, bytes.count <= maxLength else {
            return "must have 1 to \(maxLength) characters"
        }
        let allowed = bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || punctuation.contains(byte)
        }
        guard allowed else { return "may hold only letters, digits and * - _ = + | @ . (the OCPP identity characters)" }
        return identity == "." || identity == ".." ? "may not be . or .., which change a URL's meaning" : nil
    }

    /// Whether an identity outside the OCPP identity characters is still harmless enough to keep for a station the
    /// installer configured or the edge already knows (edge.yaml and stores from before the rule): no control
    /// characters, slashes, backslashes or quotes, not `.` or `..`, 1 to 48 bytes.
    public static func isTolerated(_ identity: String) -> Bool {
        let bytes = Array(identity.utf8)
        guard !bytes.isEmpty, bytes.count <= maxLength, identity != ".", identity != ".." else { return false }
        let refused: Set<UInt8> = Set("/\\\"".utf8)
        return identity.unicodeScalars.allSatisfy { !$0.properties.generalCategory.isControl }
            && bytes.allSatisfy { !refused.contains($0) && $0 != 0x7F }
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isControl: Bool {
        switch self {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }
}
