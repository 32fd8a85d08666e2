import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport

/// Groups of stations in the dashboard: the fleet's own staff make them; an organization sees those granted to it.
extension Dashboard {
    func groupsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let groups = try await GroupInput.visible(to: identity, repository: repository)
        return page(
            "groups", title: "nav.groups", language: language, context: context,
            model: GroupsPage(
                groups: groups.map {
                    .init(id: $0.id, name: $0.name, stationList: $0.stations.map(\.description).joined(separator: ", "))
                },
                hasGroups: !groups.isEmpty, canConfigure: identity.role.permits(.configure) && identity.organization == nil),
            nav: "groups")
    }

    func groupPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let id = try context.parameters.require("group")
        guard let group = try await GroupInput.visible(to: identity, repository: repository).first(where: { $0.id == id })
        else {
            throw Problem(status: 404, detail: "no group '\(id)'")
        }
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let online = Set(try await repository.sites(in: identity.scope).filter(\.online).map(\.id))
        var stations: [GroupPage.Station] = []
        for key in group.stations {
            guard let station = try await repository.station(site: key.site, id: key.station),
                identity.sees(station: station.id, site: station.site)
            else { continue }
            stations.append(
                GroupPage.Station(
                    id: station.id, path: Self.stationPath(station), site: station.site,
                    connectivity: strings[
                        station.connected && online.contains(station.site) ? "station.connected" : "station.disconnected"],
                    connectors: connectorCells(station, siteOnline: online.contains(station.site), strings: strings)))
        }
        return page(
            "group", title: "nav.groups", language: language, context: context,
            model: GroupPage(name: group.name, stations: stations), live: true, nav: "groups")
    }

    func saveGroup(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let input = GroupInput(
            name: form["name"] ?? "", stations: (form["stations"] ?? "").split(separator: ",").map(String.init))
        let group = try await input.save(id: form["id"] ?? "", by: identity, repository: repository)
        logger.info("group saved", metadata: ["group": "\(group.id)", "user": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/groups"])
    }

    func deleteGroup(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        guard identity.organization == nil, try await repository.deleteGroup(id: try context.parameters.require("group")) else {
            throw Problem(status: 404, detail: "no such group")
        }
        return Response(status: .seeOther, headers: [.location: "/groups"])
    }
}

/// The groups a reader sees (`groups.mustache`).
struct GroupsPage: PageModel {
    struct Group {
        let id, name, stationList: String
    }

    let groups: [Group]
    let hasGroups: Bool
    /// The fleet's own staff may make groups; this overrides the layout's.
    let canConfigure: Bool
}

/// One group's stations, live (`group.mustache`).
struct GroupPage: PageModel {
    struct Station {
        let id, path, site: String
        let connectivity: String?
        let connectors: [ConnectorCell]
    }

    let name: String
    let stations: [Station]
}
