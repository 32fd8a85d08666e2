import HTTPTypes
import Hummingbird

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
