public import Hummingbird
import NIOCore

/// Typed reads of a request's query string, for the edge's local interface and the cloud's API and pages alike;
/// each refusal is a 400 that names the parameter and what it got. An empty value counts as absent.
public struct Query: Sendable {
    let parameters: [String: String]

    public init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
        self.parameters = parameters
    }

    /// Parameters already read (a test's, or another source's).
    public init(parameters: [String: String]) { self.parameters = parameters }

    public func string(_ name: String) -> String? { parameters[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// A whole number in `range`, or nil when absent.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            let bounds =
                range.upperBound == Int.max
                ? "of at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw Problem(status: 400, detail: "\(name) must be a whole number \(bounds), got '\(text)'")
        }
        return value
    }

    public func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        try integer(name, in: range) ?? fallback
    }

    public func bool(_ name: String) throws -> Bool? {
        guard let text = string(name) else { return nil }
        guard let value = Bool(text) else { throw Problem(status: 400, detail: "\(name) must be true or false, got '\(text)'") }
        return value
    }

    /// One of an enumeration's raw values, or nil when absent; anything else is refused listing the values it takes.
    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type = T.self) throws -> T?
    where T.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw Problem(
                status: 400,
                detail: "\(name) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return value
    }
}

extension Response {
    /// A CSV download (`name`.csv), written as `produce` hands its chunks over: any length, memory flat.
    public static func csv(
        named name: String, _ produce: @escaping @Sendable (_ write: (String) async throws -> Void) async throws -> Void
    ) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name).csv\""],
            body: ResponseBody { writer in
                try await produce { try await writer.write(ByteBuffer(string: $0)) }
                try await writer.finish(nil)
            })
    }
}
