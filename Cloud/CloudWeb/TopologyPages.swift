import CloudCore
import CloudStore
import Foundation
import Hummingbird

/// The topology (`/topology`): every site the reader sees, its groups of stations (a station in several groups under
/// each), the stations in no group, and each station's connectors with their state now, changing live.
extension Dashboard {
    func topologyPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let sites = try await repository.sites(in: identity.scope)
        let stations = try await repository.stations(site: nil, in: identity.scope)
        let groups = try await repository.groups(in: identity.scope)
        let bySite = Dictionary(grouping: stations) { (station: StationView) in station.site }
        // Each group's members as a set, and every grouped station, made once for all the sites.
        let members = groups.map { ($0, Set($0.stations)) }
        let inGroups = Set(groups.flatMap(\.stations))
        func node(_ station: StationView, online: Bool) -> TopologyPage.Station {
            TopologyPage.Station(
                id: station.id, path: Self.stationPath(station),
                model: [station.vendor, station.model].compactMap { $0 }.joined(separator: " "),
                connectors: connectorCells(station, siteOnline: online, strings: strings))
        }
        let model = TopologyPage(
            sites: sites.map { site in
                let here = bySite[site.id] ?? []
                let grouped = members.compactMap { group, keys -> TopologyPage.Group? in
                    let inside = here.filter { keys.contains($0.key) }
                    return inside.isEmpty
                        ? nil
                        : TopologyPage.Group(
                            id: group.id, name: group.name, stations: inside.map { node($0, online: site.online) })
                }
                let ungrouped = here.filter { !inGroups.contains($0.key) }.map { node($0, online: site.online) }
                return TopologyPage.Site(
                    id: site.id, name: site.name, presence: site.online ? "online" : "offline",
                    presenceLabel: strings[site.online ? "home.online" : "home.offline"] ?? "", groups: grouped,
                    ungrouped: ungrouped, hasUngrouped: !ungrouped.isEmpty, empty: here.isEmpty)
            },
            hasSites: !sites.isEmpty)
        return page(
            "topology", title: "topology.title", language: language, context: context, model: model, live: true, nav: "topology")
    }
}

/// `topology.mustache`: site → groups → stations → connectors.
struct TopologyPage: PageModel {
    struct Station {
        let id, path, model: String
        let connectors: [ConnectorCell]
    }

    struct Group {
        let id, name: String
        let stations: [Station]
    }

    struct Site {
        let id, name, presence, presenceLabel: String
        let groups: [Group]
        let ungrouped: [Station]
        let hasUngrouped, empty: Bool
    }

    let sites: [Site]
    let hasSites: Bool
}
