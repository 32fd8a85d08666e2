import CloudCore
import CloudStore
import Foundation
import Hummingbird
import NIOCore
import ServerSupport

extension CloudAPI {
    /// `/cards`: drivers' cards, from which the edges' token lists are derived; CSV export and import.
    var cardRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/cards") { request, context in
            let identity = try context.require(.read)
            let cards = try await Cards.visible(to: identity, repository: repository)
            guard try Self.wantsCSV(Query(request)) else {
                return try json(Items(items: cards)).response(from: request, context: context)
            }
            return Self.csvResponse(name: "cards", text: Cards.csv(cards))
        }
        api.put("/cards/:card") { request, context in
            let identity = try context.require(.configure)
            try Cards.requireStaff(identity)
            let input = try await decode(CardInput.self, from: request)
            let card = try await input.card(
                idTag: try context.parameters.require("card"), repository: repository, at: Date())
            for site in try await Cards.save([card], repository: repository, at: Date()) { await tokenListChanged(site) }
            return try json(card).response(from: request, context: context)
        }
        api.delete("/cards/:card") { _, context in
            let identity = try context.require(.configure)
            try Cards.requireStaff(identity)
            let tag = try context.parameters.require("card")
            guard let sites = try await repository.deleteCard(idTag: tag) else {
                throw Problem(status: 404, detail: "no card '\(tag)'")
            }
            for site in sites { await tokenListChanged(site) }
            return Response(status: .noContent)
        }
        api.post("/cards/import") { request, context in
            let identity = try context.require(.configure)
            try Cards.requireStaff(identity)
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let cards = try await Cards.read(
                csv: String(decoding: body.readableBytesView, as: UTF8.self), repository: repository, at: Date())
            for site in try await Cards.save(cards, repository: repository, at: Date()) { await tokenListChanged(site) }
            return try json(Items(items: cards)).response(from: request, context: context)
        }
        return api
    }
}
