import CloudCore
import Hummingbird
import Logging
import ServerSupport

/// Answers a page's errors as pages: the sign-in page for a browser that is not signed in, an error page in the
/// reader's language for a refusal (403, 404, 400) or a failure.
struct WebErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let dashboard: Dashboard

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as SignInRequired {
            return Response(status: error.status, headers: error.headers)
        } catch let problem as Problem {
            if problem.status == 401 {
                return Response(status: .seeOther, headers: SignInRequired(next: request.uri.path).headers)
            }
            context.logger.notice(
                "dashboard request refused",
                metadata: [
                    "path": "\(WebAuth.loggable(request.uri.path))", "status": "\(problem.status)", "detail": "\(problem.detail)",
                ])
            return await errorPage(problem.detail, status: .init(code: problem.status), request: request, context: context)
        } catch let error as HTTPError {
            return await errorPage(
                error.body ?? error.status.reasonPhrase, status: error.status, request: request, context: context)
        } catch {
            let reference = Problem.reference()
            context.logger.error(
                "dashboard page failed",
                metadata: ["reference": "\(reference)", "path": "\(WebAuth.loggable(request.uri.path))", "error": "\(error)"])
            return await errorPage(
                "internal error; reference \(reference) in the cloud's log", status: .internalServerError, request: request,
                context: context)
        }
    }

    private func errorPage(_ message: String, status: HTTPResponse.Status, request: Request, context: Context) async -> Response {
        dashboard.page(
            "error", title: "error.title", language: dashboard.language(request: request, context: context),
            context: context, model: ErrorPage(message: message), status: status)
    }
}

/// What went wrong, in words for the reader (`error.mustache`).
struct ErrorPage: PageModel {
    let message: String
}
