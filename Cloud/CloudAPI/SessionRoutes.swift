import CloudBilling
import CloudCore
import CloudReports
import CloudStore
import Foundation
import Hummingbird
import NIOCore
import ServerSupport
import SiteModel
import SyncContract

extension CloudAPI {
    /// `/sessions`, `/events` and `/reservations`: what happened and what is planned, scoped to what the caller sees.
    var sessionAndEventRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/sessions") { request, context in
            let identity = try context.require(.read)
            var page = try await repository.sessions(try Requests.sessionFilter(Query(request), scope: identity.scope))
            // A running session shows what it costs so far.
            for index in page.items.indices { page.items[index] = await pricer.withPrice(page.items[index]) }
            return json(page.body)
        }
        api.get("/sessions/:site/:transaction") { _, context in
            json(await pricer.withPrice(try await visibleSession(context)))
        }
        // A billed session corrected: its amounts set (a goodwill credit, a dispute settled) or priced again from its
        // measurements with the tariff it started under (readings that came late). The new price replaces the old, the
        // correction is kept, and roaming partners that had its CDR get a credit CDR and a new one.
        api.post("/sessions/:site/:transaction/corrections") { request, context in
            let identity = try context.require(.configure)
            let site = try await visibleSite(context, whole: true)
            let transaction = try context.parameters.require("transaction", as: Int.self)
            let input = try await decode(SessionCorrectionInput.self, from: request)
            let (session, correction) = try await input.apply(
                site: site.id, transactionId: transaction, by: identity, repository: repository, pricer: pricer)
            return JSONBody(value: Corrected(session: session, correction: correction), status: .created)
        }
        api.get("/sessions/:site/:transaction/corrections") { _, context in
            let session = try await visibleSession(context)
            return json(
                Items(items: try await repository.sessionCorrections(site: session.site, transactionId: session.transactionId)))
        }
        api.get("/events") { request, context in
            let identity = try context.require(.read)
            let query = Query(request)
            let limit = try query.integer("limit", in: 1...1000, default: 100)
            let filter = try Requests.eventFilter(query, scope: identity.scope, limit: limit)
            guard try Self.wantsCSV(query) else {
                return try json(EventPage(try await repository.events(filter), limit: limit)).response(
                    from: request, context: context)
            }
            // CSV: every event of the filter, however many, streamed page by page.
            let export = EventExport(repository: repository, filter: filter)
            return Response.csv(named: "events") { try await export.csv($0) }
        }
        api.get("/reservations") { _, context in
            let identity = try context.require(.read)
            return json(Items(items: try await Reservations.upcoming(for: identity, repository: repository)))
        }
        return api
    }

    /// The session the path names (`:site`, `:transaction`), when the caller sees its station; 404 otherwise.
    func visibleSession(_ context: APIRequestContext) async throws -> SessionView {
        let site = try await visibleSite(context)
        let transaction = try context.parameters.require("transaction", as: Int.self)
        guard let session = try await repository.session(site: site.id, transactionId: transaction),
            try context.require(.read).sees(station: session.station, site: site.id)
        else {
            throw Problem(status: 404, detail: "no session \(transaction) at site '\(site.id)'")
        }
        return session
    }
}

/// What a corrected session comes to.
struct Corrected: Encodable {
    let session: SessionView
    let correction: SessionCorrection
}
