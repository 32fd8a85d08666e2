import CloudCore
import Foundation
import Testing

@Suite struct TOTPTests {
    /// RFC 6238 appendix B, SHA-1: the secret "12345678901234567890" and its eight-digit codes.
    @Test func theCodesAreRFC6238s() {
        let secret = Data("12345678901234567890".utf8)
        let vectors: [(TimeInterval, String)] = [
            (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
        ]
        for (time, code) in vectors {
            #expect(TOTP.code(secret: secret, step: TOTP.step(at: Date(timeIntervalSince1970: time)), digits: 8) == code)
        }
        #expect(TOTP.code(secret: secret, step: 1) == "287082", "six digits: the last six")
    }

    @Test func base32IsRFC4648sAndTheURINamesTheAccount() {
        #expect(TOTP.base32(Data("foobar".utf8)) == "MZXW6YTBOI")
        #expect(TOTP.base32Decode("mzxw 6ytb oi==") == Data("foobar".utf8))
        #expect(TOTP.base32Decode("not base32!") == nil)
        let secret = TOTP.newSecret()
        #expect(secret.count == 32 && TOTP.base32Decode(secret)?.count == 20)
        #expect(
            TOTP.uri(secret: "ABC", account: "olga", issuer: "Gridside")
                == "otpauth://totp/Gridside%3Aolga?secret=ABC&issuer=Gridside&algorithm=SHA1&digits=6&period=30")
    }

    @Test func aCodeIsTakenWithinOneStepAndOnlyAfterTheLastOneUsed() throws {
        let secret = TOTP.base32(Data("12345678901234567890".utf8))
        let key = try #require(TOTP.base32Decode(secret))
        let now = Date(timeIntervalSince1970: 1_795_600_000)
        let step = TOTP.step(at: now)
        let current = TOTP.code(secret: key, step: step)
        #expect(TOTP.matchingStep(current, secret: secret, at: now, after: nil) == step)
        #expect(TOTP.matchingStep(TOTP.code(secret: key, step: step - 1), secret: secret, at: now, after: nil) == step - 1)
        #expect(TOTP.matchingStep(TOTP.code(secret: key, step: step + 2), secret: secret, at: now, after: nil) == nil)
        #expect(TOTP.matchingStep(current, secret: secret, at: now, after: step) == nil, "used once")
        #expect(TOTP.matchingStep("12345", secret: secret, at: now, after: nil) == nil)
        #expect(TOTP.matchingStep("abcdef", secret: secret, at: now, after: nil) == nil)
    }
}
