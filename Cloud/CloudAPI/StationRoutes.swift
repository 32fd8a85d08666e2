import CloudCore
import CloudReports
import CloudStore
import Foundation
import Hummingbird
import NIOCore
import ServerSupport
import SiteModel
import SyncContract

extension CloudAPI {
    /// `/stations` and `/sites/{site}/stations/{station}`: stations, their connectors and what they are, commands,
    /// approval, and moving one to another site; `/fleet`: every station the caller sees, filtered, sorted, paged, or all as CSV.
    var stationRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/fleet") { request, context in
            let identity = try context.require(.read)
            let query = Query(request)
            let filter = try Requests.fleetFilter(query, scope: identity.scope, now: Date(), limit: 100, maxLimit: 1000)
            guard try Self.wantsCSV(query) else {
                return try json(FleetAnswer(try await repository.fleet(filter), filter: filter)).response(
                    from: request, context: context)
            }
            let export = FleetExport(repository: repository, filter: filter)
            return Response.csv(named: "fleet") { try await export.csv($0) }
        }
        api.get("/stations") { request, context in
            let identity = try context.require(.read)
            let site = Query(request).string("site")
            return json(Items(items: try await repository.stations(site: site, in: identity.scope)))
        }
        // A station is named by its site and its id; `/stations/{station}` stays for a bare id the caller sees at
        // one site only (409 when at several).
        for prefix in ["/sites/:site/stations/:station", "/stations/:station"] {
            api.get("\(prefix)") { _, context in
                json(try await visibleStation(context))
            }
            api.get("\(prefix)/connectors") { _, context in
                json(Items(items: try await visibleStation(context).connectors))
            }
            api.post("\(prefix)/commands/:action") { request, context in
                _ = try context.require(.control)
                let station = try await visibleStation(context)
                let action = try context.parameters.require("action")
                let body = try await request.body.collect(upTo: Self.maxBodyBytes)
                let payload = body.readableBytes == 0 ? "{}" : String(buffer: body)
                try Requests.validateCommand(action: action, payload: payload)
                return try await relay(
                    site: station.site, station: station.id, action: action, payload: payload, user: context.identity?.user)
            }
            api.post("\(prefix)/approval") { request, context in
                _ = try context.require(.configure)
                let station = try await visibleStation(context)
                let body = try Requests.approvalChange(
                    try await decode(StationApprovalChange.self, from: request).approval.rawValue)
                let payload = String(decoding: try SyncJSON.encoder().encode(body), as: UTF8.self)
                return try await relay(
                    site: station.site, station: station.id, action: StationApprovalChange.action, payload: payload,
                    user: context.identity?.user)
            }
        }
        api.post("/sites/:site/stations/:station/retire") { _, context in
            _ = try context.require(.configure)
            // Those who see the whole site only (404 otherwise, as for adding one).
            _ = try await visibleSite(context, whole: true)
            let station = try await visibleStation(context)
            return try await relay(
                site: station.site, station: station.id, action: StationRetirement.action, payload: "{}",
                user: context.identity?.user)
        }
        api.post("/sites/:site/stations/:station/password") { request, context in
            _ = try context.require(.configure)
            _ = try await visibleSite(context, whole: true)
            let station = try await visibleStation(context)
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let hex =
                body.readableBytes > 0 ? try await decode(PasswordRotationInput.self, from: body).hexEncoded ?? false : false
            let answer = try await StationPasswordRotation.rotate(station: station.id, hexEncoded: hex) { payload, recorded in
                try await relayResult(
                    site: station.site, station: station.id, action: StationPasswordChange.action, payload: payload,
                    user: context.identity?.user, recordedPayload: recorded)
            }
            return JSONBody(value: answer, status: answer.answered ? .ok : .accepted)
        }
        api.put("/sites/:site/stations/:station/connector-types") { request, context in
            _ = try context.require(.configure)
            // Those who see the whole site, as for its stations' registration.
            _ = try await visibleSite(context, whole: true)
            let station = try await visibleStation(context)
            let types = try await decode(ConnectorTypesInput.self, from: request).connectors
            let problems = ConnectorType.problems(types)
            guard problems.isEmpty else { throw Problem(status: 400, detail: problems.joined(separator: "; ")) }
            guard try await repository.setConnectorTypes(station.key, types, at: Date()),
                let updated = try await repository.station(site: station.site, id: station.id)
            else { throw Problem(status: 404, detail: "no station '\(station.id)' at site '\(station.site)'") }
            return json(updated)
        }
        api.post("/sites/:site/stations/:station/move") { request, context in
            try Users.requireStaffAdmin(try context.require(.admin))
            let station = try await visibleStation(context)
            let body = try await decode(StationMove.self, from: request)
            guard try await repository.site(id: body.site) != nil else {
                throw Problem(status: 404, detail: "site: no site '\(body.site)'")
            }
            _ = try await repository.moveStation(station.key, to: body.site)
            guard let moved = try await repository.station(site: body.site, id: station.id) else {
                throw Problem(status: 500, detail: "the station was not moved")
            }
            return json(moved)
        }
        return api
    }
}

/// `PUT /sites/{site}/stations/{station}/connector-types`'s body: what each connector is (those left out are taken as
/// Type 2 sockets).
struct ConnectorTypesInput: Decodable {
    let connectors: [ConnectorType]
}

/// `POST /sites/{site}/stations/{station}/password`'s body.
struct PasswordRotationInput: Decodable {
    let hexEncoded: Bool?
}
