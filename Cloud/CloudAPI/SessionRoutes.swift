import CloudBilling
import CloudCore
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
            let site = try await visibleSite(context)
            let transaction = try context.parameters.require("transaction", as: Int.self)
            guard let session = try await repository.session(site: site.id, transactionId: transaction),
                try context.require(.read).sees(station: session.station, site: site.id)
            else {
                throw Problem(status: 404, detail: "no session \(transaction) at site '\(site.id)'")
            }
            return json(await pricer.withPrice(session))
        }
        api.get("/events") { request, context in
            let identity = try context.require(.read)
            let query = Query(request)
            let severity = try Requests.severityFilter(query.string("severity"))?.rawValue
            let filter = EventFilter(
                scope: identity.scope, site: try query.stationFilter().site, station: try query.stationFilter().station,
                kind: query.string("kind"),
                severity: severity, from: try query.date("from"), to: try query.date("to"),
                limit: try query.integer("limit", in: 1...1000, default: 100))
            return json(Items(items: try await repository.events(filter)))
        }
        api.get("/reservations") { _, context in
            let identity = try context.require(.read)
            return json(Items(items: try await Reservations.upcoming(for: identity, repository: repository)))
        }
        return api
    }
}
