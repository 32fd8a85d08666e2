public import CloudStore
public import Foundation
public import ServerSupport

extension Requests {
    /// The fleet list's filter from a query, the same for the API, the dashboard and their CSV: `site`, `group`,
    /// `state` (offline, faulted, in_use, unavailable, available), `vendor`, `model`, `firmware`, `protocol`,
    /// `silentHours` (out of contact for longer than that many hours), `q` (a part of the id or serial number), `sort`
    /// (station, site, state, vendor, model, firmware, protocol, last_contact), `order` (asc or desc), `limit` and
    /// `offset`. Each bad value is refused naming it.
    public static func fleetFilter(_ query: Query, scope: Scope?, now: Date, limit: Int, maxLimit: Int) throws -> FleetFilter {
        func text(_ name: String) throws -> String? {
            guard let value = query.string(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            guard value.count <= 100 else { throw Problem(status: 400, detail: "\(name) must be at most 100 characters") }
            return value
        }
        let order = query.string("order") ?? "asc"
        guard ["asc", "desc"].contains(order) else {
            throw Problem(status: 400, detail: "order must be asc or desc, got '\(order)'")
        }
        let silent = try query.integer("silentHours", in: 0...87_600)
        return FleetFilter(
            scope: scope, site: try text("site"), group: try text("group"), state: try query.choice("state", FleetState.self),
            vendor: try text("vendor"), model: try text("model"), firmware: try text("firmware"),
            protocol: try text("protocol"), silentSince: silent.map { now - Double($0) * 3600 }, text: try text("q"),
            sort: try query.choice("sort", FleetSort.self) ?? .station, descending: order == "desc",
            limit: try query.integer("limit", in: 1...maxLimit, default: limit),
            offset: try query.integer("offset", in: 0...10_000_000, default: 0))
    }
}

/// A page of the fleet list as the API answers it: the stations, how many the filter finds, and the `offset` of the
/// next page (nil on the last).
public struct FleetAnswer: Sendable, Encodable {
    public var items: [FleetStation]
    public var total: Int
    public var next: Int?

    public init(_ page: FleetPage, filter: FleetFilter) {
        items = page.items
        total = page.total
        let end = filter.offset + page.items.count
        next = end < page.total && !page.items.isEmpty ? end : nil
    }
}
