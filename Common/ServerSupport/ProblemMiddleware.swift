import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore

/// Turns every error of a route into a problem answer (`application/problem+json`), and logs and counts it: a thrown
/// ``Problem`` as it is, Hummingbird's `HTTPError` with its status, anything else as a 500.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// What a request is called in the log ("API request", "local HTTP request").
    let service: String
    /// The `WWW-Authenticate` realm of a 401.
    let realm: String
    /// Whether a 500 shows the error's text; when not, the answer names a reference to the log line that has it (a
    /// server reachable from outside must not show SQLite messages or file paths).
    let showsInternalErrors: Bool
    /// The level a refused request (a 4xx, a station's 502 or 504) is logged at.
    let refusalLevel: Logger.Level
    let count: @Sendable (_ status: Int) -> Void

    public init(
        service: String, realm: String, showsInternalErrors: Bool = false, refusalLevel: Logger.Level = .notice,
        count: @escaping @Sendable (Int) -> Void
    ) {
        self.service = service
        self.realm = realm
        self.showsInternalErrors = showsInternalErrors
        self.refusalLevel = refusalLevel
        self.count = count
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let problem: Problem
        do {
            return try await next(request, context)
        } catch let error as Problem {
            problem = error
        } catch let error as HTTPError {
            problem = Problem(status: Int(error.status.code), detail: error.body ?? error.status.reasonPhrase)
        } catch {
            if showsInternalErrors {
                problem = Problem(status: 500, detail: "\(error)")
            } else {
                let reference = Problem.reference()
                context.logger.error(
                    "\(service) failed",
                    metadata: ["reference": "\(reference)", "path": "\(Self.loggable(request.uri.path))", "error": "\(error)"])
                problem = Problem(status: 500, detail: "internal error; reference \(reference) in the log")
            }
        }
        count(problem.status)
        let metadata: Logger.Metadata = [
            "method": "\(request.method)", "path": "\(Self.loggable(request.uri.path))", "status": "\(problem.status)",
            "detail": "\(problem.detail)",
        ]
        // 502 and 504 are a station's doing; other 5xx are the server's own failures.
        if problem.status >= 500 && problem.status != 502 && problem.status != 504 {
            context.logger.error("\(service) failed", metadata: metadata)
        } else {
            context.logger.log(level: refusalLevel, "\(service) refused", metadata: metadata)
        }
        return response(problem)
    }

    /// A path as the log shows it: the secret of a diagnostics upload URL (`/diagnostics/<token>`) or of a
    /// password-reset link left out.
    public static func loggable(_ path: String) -> String {
        for prefix in ["/diagnostics/", "/password-reset/"] where path.hasPrefix(prefix) { return prefix + "…" }
        return path
    }

    /// The answer for `problem`.
    public func response(_ problem: Problem) -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if problem.status == 401 { headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\"" }
        if let seconds = problem.retryAfter { headers[.retryAfter] = "\(seconds)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .init(code: problem.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: (try? encoder.encode(problem)) ?? Data())))
    }
}
