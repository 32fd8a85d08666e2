import Crypto
public import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) as authenticator apps make them: HMAC-SHA-1, six
/// digits, a new code every 30 seconds, the secret shared as base32 (RFC 4648) in an `otpauth://` URI.
public enum TOTP {
    public static let digits = 6
    public static let period: TimeInterval = 30
    /// Codes of the step before and after are taken too: a phone's clock a little off, a code typed as it changes.
    public static let window: Int64 = 1

    /// A new secret: 20 random bytes (160 bits, RFC 4226's recommendation), in base32.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return base32(Data((0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    /// The 30-second step of a time.
    public static func step(at time: Date) -> Int64 { Int64((time.timeIntervalSince1970 / period).rounded(.down)) }

    /// The code of a step (HOTP with the step as its counter), `digits` long with leading zeros.
    public static func code(secret: Data, step: Int64, digits: Int = TOTP.digits) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary =
            (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8)
            | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The step whose code `code` is, within ``window`` of `time` and later than `after` (a code is good once), or nil.
    public static func matchingStep(_ code: String, secret: String, at time: Date, after: Int64?) -> Int64? {
        let code = code.filter { !$0.isWhitespace }
        guard code.count == digits, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber),
            let key = base32Decode(secret)
        else { return nil }
        let now = step(at: time)
        for step in (now - window)...(now + window) where step > (after ?? .min) {
            if constantTimeEqual(self.code(secret: key, step: step), code) { return step }
        }
        return nil
    }

    /// What an authenticator app reads (typed, or opened from the link): `otpauth://totp/<issuer>:<account>?…`.
    public static func uri(secret: String, account: String, issuer: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let label = "\(issuer):\(account)".addingPercentEncoding(withAllowedCharacters: allowed) ?? account
        let issuerParameter = issuer.addingPercentEncoding(withAllowedCharacters: allowed) ?? issuer
        return "otpauth://totp/\(label)?secret=\(secret)&issuer=\(issuerParameter)&algorithm=SHA1&digits=\(digits)&period=30"
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    /// RFC 4648 base32 without padding.
    public static func base32(_ data: Data) -> String {
        var output = ""
        var buffer: UInt32 = 0
        var bits = 0
        for byte in data {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return output
    }

    /// Base32 as apps and people write it (any case, spaces and padding ignored); nil when it is not base32.
    public static func base32Decode(_ text: String) -> Data? {
        var bytes: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.uppercased() where character != " " && character != "=" {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                bytes.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return bytes.isEmpty ? nil : Data(bytes)
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
