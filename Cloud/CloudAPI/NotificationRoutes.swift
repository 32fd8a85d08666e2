import CloudCore
import CloudStore
import Foundation
import Hummingbird
import ServerSupport

extension CloudAPI {
    /// `/notification-rules` (which events notify whom) and `/notifications` (what they made, and each delivery).
    var notificationRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/notification-rules") { _, context in
            let identity = try context.require(.configure)
            return json(Items(items: try await NotificationRules.visible(to: identity, repository: repository)))
        }
        api.put("/notification-rules/:rule") { request, context in
            let identity = try context.require(.configure)
            let input = try await decode(NotificationRuleInput.self, from: request)
            return json(
                try await NotificationRules.save(
                    id: try context.parameters.require("rule"), input, by: identity, repository: repository, at: Date()))
        }
        api.delete("/notification-rules/:rule") { _, context in
            let identity = try context.require(.configure)
            try await NotificationRules.delete(
                id: try context.parameters.require("rule"), by: identity, repository: repository)
            return Response(status: .noContent)
        }
        api.get("/notifications") { request, context in
            let identity = try context.require(.read)
            let query = Query(request)
            let limit = try query.integer("limit", in: 1...1000) ?? 100
            let before = try query.integer("before", in: 1...Int.max).map(Int64.init)
            return json(
                Items(
                    items: try await NotificationRules.listed(by: identity, repository: repository, before: before, limit: limit))
            )
        }
        api.get("/notifications/:notification/deliveries") { _, context in
            let identity = try context.require(.configure)
            guard let id = Int64(try context.parameters.require("notification")), id > 0, id < Int64.max,
                let notification = try await NotificationRules.listed(
                    by: identity, repository: repository, before: id + 1, limit: 1
                ).first, notification.id == id
            else { throw Problem(status: 404, detail: "no such notification") }
            // A rule's deliveries (its hook, its addresses, its other recipients) are its owner's to read: a client's
            // user named on the fleet's rule reads the notification, not where else it went.
            let owner = try await repository.rule(id: notification.rule)?.organization
            guard identity.organization == nil || owner == identity.organization else {
                throw Problem(status: 404, detail: "no such notification")
            }
            return json(Items(items: try await repository.deliveries(notification: id)))
        }
        api.put("/notification-rules/:rule/mute") { _, context in
            let identity = try context.require(.read)
            try await NotificationRules.mute(
                id: try context.parameters.require("rule"), muted: true, by: identity, repository: repository, at: Date())
            return Response(status: .noContent)
        }
        api.delete("/notification-rules/:rule/mute") { _, context in
            let identity = try context.require(.read)
            try await NotificationRules.mute(
                id: try context.parameters.require("rule"), muted: false, by: identity, repository: repository, at: Date())
            return Response(status: .noContent)
        }
        api.get("/push/key") { _, context in
            _ = try context.require(.read)
            return json(PushKey(publicKey: try await VAPIDKey.load(repository, subject: "").publicKey))
        }
        api.post("/push-subscriptions") { request, context in
            let identity = try context.require(.read)
            let input = try await decode(PushSubscriptionInput.self, from: request)
            let saved = try await PushSubscriptions.save(input, by: identity, repository: repository, at: Date())
            var response = json(PushSubscriptionView(endpoint: saved.endpoint, user: saved.user, createdAt: saved.createdAt))
            response.status = .created
            return response
        }
        api.delete("/push-subscriptions") { request, context in
            let identity = try context.require(.read)
            guard let endpoint = Query(request).string("endpoint") else {
                throw Problem(status: 400, detail: "endpoint: the subscription's endpoint is required")
            }
            guard try await repository.deletePushSubscription(endpoint: endpoint, user: identity.user ?? "") else {
                throw Problem(status: 404, detail: "no subscription of yours at that endpoint")
            }
            return Response(status: .noContent)
        }
        return api
    }
}

/// The VAPID public key browsers subscribe with.
struct PushKey: Encodable {
    let publicKey: String
}

/// A kept subscription (its keys are not shown again).
struct PushSubscriptionView: Encodable {
    let endpoint, user: String
    let createdAt: Date
}
