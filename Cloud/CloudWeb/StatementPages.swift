import CloudCore
import CloudReports
import CloudStore
import Foundation
import Hummingbird
import NIOCore
import Pricing
import ServerSupport

/// Monthly statements in the dashboard: the list its reader may see, each as a printable page and as CSV.
extension Dashboard {
    func statementsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let statements = try await Statements.visible(to: identity, repository: repository)
        let model = StatementsPage(
            statements: statements.map { statement in
                let summary = try? MonthlyStatements.summary(of: statement)
                return .init(
                    id: statement.id, month: statement.month, kind: strings["statement.kind.\(statement.kind.rawValue)"] ?? "",
                    subject: summary?.subjectName ?? statement.subject, sessions: summary?.sessions ?? 0,
                    energy: Formats(language: language).number(summary?.energyKWh ?? .zero, digits: 2),
                    revenue: Self.revenue(summary?.revenue ?? [], formats: Formats(language: language)))
            }, hasStatements: !statements.isEmpty)
        return page("statements", title: "nav.statements", language: language, context: context, model: model, nav: "statements")
    }

    func statementPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let statement = try await Statements.statement(
            id: try context.parameters.require("statement"), for: identity, repository: repository)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let summary = try MonthlyStatements.summary(of: statement)
        let formats = Formats(language: language, timeZone: TimeZone(identifier: summary.timeZone) ?? .gmt)
        func kWh(_ value: ExactDecimal) -> String { formats.number(value, digits: 2) }
        let model = StatementPage(
            id: statement.id, month: statement.month, kind: strings["statement.kind.\(statement.kind.rawValue)"] ?? "",
            subject: summary.subjectName, from: formats.dateTime(summary.from), to: formats.dateTime(summary.to),
            sessions: summary.sessions, flagged: summary.flagged, energy: kWh(summary.energyKWh),
            revenue: Self.revenue(summary.revenue, formats: formats),
            lines: summary.lines.map {
                .init(
                    label: $0.label, sessions: $0.sessions, energy: kWh($0.energyKWh),
                    revenue: Self.revenue($0.revenue, formats: formats))
            },
            perVehicle: statement.kind == .customer, created: formats.dateTime(statement.createdAt),
            billTo: summary.billTo.map { .init(name: summary.subjectName, address: $0.address ?? "", vatId: $0.vatId) })
        return page("statement", title: "nav.statements", language: language, context: context, model: model, nav: "statements")
    }

    func statementCSV(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let statement = try await Statements.statement(
            id: try context.parameters.require("statement"), for: identity, repository: repository)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(statement.id).csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: statement.csv)))
    }

    /// Revenue with VAT, one amount per currency.
    static func revenue(_ revenue: [ReportRow.Revenue], formats: Formats) -> String {
        revenue.map { formats.money($0.inclVat, $0.currency) }.joined(separator: ", ")
    }
}

/// The monthly statements a reader may see (`statements.mustache`).
struct StatementsPage: PageModel {
    struct Row {
        let id, month, kind, subject: String
        let sessions: Int
        let energy, revenue: String
    }

    let statements: [Row]
    let hasStatements: Bool
}

/// One statement, printable (`statement.mustache`).
struct StatementPage: PageModel {
    struct Line {
        let label: String
        let sessions: Int
        let energy, revenue: String
    }

    let id, month, kind, subject, from, to: String
    let sessions, flagged: Int
    let energy, revenue: String
    let lines: [Line]
    /// A customer's statement lists its vehicles (the kWh each charged), a site's its stations.
    let perVehicle: Bool
    let created: String
    /// A customer's name, address (a line each) and VAT id, as when the statement was made.
    let billTo: BillTo?

    struct BillTo {
        let name: String
        let lines: [String]
        let vatId: String?

        init(name: String, address: String, vatId: String?) {
            self.name = name
            lines = address.split(separator: "\n").map(String.init)
            self.vatId = vatId
        }
    }
}
