import CloudStore
import Foundation
public import Hummingbird

extension CloudAPI {
    /// `/api/v1/users` and `/api/v1/organizations`: who may sign in, with which role, and what client organizations
    /// see. The admin permission, and only for the fleet's own staff (an organization's admin gets 403).
    func addAccessRoutes(to api: RouterGroup<APIRequestContext>) {
        api.get("/users") { _, context in
            try Users.requireStaffAdmin(try context.require(.admin))
            return try json(Items(items: try await repository.users().map(UserView.init)))
        }
        api.post("/users") { request, context in
            let identity = try context.require(.admin)
            let user = try await Users.add(
                try await decode(UserInput.self, from: request), by: identity, repository: repository)
            var response = try json(user)
            response.status = .created
            return response
        }
        api.put("/users/:user") { request, context in
            let identity = try context.require(.admin)
            return try json(
                try await Users.change(
                    id: try context.parameters.require("user"), try await decode(UserChange.self, from: request),
                    by: identity, repository: repository))
        }
        api.delete("/users/:user") { _, context in
            let identity = try context.require(.admin)
            try await Users.delete(id: try context.parameters.require("user"), by: identity, repository: repository)
            return Response(status: .noContent)
        }
        api.get("/organizations") { _, context in
            try Users.requireStaffAdmin(try context.require(.admin))
            return try json(Items(items: try await repository.organizations().map(OrganizationView.init)))
        }
        api.put("/organizations/:organization") { request, context in
            let identity = try context.require(.admin)
            return try json(
                try await Users.saveOrganization(
                    id: try context.parameters.require("organization"),
                    try await decode(OrganizationInput.self, from: request), by: identity, repository: repository))
        }
        api.delete("/organizations/:organization") { _, context in
            let identity = try context.require(.admin)
            try await Users.deleteOrganization(
                id: try context.parameters.require("organization"), by: identity, repository: repository)
            return Response(status: .noContent)
        }
    }
}
