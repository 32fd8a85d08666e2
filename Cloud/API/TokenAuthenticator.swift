import CloudStore
import Foundation
import Hummingbird

/// Resolves `Authorization: Bearer <token>` into the caller's ``APIIdentity``. A missing token leaves the
/// identity empty (routes that need one answer 401); a token that is malformed, unknown or revoked is
/// refused at once with 401.
struct TokenAuthenticator: RouterMiddleware {
    typealias Context = APIRequestContext
    let repository: any CloudRepository

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard header.lowercased().hasPrefix("bearer ") else {
            throw Problem(status: 401, detail: "the Authorization header must be 'Bearer <token>'")
        }
        let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard let (id, secret) = APITokens.parse(token), let record = try await repository.apiToken(id: id),
            !record.revoked, APITokens.matches(secret, hash: record.secretHash), let role = Role(rawValue: record.role)
        else {
            throw Problem(status: 401, detail: "the API token is not valid")
        }
        var context = context
        if let userId = record.user {
            // A user's token acts with the user's role and organization as they are now.
            guard let user = try await repository.user(id: userId),
                let identity = try await Access.identity(of: user, repository: repository, tokenId: record.id)
            else {
                throw Problem(status: 401, detail: "the API token's user no longer exists")
            }
            context.identity = identity
        } else {
            context.identity = APIIdentity(tokenId: record.id, name: record.name, role: role)
        }
        return try await next(request, context)
    }
}
