import CloudCore
import CloudStore
import Foundation
import Hummingbird
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
        let notifications = try await repository.notifications(
            in: identity.scope, organization: identity.organization, before: before, limit: Self.notificationsPerPage)
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
        let model = NotificationsPage(notifications: lines, hasNotifications: !lines.isEmpty, older: older)
        return page(
            "notifications", title: "notifications.title", language: language, context: context, model: model, live: true,
            nav: "notifications")
    }

    /// `{"count": n}`: notifications newer than the last the reader saw listed (at most 100 counted).
    func unreadNotifications(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let seen = try await lastSeen(identity)
        let newest = try await repository.notifications(
            in: identity.scope, organization: identity.organization, before: nil, limit: 100)
        return try json(UnreadCount(count: newest.filter { $0.id > seen }.count))
    }

    static let notificationsPerPage = 100

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

    let notifications: [Line]
    let hasNotifications: Bool
    /// The `before` of the next (older) page.
    let older: String?
}
