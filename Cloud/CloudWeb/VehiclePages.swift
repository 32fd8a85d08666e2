import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport

/// The vehicle registry in the dashboard: which vehicle charges where, and its state of charge.
extension Dashboard {
    func vehiclesPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let vehicles = try await Vehicles.list(for: identity, repository: repository)
        let names = Dictionary(
            try await repository.sites(in: identity.scope).map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let rows = vehicles.map { vehicle in
            VehiclesPage.Vehicle(
                id: vehicle.id, name: vehicle.name, plate: vehicle.plate, fleet: vehicle.fleet,
                tokens: vehicle.tokens.joined(separator: ", "),
                charging: vehicle.charging.map { session in
                    VehiclesPage.Charging(
                        station: session.station, stationPath: Self.stationPath(site: session.site, station: session.station),
                        connector: session.connector, site: session.site, siteName: names[session.site] ?? session.site,
                        transactionId: session.transactionId, soc: formats.percent(session.soc),
                        power: formats.power(session.powerW))
                })
        }
        return page(
            "vehicles", title: "vehicle.title", language: language, context: context,
            model: VehiclesPage(vehicles: rows, hasVehicles: !rows.isEmpty), nav: "vehicles")
    }

    func addVehicle(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let input = VehicleInput(
            name: form["name"] ?? "", plate: form["plate"], fleet: form["fleet"], organization: nil,
            tokens: (form["tokens"] ?? "").split(separator: ",").map(String.init))
        let vehicle = try await Vehicles.add(input, by: identity, repository: repository)
        logger.info("vehicle added", metadata: ["vehicle": "\(vehicle.id)", "user": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/vehicles"])
    }

    func deleteVehicle(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let id = try context.parameters.require("vehicle")
        guard let vehicle = try await repository.vehicles().first(where: { $0.id == id }),
            identity.sees(vehicleOf: vehicle.organization), try await repository.deleteVehicle(id: id)
        else {
            throw Problem(status: 404, detail: "no vehicle '\(id)'")
        }
        return Response(status: .seeOther, headers: [.location: "/vehicles"])
    }

    /// Vehicle names by token, for the session pages.
    func vehicleNames(_ identity: APIIdentity) async throws -> [String: String] {
        // Two owners may give one tag to vehicles of theirs; a reader who sees both sees both names.
        var names: [String: Set<String>] = [:]
        for vehicle in try await repository.vehicles() where identity.sees(vehicleOf: vehicle.organization) {
            for token in vehicle.tokens { names[token, default: []].insert(vehicle.name) }
        }
        return names.mapValues { $0.sorted().joined(separator: " / ") }
    }
}

/// The vehicle registry (`vehicles.mustache`).
struct VehiclesPage: PageModel {
    struct Vehicle {
        let id, name: String
        let plate, fleet: String?
        let tokens: String
        let charging: Charging?
    }

    /// Where a vehicle charges now.
    struct Charging {
        let station, stationPath: String
        let connector: Int
        let site, siteName: String
        let transactionId: Int
        let soc, power: String
    }

    let vehicles: [Vehicle]
    let hasVehicles: Bool
}
