import CloudCore
import CloudReports
import CloudStore
import Foundation
import Hummingbird
import NIOCore
import ServerSupport

/// The fleet list (`/fleet`): every station the reader sees, filtered by state, site, group, vendor, model, firmware,
/// protocol, last contact and a part of its id or serial number, sorted by any column both ways, 100 a page, and all of
/// it as CSV (`/fleet.csv`, the same filter). The same filter and order as the API's `/api/v1/fleet`.
extension Dashboard {
    static let fleetPerPage = 100

    func fleetPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let strings = Catalog.strings(language)
        let query = Query(request)
        let filter = try Requests.fleetFilter(
            query, scope: identity.scope, now: Date(), limit: Self.fleetPerPage, maxLimit: Self.fleetPerPage)
        let page = try await repository.fleet(filter)
        let choices = try await repository.fleetChoices(in: identity.scope)
        let sites = try await repository.sites(in: identity.scope)
        let groups = try await repository.groups(in: identity.scope)
        let clocks = SiteClocks(sites, language: language)
        // The filter as it stands, for the sort links, the pages and the CSV.
        let names = ["site", "group", "state", "vendor", "model", "firmware", "protocol", "silentHours", "q"]
        let kept = names.compactMap { name in query.string(name).map { URLQueryItem(name: name, value: $0) } }
        func link(_ path: String, _ more: [URLQueryItem]) -> String {
            var parts = URLComponents()
            parts.queryItems = kept + more
            let text = parts.percentEncodedQuery ?? ""
            return path + (text.isEmpty ? "" : "?" + text)
        }
        let sortItems =
            [URLQueryItem(name: "sort", value: filter.sort.rawValue)]
            + (filter.descending ? [URLQueryItem(name: "order", value: "desc")] : [])
        func options(_ values: [String], _ chosen: String?) -> [Option] {
            [Option(value: "", label: strings["event.any"] ?? "", selected: chosen == nil)]
                + values.map { Option(value: $0, label: $0, selected: $0 == chosen) }
        }
        let columns = FleetSort.allCases.map { sort in
            let current = sort == filter.sort
            let order = current && !filter.descending ? "desc" : "asc"
            return FleetListPage.Column(
                label: strings["fleet.column.\(sort.rawValue)"] ?? sort.rawValue,
                link: link(
                    "/fleet", [URLQueryItem(name: "sort", value: sort.rawValue), URLQueryItem(name: "order", value: order)]),
                sort: current ? (filter.descending ? "descending" : "ascending") : "none")
        }
        let rows = page.items.map { station in
            FleetListPage.Row(
                path: Self.stationPath(site: station.site, station: station.id), id: station.id, site: station.siteName,
                state: station.state.rawValue,
                stateLabel: strings["fleet.state.\(station.state.rawValue)"] ?? station.state.rawValue,
                vendor: station.vendor ?? "–", model: station.model ?? "–", firmware: station.firmwareVersion ?? "–",
                protocol: station.protocol ?? "–",
                lastContact: station.lastContact.map { clocks.time($0, at: station.site) }
                    ?? (strings["fleet.connectedNow"] ?? ""))
        }
        let end = filter.offset + page.items.count
        let model = FleetListPage(
            total: page.total, from: page.items.isEmpty ? 0 : filter.offset + 1, to: end, hasStations: !rows.isEmpty,
            columns: columns, stations: rows, q: query.string("q") ?? "", silentHours: query.string("silentHours") ?? "",
            stateOptions: options(FleetState.allCases.map(\.rawValue), filter.state?.rawValue).map {
                $0.value.isEmpty
                    ? $0 : Option(value: $0.value, label: strings["fleet.state.\($0.value)"] ?? $0.value, selected: $0.selected)
            },
            siteOptions: sites.map { SiteOption(id: $0.id, name: $0.name, selected: $0.id == filter.site) },
            groupOptions: groups.map { SiteOption(id: $0.id, name: $0.name, selected: $0.id == filter.group) },
            vendorOptions: options(choices.vendors, filter.vendor), modelOptions: options(choices.models, filter.model),
            firmwareOptions: options(choices.firmwares, filter.firmware),
            protocolOptions: options(choices.protocols, filter.protocol),
            previous: filter.offset > 0
                ? link(
                    "/fleet", sortItems + [URLQueryItem(name: "offset", value: "\(max(0, filter.offset - Self.fleetPerPage))")])
                : nil,
            next: end < page.total ? link("/fleet", sortItems + [URLQueryItem(name: "offset", value: "\(end)")]) : nil,
            csv: link("/fleet.csv", sortItems))
        return self.page("fleet", title: "fleet.title", language: language, context: context, model: model, nav: "fleet")
    }

    /// Every station of the filter as CSV, in its order (streamed page by page).
    func fleetCSV(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let filter = try Requests.fleetFilter(
            Query(request), scope: identity.scope, now: Date(), limit: Self.fleetPerPage, maxLimit: Self.fleetPerPage)
        let export = FleetExport(repository: repository, filter: filter)
        return Response.csv(named: "fleet") { try await export.csv($0) }
    }
}

/// `fleet.mustache`: the filter, the stations of this page with their sortable columns, the pages.
struct FleetListPage: PageModel {
    struct Column {
        let label, link: String
        /// aria-sort: ascending, descending or none.
        let sort: String
    }

    struct Row {
        let path, id, site, state, stateLabel, vendor, model, firmware, `protocol`, lastContact: String
    }

    let total, from, to: Int
    let hasStations: Bool
    let columns: [Column]
    let stations: [Row]
    let q, silentHours: String
    let stateOptions: [Option]
    let siteOptions, groupOptions: [SiteOption]
    let vendorOptions, modelOptions, firmwareOptions, protocolOptions: [Option]
    let previous, next: String?
    let csv: String
}
