import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Pricing
import ServerSupport

extension CloudAPI {
    /// `/tariffs`: OCPI 2.2.1 tariffs, where they apply, and pricing a session with one.
    var tariffRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        // Pure arithmetic on what the caller sends: nothing stored is read, so any reader may ask.
        api.post("/tariffs/price") { request, context in
            _ = try context.require(.read)
            return json(try await decode(PriceRequest.self, from: request).price())
        }
        api.get("/tariffs") { _, context in
            let identity = try context.require(.read)
            return json(Items(items: try await Tariffs.list(for: identity, repository: repository)))
        }
        api.get("/tariffs/:tariff") { _, context in
            let identity = try context.require(.read)
            let id = try context.parameters.require("tariff")
            guard let record = try await repository.tariff(id: id, version: nil) else {
                throw Problem(status: 404, detail: "no tariff '\(id)'")
            }
            return json(try await Tariffs.view(of: record, for: identity, repository: repository))
        }
        api.put("/tariffs/:tariff") { request, context in
            let identity = try context.require(.configure)
            let input = try await decode(TariffInput.self, from: request)
            return json(try await input.save(id: try context.parameters.require("tariff"), by: identity, repository: repository))
        }
        api.delete("/tariffs/:tariff") { _, context in
            let identity = try context.require(.configure)
            try Tariffs.requireStaff(identity)
            let id = try context.parameters.require("tariff")
            guard try await repository.deleteTariff(id: id, at: Date()) else {
                throw Problem(status: 404, detail: "no tariff '\(id)'")
            }
            return HTTPResponse.Status.noContent
        }
        api.post("/tariffs/:tariff/assignments") { request, context in
            let identity = try context.require(.configure)
            let input = try await decode(TariffAssignmentInput.self, from: request)
            var response = json(
                try await input.assign(tariff: try context.parameters.require("tariff"), by: identity, repository: repository))
            response.status = .created
            return response
        }
        api.delete("/tariffs/:tariff/assignments/:assignment") { _, context in
            let identity = try context.require(.configure)
            try Tariffs.requireStaff(identity)
            let id = try context.parameters.require("assignment")
            let tariff = try context.parameters.require("tariff")
            guard try await repository.tariffAssignments().contains(where: { $0.id == id && $0.tariff == tariff }),
                try await repository.endTariffAssignment(id: id, at: Date())
            else {
                throw Problem(status: 404, detail: "no assignment '\(id)' of tariff '\(tariff)' in force")
            }
            return HTTPResponse.Status.noContent
        }
        return api
    }
}
