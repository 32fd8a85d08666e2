import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// An RFC 9457 problem: how every error of the API answers (`application/problem+json`).
public struct Problem: Error, Codable, Sendable, Equatable {
    public var type = "about:blank"
    public var title: String
    public var status: Int
    public var detail: String
    /// Seconds after which to try again (`Retry-After`), for a 503; not part of the body.
    public var retryAfter: Int?

    public init(status: Int, detail: String, retryAfter: Int? = nil) {
        self.title = Self.titles[status] ?? "Error"
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
        409: "Conflict", 413: "Content Too Large", 416: "Range Not Satisfiable", 429: "Too Many Requests",
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

/// Turns every error of a route into a problem answer, and logs and counts it.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        let problem: Problem
        do {
            return try await next(request, context)
        } catch let error as Problem {
            problem = error
        } catch let error as HTTPError {
            problem = Problem(status: Int(error.status.code), detail: error.body ?? error.status.reasonPhrase)
        } catch {
            // The error's text (an SQLite message, a file path) goes to the log only; the answer names a reference
            // to find it there (security review, finding 26).
            let reference = Problem.reference()
            context.logger.error(
                "API request failed", metadata: ["reference": "\(reference)", "path": "\(request.uri.path)", "error": "\(error)"])
            problem = Problem(status: 500, detail: "internal error; reference \(reference) in the cloud's log")
        }
        metrics.error(status: problem.status)
        let metadata: Logger.Metadata = [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(problem.status)",
            "detail": "\(problem.detail)",
        ]
        if problem.status >= 500 && problem.status != 502 && problem.status != 504 {
            context.logger.error("API request failed", metadata: metadata)
        } else {
            context.logger.notice("API request refused", metadata: metadata)
        }
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if problem.status == 401 { headers[.wwwAuthenticate] = #"Bearer realm="gridside""# }
        if let seconds = problem.retryAfter { headers[.retryAfter] = "\(seconds)" }
        return Response(
            status: .init(code: problem.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: (try? JSONEncoder.sorted.encode(problem)) ?? Data())))
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// `Strict-Transport-Security` on every answer (the cloud serves HTTPS only): a browser that has been here once does not
/// speak plain HTTP to it again for a year (security review, finding 24).
struct StrictTransportSecurity<Context: RequestContext>: RouterMiddleware {
    static var value: String { "max-age=31536000" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        var response = try await next(request, context)
        response.headers[HTTPField.Name("Strict-Transport-Security")!] = Self.value
        return response
    }
}
