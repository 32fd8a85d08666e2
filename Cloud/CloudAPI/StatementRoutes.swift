import CloudCore
import CloudReports
import CloudStore
import Foundation
import Hummingbird
import NIOCore

extension CloudAPI {
    /// `/statements`: each month's statement per site and per customer, as its reader may see them.
    var statementRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/statements") { _, context in
            let identity = try context.require(.read)
            let statements = try await Statements.visible(to: identity, repository: repository)
            return json(Items(items: statements.map { StatementBody($0) }))
        }
        api.get("/statements/:statement") { _, context in
            let identity = try context.require(.read)
            let statement = try await Statements.statement(
                id: try context.parameters.require("statement"), for: identity, repository: repository)
            return json(StatementBody(statement))
        }
        api.get("/statements/:statement/csv") { _, context in
            let identity = try context.require(.read)
            let statement = try await Statements.statement(
                id: try context.parameters.require("statement"), for: identity, repository: repository)
            return Self.csvResponse(name: statement.id, text: statement.csv)
        }
        return api
    }
}

/// A statement as the API shows it: what it covers and its figures (its sessions are the CSV).
struct StatementBody: Encodable {
    let id, month, kind, subject: String
    let createdAt: Date
    let summary: StatementSummary?

    init(_ record: StatementRecord) {
        id = record.id
        month = record.month
        kind = record.kind.rawValue
        subject = record.subject
        createdAt = record.createdAt
        summary = try? MonthlyStatements.summary(of: record)
    }
}
