import Foundation
import Testing

@testable import EdgeServer

/// The local interface's token file (security review, finding 25).
@Suite struct LocalHTTPTokenTests {
    let directory = TemporaryDirectory()

    @Test func theFirstStartWritesATokenOnlyItsOwnerReadsAndLaterStartsReadIt() throws {
        let path = directory.file("http.token")
        let (token, shared) = try LocalHTTPToken.loadOrCreate(path: path)
        #expect(token.count == 43 && !shared)
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try LocalHTTPToken.loadOrCreate(path: path).token == token)
        #expect(try LocalHTTPToken.loadOrCreate(path: directory.file("other.token")).token != token)
    }

    @Test func anOperatorsOwnTokenIsKeptAndAWeakOrSharedOneIsNamed() throws {
        let path = directory.file("own.token")
        try "  a-token-the-operator-chose \n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let (token, shared) = try LocalHTTPToken.loadOrCreate(path: path)
        #expect(token == "a-token-the-operator-chose" && shared)

        let short = directory.file("short.token")
        try "abc".write(toFile: short, atomically: true, encoding: .utf8)
        let error = #expect(throws: LocalHTTPToken.Failure.self) { try LocalHTTPToken.loadOrCreate(path: short) }
        #expect(error?.description.hasPrefix("http.token_file: \(short) must hold one token of at least 16") == true)

        let nowhere = "/proc/no-such-directory/http.token"
        let unwritable = #expect(throws: LocalHTTPToken.Failure.self) { try LocalHTTPToken.loadOrCreate(path: nowhere) }
        #expect(unwritable?.reason.contains("cannot be created") == true)
    }

    @Test func tokensMatchOnlyWhenEqual() {
        #expect(LocalHTTPToken.matches("abcdefgh", "abcdefgh"))
        #expect(!LocalHTTPToken.matches("abcdefgX", "abcdefgh"))
        #expect(!LocalHTTPToken.matches("abcdefg", "abcdefgh"))
        #expect(!LocalHTTPToken.matches("", "abcdefgh"))
    }
}
