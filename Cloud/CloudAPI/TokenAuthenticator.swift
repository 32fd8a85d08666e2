import CloudCore
import CloudStore
import Foundation
import Hummingbird
import ServerSupport
import SyncContract

/// Resolves `Authorization: Bearer <token>` into the caller's ``APIIdentity``. A missing token leaves the
/// identity empty (routes that need one answer 401); a token that is malformed, unknown, revoked or expired is
/// refused at once with 401. Its last use is kept to the minute (one write a minute per token, not one per request).
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
        let now = Date()
        if let expiry = record.expiresAt, expiry <= now {
            throw Problem(status: 401, detail: "the API token expired at \(SyncJSON.format(expiry))")
        }
        if record.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            try await repository.tokenUsed(id: record.id, at: now)
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
