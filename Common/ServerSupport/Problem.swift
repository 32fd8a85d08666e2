import Foundation
import HTTPTypes

/// An RFC 9457 problem: how every error of the cloud's API and the edge's local interface answers
/// (`application/problem+json`), and what use cases throw to say what was wrong and which status that is.
public struct Problem: Error, Codable, Sendable, Equatable {
    public var type = "about:blank"
    public var title: String
    public var status: Int
    public var detail: String
    /// Seconds after which to try again (`Retry-After`), for a 503; not part of the body.
    public var retryAfter: Int?

    /// - Parameter title: the status's own name when nil (RFC 9110's reason phrase).
    public init(status: Int, detail: String, title: String? = nil, retryAfter: Int? = nil) {
        self.title = title ?? Self.titles[status] ?? HTTPResponse.Status(code: status).reasonPhrase
        self.status = status
        self.detail = detail
        self.retryAfter = retryAfter
    }

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail
    }
}

extension Problem {
    static let titles = [
        400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
        409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
        421: "Misdirected Request", 429: "Too Many Requests",
        500: "Internal Server Error", 502: "Bad Gateway",
        503: "Service Unavailable", 504: "Gateway Timeout",
    ]
}

extension Problem {
    /// A short random reference that ties an internal error's answer to its log line.
    public static func reference() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }
}
