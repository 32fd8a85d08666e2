import CloudCore
import CloudStore
import Foundation
import Hummingbird
import ServerSupport

/// A billed session's corrections on its page (`session.mustache`): the list for everyone who sees the session, and
/// the form (amounts set, or priced again) for the fleet's own staff with configure who see its whole site. The checks
/// are the API's: ``SessionCorrectionInput``.
extension Dashboard {
    /// One correction as the page lists it.
    struct CorrectionRow {
        let at, by, reason, before, after: String
    }

    /// The session's corrections in words, oldest first.
    func correctionRows(
        _ session: SessionView, formats: Formats, at time: (Date) -> String, strings: [String: String]
    )
        async throws -> [CorrectionRow]
    {
        let exclusive = strings["cost.exclVat"] ?? ""
        return try await repository.sessionCorrections(site: session.site, transactionId: session.transactionId).map {
            CorrectionRow(
                at: time($0.at), by: $0.user ?? "API", reason: $0.reason,
                before: formats.cost($0.before, exclusive: exclusive), after: formats.cost($0.after, exclusive: exclusive))
        }
    }

    /// Whether `identity` may correct what `session` is billed: the fleet's staff with configure who see its whole site,
    /// once it has ended (and, when it has a price, been billed).
    static func mayCorrect(_ session: SessionView, _ identity: APIIdentity) -> Bool {
        identity.organization == nil && identity.role.permits(.configure) && identity.seesWhole(site: session.site)
            && !session.active && session.price?.final != false
    }

    /// The form: set amounts (a decimal comma taken as a point), or `reprice`; back to the session's page.
    func correctSession(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let site = try context.parameters.require("site")
        let transaction = try context.parameters.require("transaction", as: Int.self)
        guard identity.seesWhole(site: site) else { throw Problem(status: 404, detail: "no session \(transaction)") }
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let reprice = form["reprice"] != nil
        func amount(_ name: String) -> String? {
            reprice
                ? nil : form.text(name).map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".") }
        }
        let input = SessionCorrectionInput(
            reason: form["reason"] ?? "", reprice: reprice ? true : nil, exclVat: amount("exclVat"),
            inclVat: amount("inclVat"), currency: reprice ? nil : form.text("currency")?.uppercased())
        _ = try await input.apply(
            site: site, transactionId: transaction, by: identity, repository: repository, pricer: pricer)
        return Response(status: .seeOther, headers: [.location: "/sessions/\(site)/\(transaction)?corrected=1#corrections"])
    }
}
