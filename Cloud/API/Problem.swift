import CloudCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

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
