import CloudReports
public import CloudStore
public import Foundation
public import ServerSupport
import SiteModel
import SyncContract

extension Requests {
    /// The event history's filter from a query, the same for the API, the dashboard and their CSV: `site`, `station`,
    /// `kind`, `severity`, `code` (the OCPP error code or action), `vendorCode` (the charger's own), `from` and `to`
    /// (a day such as 2026-12-01, `to` taking in its whole day, or a date-time), `order` (newest or oldest first) and
    /// `after` (the `next` of the page before). Each bad value is refused naming it.
    public static func eventFilter(_ query: Query, scope: Scope?, limit: Int) throws -> EventFilter {
        let (site, station) = try query.stationFilter()
        let order = query.string("order") ?? "newest"
        guard ["newest", "oldest"].contains(order) else {
            throw Problem(status: 400, detail: "order must be newest or oldest, got '\(order)'")
        }
        var after: EventCursor?
        if let text = query.string("after") {
            guard let cursor = EventCursor(text) else {
                throw Problem(status: 400, detail: "after must be the next of a page before, got '\(text)'")
            }
            after = cursor
        }
        return EventFilter(
            scope: scope, site: site, station: station, kind: query.string("kind"),
            severity: try severityFilter(query.string("severity"))?.rawValue, from: try day(query, "from", end: false),
            to: try day(query, "to", end: true), limit: limit, code: query.string("code"), ascending: order == "oldest",
            vendorCode: query.string("vendorCode"), after: after)
    }

    /// A date-only bound (`2026-12-01`, what `<input type="date">` sends; UTC; an end takes in the whole day) or a
    /// date-time.
    static func day(_ query: Query, _ name: String, end: Bool) throws -> Date? {
        guard let text = query.string(name) else { return nil }
        if text.count == 10, let date = SyncJSON.parse(text + "T00:00:00Z") { return end ? date + 86_400 : date }
        return try query.date(name)
    }
}

/// A page of the event history: its events, each with its words for people, and where the next page starts (nil on
/// the last).
public struct EventPage: Sendable, Encodable {
    public var items: [Item]
    public var next: String?

    public init(_ events: [EventView], limit: Int) {
        items = events.map { Item(event: $0, words: EventWords.describe($0)) }
        next = events.count == limit ? events.last.map { "\($0.cursor)" } : nil
    }

    /// An event as it is kept, and `words`.
    public struct Item: Sendable, Encodable {
        public var event: EventView
        public var words: String

        enum Keys: String, CodingKey { case words }

        public func encode(to encoder: any Encoder) throws {
            try event.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(words, forKey: .words)
        }
    }
}
