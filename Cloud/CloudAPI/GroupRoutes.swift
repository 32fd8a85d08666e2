import CloudCore
import CloudStore
import Foundation
import Hummingbird
import NIOCore
import ServerSupport
import SyncContract

extension CloudAPI {
    /// `/groups` and `/vehicles`.
    var groupAndVehicleRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/groups") { _, context in
            let identity = try context.require(.read)
            return json(Items(items: try await GroupInput.visible(to: identity, repository: repository)))
        }
        api.put("/groups/:group") { request, context in
            let identity = try context.require(.configure)
            let input = try await decode(GroupInput.self, from: request)
            return json(
                try await input.save(id: try context.parameters.require("group"), by: identity, repository: repository))
        }
        api.delete("/groups/:group") { _, context in
            let identity = try context.require(.configure)
            guard identity.organization == nil, try await repository.deleteGroup(id: try context.parameters.require("group"))
            else {
                throw Problem(status: 404, detail: "no such group")
            }
            return HTTPResponse.Status.noContent
        }
        api.get("/vehicles") { _, context in
            let identity = try context.require(.read)
            return json(Items(items: try await Vehicles.list(for: identity, repository: repository)))
        }
        api.post("/vehicles") { request, context in
            let identity = try context.require(.configure)
            let vehicle = try await Vehicles.add(
                try await decode(VehicleInput.self, from: request), by: identity, repository: repository)
            var response = json(vehicle)
            response.status = .created
            return response
        }
        api.delete("/vehicles/:vehicle") { _, context in
            let identity = try context.require(.configure)
            let id = try context.parameters.require("vehicle")
            guard let vehicle = try await repository.vehicles().first(where: { $0.id == id }),
                identity.sees(vehicleOf: vehicle.organization), try await repository.deleteVehicle(id: id)
            else {
                throw Problem(status: 404, detail: "no vehicle '\(id)'")
            }
            return HTTPResponse.Status.noContent
        }
        return api
    }
}
