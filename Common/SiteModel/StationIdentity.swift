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
        return allowed ? nil : "may hold only letters, digits and * - _ = + | @ . (the OCPP identity characters)"
    }
}
