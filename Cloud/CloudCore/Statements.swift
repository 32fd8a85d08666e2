public import CloudStore
import Foundation
import ServerSupport

/// Who reads which monthly statement: a site's, whoever sees the whole site; a customer's, the fleet's staff and that
/// customer's own users.
public enum Statements {
    public static func visible(to identity: APIIdentity, repository: any CloudRepository) async throws -> [StatementRecord] {
        try await repository.statements().filter { may(identity, read: $0) }
    }

    /// The statement `id` with its CSV, if `identity` may read it (404 otherwise, so others' are not confirmed).
    public static func statement(
        id: String, for identity: APIIdentity, repository: any CloudRepository
    ) async throws -> StatementRecord {
        guard let statement = try await repository.statement(id: id), may(identity, read: statement) else {
            throw Problem(status: 404, detail: "no statement '\(id)'")
        }
        return statement
    }

    static func may(_ identity: APIIdentity, read statement: StatementRecord) -> Bool {
        switch statement.kind {
        case .site: identity.seesWhole(site: statement.subject)
        case .customer: identity.organization == nil || identity.organization == statement.subject
        }
    }
}
