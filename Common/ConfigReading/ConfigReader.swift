public import Foundation
public import Yams

/// Walks a YAML tree, collecting a problem for every missing, mistyped, out-of-range or unknown key instead
/// of stopping at the first. Shared by the edge's and the cloud's configuration; each adds its own sections
/// in an extension.
public struct ConfigReader {
    public var problems: [ConfigProblem] = []

    public init() {}

    /// Parses YAML text; a problem names the file when it is not YAML or is empty.
    public static func compose(yaml: String, file: String) throws(ConfigError) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(file: file, problems: [ConfigProblem(key: "(file)", reason: "is not valid YAML: \(error)")])
        }
        guard let root else {
            throw ConfigError(file: file, problems: [ConfigProblem(key: "(file)", reason: "is empty")])
        }
        return root
    }

    /// Reads a file's text, or a problem naming it.
    public static func read(path: String) throws(ConfigError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(
                file: path, problems: [ConfigProblem(key: "(file)", reason: "cannot be read: \(error.localizedDescription)")])
        }
    }

    // MARK: Typed reads

    public mutating func problem(_ key: String, _ reason: String) {
        problems.append(ConfigProblem(key: key, reason: reason))
    }

    public mutating func mapping(_ node: Node?, at key: String, allowed: Set<String>) -> [String: Node]? {
        guard let node else { return nil }
        guard let mapping = node.mapping else {
            problem(key.isEmpty ? "(top level)" : key, "must be a mapping of keys to values")
            return nil
        }
        var result: [String: Node] = [:]
        for (name, value) in mapping {
            let name = name.string ?? ""
            let path = key.isEmpty ? name : "\(key).\(name)"
            if allowed.contains(name) {
                result[name] = value
            } else {
                problem(path, "is not a known key (known here: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
        return result
    }

    public mutating func sequence(_ node: Node?, at key: String) -> [Node]? {
        guard let node else { return nil }
        guard let sequence = node.sequence else {
            problem(key, "must be a list")
            return nil
        }
        return Array(sequence)
    }

    public mutating func string(_ node: Node?, at key: String) -> String? {
        guard let node else {
            problem(key, "is required")
            return nil
        }
        return string(node, at: key, default: nil)
    }

    public mutating func string(_ node: Node?, at key: String, default fallback: String?) -> String? {
        guard let node else { return fallback }
        guard let scalar = node.scalar else {
            problem(key, "must be a single value, not a list or mapping")
            return fallback
        }
        return scalar.string
    }

    public mutating func integer(_ node: Node?, at key: String, in range: ClosedRange<Int>, default fallback: Int) -> Int {
        guard let text = string(node, at: key, default: nil) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            problem(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
            return fallback
        }
        return value
    }

    public mutating func number(
        _ node: Node?, at key: String, in range: ClosedRange<Double>, default fallback: Double?
    ) -> Double? {
        guard let text = string(node, at: key, default: nil) else { return fallback }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            problem(
                key, "must be a number from \(range.lowerBound.formatted()) to \(range.upperBound.formatted()), got \"\(text)\"")
            return fallback
        }
        return value
    }

    public mutating func bool(_ node: Node?, at key: String, default fallback: Bool) -> Bool {
        guard let text = string(node, at: key, default: nil) else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problem(key, "must be true or false, got \"\(text)\"")
            return fallback
        }
    }

    public mutating func choice(_ node: Node?, at key: String, from options: [String], default fallback: String) -> String {
        guard let text = string(node, at: key, default: nil) else { return fallback }
        guard options.contains(text) else {
            problem(key, "must be one of \(options.joined(separator: ", ")), got \"\(text)\"")
            return fallback
        }
        return text
    }

    public mutating func enumeration<E: RawRepresentable & CaseIterable>(
        _ node: Node?, at key: String, default fallback: E
    ) -> E where E.RawValue == String {
        let text = choice(node, at: key, from: E.allCases.map(\.rawValue), default: fallback.rawValue)
        return E(rawValue: text) ?? fallback
    }

    public mutating func listenAddress(_ node: Node?, at key: String, default fallback: (String, Int)) -> (String, Int) {
        guard let text = string(node, at: key, default: nil) else { return fallback }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port)
        else {
            problem(key, "must be host:port, like 0.0.0.0:9000, got \"\(text)\"")
            return fallback
        }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return (host.isEmpty ? fallback.0 : host, port)
    }

    public mutating func readableFile(_ node: Node?, at key: String) -> String? {
        guard let path = string(node, at: key) else { return nil }
        guard FileManager.default.isReadableFile(atPath: path) else {
            problem(key, "file \"\(path)\" does not exist or cannot be read")
            return nil
        }
        return path
    }

    public static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64
            && text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
    }
}

/// One thing wrong with a configuration: the key, and what is wrong with its value.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// Dotted path of the key, e.g. `ocpp.port` or `stations[2].id`.
    public var key: String
    public var reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(key): \(reason)" }
}

/// A configuration that cannot be used, with every problem found in it.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var problems: [ConfigProblem]

    public init(file: String, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }

    public var description: String {
        "\(file) has \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
