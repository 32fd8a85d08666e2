public import Foundation

/// The bearer token of the local HTTP interface (security review, finding 25): any process on the box can reach
/// 127.0.0.1, so changes must prove they come from someone who may read the edge's own files.
public enum LocalHTTPToken {
    public struct Failure: Error, CustomStringConvertible {
        /// What is wrong with the file, without the key.
        public let reason: String
        public var description: String { "http.token_file: \(reason)" }
    }

    static let minimumLength = 16

    /// The token in `path`, or a new one written there (32 random bytes as base64url, mode 0600) when the file does not
    /// exist. `groupOrOthersCanRead` says whether the file's mode lets more than its owner read it.
    public static func loadOrCreate(path: String) throws(Failure) -> (token: String, groupOrOthersCanRead: Bool) {
        if !FileManager.default.fileExists(atPath: path) {
            try create(path: path)
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Failure(reason: "\(path) cannot be read by this user")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= minimumLength, !token.contains(where: \.isWhitespace) else {
            throw Failure(
                reason: "\(path) must hold one token of at least \(minimumLength) characters "
                    + "without spaces; delete it and the edge makes a new one")
        }
        let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        return (token, mode & 0o077 != 0)
    }

    private static func create(path: String) throws(Failure) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        // O_EXCL: two edges starting on one directory do not overwrite each other's token.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor < 0 {
            if errno == EEXIST { return }
            throw Failure(reason: "\(path) cannot be created: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let line = Array((token + "\n").utf8)
        guard write(descriptor, line, line.count) == line.count else {
            throw Failure(reason: "\(path) cannot be written: \(String(cString: strerror(errno)))")
        }
    }

    /// Compares without stopping at the first difference, so the time taken says nothing of how much matched.
    static func matches(_ offered: Substring, _ token: String) -> Bool {
        let a = Array(offered.utf8)
        let b = Array(token.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
