import CloudCore
import CloudStore
import Foundation
import Hummingbird
import NIOCore
import ServerSupport
import SiteModel
import SyncContract

extension CloudAPI {
    /// `/sites`: the sites the caller sees, a site's details, meters, token list and load-management settings, and stations registered ahead of their first connection.
    var siteRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/sites") { _, context in
            let identity = try context.require(.read)
            return json(Items(items: try await repository.sites(in: identity.scope)))
        }
        api.get("/sites/:site") { _, context in
            json(try await visibleSite(context))
        }
        api.put("/sites/:site") { request, context in
            _ = try context.require(.configure)
            let site = try await visibleSite(context, whole: true)
            return json(try await decode(SiteChange.self, from: request).apply(to: site.id, repository: repository))
        }
        api.post("/sites/:site/stations") { request, context in
            _ = try context.require(.configure)
            let site = try await visibleSite(context, whole: true)
            let input = try await decode(StationRegistrationInput.self, from: request)
            return try await relay(
                site: site.id, station: input.id, action: StationRegistration.action,
                payload: try await input.payload(site: site.id, by: try context.require(.configure), repository: repository),
                user: context.identity?.user)
        }
        api.get("/sites/:site/meters") { request, context in
            let site = try await visibleSite(context, whole: true)
            let query = Query(request)
            let points = try await repository.meterSeries(
                site: site.id, from: try query.date("from"), to: try query.date("to"),
                limit: try query.integer("limit", in: 1...10_000, default: 1000))
            return json(Items(items: points))
        }
        api.post("/sites") { request, context in
            let identity = try context.require(.admin)
            let input = try await decode(SiteCreation.self, from: request)
            var response = try json(try await onboarding.create(input, by: identity, at: Date())).response(
                from: request, context: context)
            response.status = .created
            return response
        }
        api.post("/sites/:site/broker-credentials") { _, context in
            let identity = try context.require(.admin)
            return json(try await onboarding.rotate(site: try context.parameters.require("site"), by: identity))
        }
        api.post("/sites/:site/retire") { request, context in
            let identity = try context.require(.admin)
            // `{"confirm": true}` retires a site whose edge is online; no body is no confirmation.
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            var confirmed = false
            if body.readableBytes > 0 {
                do {
                    confirmed = try SyncJSON.decoder().decode(SiteRetirement.self, from: Data(body.readableBytesView)).confirm
                } catch {
                    throw Problem(status: 400, detail: "the body is not valid: \(error)")
                }
            }
            try await onboarding.retire(
                site: try context.parameters.require("site"), confirmed: confirmed, by: identity, at: Date())
            return Response(status: .noContent)
        }
        api.get("/sites/:site/load") { request, context in
            let site = try await visibleSite(context, whole: true)
            let (from, to) = try Requests.loadRange(Query(request), now: Date())
            return json(try await repository.loadSeries(site: site.id, from: from, to: to, limit: 10_000))
        }
        api.get("/sites/:site/tokens") { _, context in
            let site = try await visibleSite(context, whole: true)
            let (version, tokens) = try await repository.siteTokens(site: site.id)
            return json(TokenListBody(version: version, tokens: tokens))
        }
        api.put("/sites/:site/tokens") { request, context in
            _ = try context.require(.configure)
            let site = try await visibleSite(context, whole: true)
            let body = try await decode(TokenListInput.self, from: request)
            for (index, token) in body.tokens.enumerated() {
                guard !token.idTag.isEmpty, token.idTag.utf8.count <= 20 else {
                    throw Problem(status: 400, detail: "tokens[\(index)].idTag must be 1 to 20 characters (OCPP 1.6 IdToken)")
                }
                guard ["Accepted", "Blocked", "Expired", "Invalid"].contains(token.status) else {
                    throw Problem(status: 400, detail: "tokens[\(index)].status must be Accepted, Blocked, Expired or Invalid")
                }
            }
            // With the drivers' cards that apply there, the list must fit in one MQTT message.
            try Cards.checkTokenList(
                site: site.id,
                bytes: try Cards.tokenListBytes(site: site.id, own: body.tokens, cards: try await repository.cards(), at: Date()))
            let version = try await repository.replaceSiteTokens(site: site.id, with: body.tokens)
            await tokenListChanged(site.id)
            return json(TokenListBody(version: version, tokens: body.tokens))
        }
        api.put("/sites/:site/load-management") { request, context in
            _ = try context.require(.configure)
            let site = try await visibleSite(context, whole: true)
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let change = try Requests.loadSettings(from: Data(body.readableBytesView))
            let payload = String(decoding: try SyncJSON.encoder().encode(change), as: UTF8.self)
            return try await relay(site: site.id, action: LoadSettings.action, payload: payload, user: context.identity?.user)
        }
        return api
    }
}
