import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServerSupport

/// The notification list (`/notifications`): newest first, what the reader may read (a client organization's users:
/// their own rules'), read up to the newest when its first page is opened; and its unread count for the header.
extension Dashboard {
    func notificationsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let before = try Query(request).integer("before", in: 1...Int.max).map(Int64.init)
        let notifications = try await NotificationRules.listed(
            by: identity, repository: repository, before: before, limit: Self.notificationsPerPage)
        let seen = try await lastSeen(identity)
        if before == nil, let user = identity.user, let newest = notifications.first?.id {
            try await repository.markNotificationsSeen(user: user, upTo: newest)
        }
        let formats = Formats(language: language)
        var lines: [NotificationsPage.Line] = []
        for notification in notifications {
            let event = notification.event.rawValue
            lines.append(
                NotificationsPage.Line(
                    id: notification.id, time: formats.dateTime(notification.at),
                    event: strings["notifications.event.\(event)"] ?? event, site: notification.site,
                    station: notification.station,
                    stationPath: notification.station.map { Self.stationPath(site: notification.site, station: $0) },
                    summary: notification.summary, count: notification.count, unread: notification.id > seen,
                    severe: notification.severity == "error"))
        }
        let older = notifications.count == Self.notificationsPerPage ? notifications.last.map { "\($0.id)" } : nil
        var rules: [NotificationsPage.Rule] = []
        if let user = identity.user {
            let muted = try await repository.optOuts(recipient: "user:\(user)")
            rules = try await NotificationRules.naming(user: user, repository: repository).map {
                NotificationsPage.Rule(id: $0.id, name: $0.name, muted: muted.contains($0.id))
            }
        }
        let model = NotificationsPage(
            notifications: lines, hasNotifications: !lines.isEmpty, older: older, rules: rules, hasRules: !rules.isEmpty)
        return page(
            "notifications", title: "notifications.title", language: language, context: context, model: model, live: true,
            nav: "notifications")
    }

    /// `{"count": n}`: notifications newer than the last the reader saw listed (at most 100 counted).
    func unreadNotifications(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let seen = try await lastSeen(identity)
        let newest = try await NotificationRules.listed(by: identity, repository: repository, limit: 100)
        return try json(UnreadCount(count: newest.filter { $0.id > seen }.count))
    }

    static let notificationsPerPage = 100

    /// Mutes or hears again a rule naming the reader (`muted` = 1 or 0), then back to the list.
    func muteRule(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        guard let muted = form["muted"], ["0", "1"].contains(muted) else {
            throw Problem(status: 400, detail: "muted must be 1 (mute) or 0 (hear again)")
        }
        try await NotificationRules.mute(
            id: try context.parameters.require("rule"), muted: muted == "1", by: identity, repository: repository, at: Date())
        return Response(status: .seeOther, headers: [.location: "/notifications"])
    }

    /// The VAPID public key the page subscribes the browser with.
    func pushKey(_ request: Request, context: APIRequestContext) async throws -> Response {
        _ = try viewer(request, context)
        return try json(PushKeyView(publicKey: try await VAPIDKey.load(repository, subject: "").publicKey))
    }

    /// Keeps the browser's push subscription (`PushSubscription.toJSON()`, sent with the form token in a header).
    func subscribePush(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        var request = request
        let body = try await request.collectBody(upTo: 1 << 14)
        let input: PushSubscriptionInput
        do {
            input = try JSONDecoder().decode(PushSubscriptionInput.self, from: Data(body.readableBytesView))
        } catch {
            throw Problem(status: 400, detail: "not a push subscription: \(error)")
        }
        _ = try await PushSubscriptions.save(input, by: identity, repository: repository, at: Date())
        return Response(status: .created)
    }

    /// The page an unsubscribe link opens: it asks first (a mail scanner following links unsubscribes nobody).
    func unsubscribePage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (rule, recipient, token) = try unsubscribeLink(request, form: nil)
        guard try await Unsubscribe.holds(rule: rule, recipient: recipient, token: token, repository: repository),
            let found = try await repository.rule(id: rule)
        else { throw Problem(status: 404, detail: "this unsubscribe link is not valid (or its rule is gone)") }
        let model = UnsubscribePage(
            rule: rule, name: found.name, recipient: Self.recipientName(recipient), token: token, done: false)
        return page(
            "unsubscribe", title: "unsubscribe.title", language: language(request: request, context: context),
            context: context, model: model)
    }

    /// Unsubscribes: from the page's button, or a mail program's one-click POST (RFC 8058) to the link itself.
    func unsubscribe(_ request: Request, context: APIRequestContext) async throws -> Response {
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let (rule, recipient, token) = try unsubscribeLink(request, form: form)
        let found = try await Unsubscribe.apply(
            rule: rule, recipient: recipient, token: token, repository: repository, at: Date())
        logger.notice("unsubscribed from a notification rule", metadata: ["rule": "\(rule)", "recipient": "\(recipient)"])
        let model = UnsubscribePage(
            rule: rule, name: found.name, recipient: Self.recipientName(recipient), token: token, done: true)
        return page(
            "unsubscribe", title: "unsubscribe.title", language: language(request: request, context: context),
            context: context, model: model)
    }

    /// The link's rule, recipient and token: from the query, else the form.
    func unsubscribeLink(_ request: Request, form: Form?) throws -> (String, String, String) {
        let query = Query(request)
        guard let rule = query.string("rule") ?? form?["rule"], let recipient = query.string("to") ?? form?["to"],
            let token = query.string("t") ?? form?["t"]
        else { throw Problem(status: 400, detail: "an unsubscribe link has rule, to and t") }
        return (rule, recipient, token)
    }

    /// `user:<id>` as the user's login, an address as it is.
    static func recipientName(_ recipient: String) -> String {
        recipient.hasPrefix("user:") ? String(recipient.dropFirst(5)) : recipient
    }

    /// How far the reader has read the list; a token of no user has no list of its own.
    func lastSeen(_ identity: APIIdentity) async throws -> Int64 {
        guard let user = identity.user else { return 0 }
        return try await repository.lastSeenNotification(user: user)
    }
}

struct UnreadCount: Encodable {
    let count: Int
}

/// `notifications.mustache`.
struct NotificationsPage: PageModel {
    struct Line {
        let id: Int64
        let time, event, site: String
        let station, stationPath: String?
        let summary: String
        let count: Int
        let unread, severe: Bool
    }

    /// A rule naming the reader, which the reader may mute.
    struct Rule {
        let id, name: String
        let muted: Bool
    }

    let notifications: [Line]
    let hasNotifications: Bool
    /// The `before` of the next (older) page.
    let older: String?
    let rules: [Rule]
    let hasRules: Bool
}

/// `unsubscribe.mustache`: the question, or what was done.
struct UnsubscribePage: PageModel {
    let rule, name, recipient, token: String
    let done: Bool
}

struct PushKeyView: Encodable {
    let publicKey: String
}
