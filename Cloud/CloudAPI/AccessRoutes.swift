import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport

extension CloudAPI {
    /// `/api/v1/users` and `/api/v1/organizations`: who may sign in, with which role, and what client organizations
    /// see. The admin permission, and only for the fleet's own staff (an organization's admin gets 403).
    var accessRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/users") { _, context in
            try Users.requireStaffAdmin(try context.require(.admin))
            return json(Items(items: try await repository.users().map(UserView.init)))
        }
        api.post("/users") { request, context in
            let identity = try context.require(.admin)
            let user = try await Users.add(
                try await decode(UserInput.self, from: request), by: identity, repository: repository)
            var response = json(user)
            response.status = .created
            return response
        }
        api.put("/users/:user") { request, context in
            let identity = try context.require(.admin)
            return json(
                try await Users.change(
                    id: try context.parameters.require("user"), try await decode(UserChange.self, from: request),
                    by: identity, repository: repository))
        }
        api.delete("/users/:user") { _, context in
            let identity = try context.require(.admin)
            try await Users.delete(id: try context.parameters.require("user"), by: identity, repository: repository)
            return HTTPResponse.Status.noContent
        }
        // Two-factor sign-in to the dashboard: the roles that require it, and a user's authenticator removed.
        api.get("/two-factor") { _, context in
            try Users.requireStaffAdmin(try context.require(.admin))
            return json(TwoFactorRoles(roles: try await repository.twoFactorRoles().sorted()))
        }
        api.put("/two-factor") { request, context in
            let identity = try context.require(.admin)
            try Users.requireStaffAdmin(identity)
            let roles = try TwoFactorPolicy.roles(try await decode(TwoFactorRoles.self, from: request).roles)
            try await repository.setTwoFactorRoles(roles)
            context.logger.notice(
                "two-factor sign-in required", metadata: ["roles": "\(roles.sorted())", "by": "\(identity.user ?? "API")"])
            return json(TwoFactorRoles(roles: roles.sorted()))
        }
        api.delete("/users/:user/two-factor") { _, context in
            let identity = try context.require(.admin)
            try Users.requireStaffAdmin(identity)
            let id = try context.parameters.require("user")
            guard try await repository.user(id: id) != nil else { throw Problem(status: 404, detail: "no user '\(id)'") }
            try await repository.removeTOTP(user: id)
            context.logger.notice("two-factor sign-in removed", metadata: ["user": "\(id)", "by": "\(identity.user ?? "API")"])
            return HTTPResponse.Status.noContent
        }
        api.get("/tokens") { _, context in
            try Users.requireStaffAdmin(try context.require(.admin))
            return json(Items(items: try await repository.apiTokens().map(TokenView.init)))
        }
        api.post("/tokens") { request, context in
            try Users.requireStaffAdmin(try context.require(.admin))
            let input = try await decode(TokenInput.self, from: request)
            let (record, token) = try await APITokens.issue(
                name: input.name, role: input.role, user: input.user, days: input.expiresInDays, repository: repository)
            var view = TokenView(record)
            view.token = token
            var response = json(view)
            response.status = .created
            return response
        }
        api.delete("/tokens/:token") { _, context in
            try Users.requireStaffAdmin(try context.require(.admin))
            let id = try context.parameters.require("token")
            guard try await repository.revokeAPIToken(id: id) else {
                throw Problem(status: 404, detail: "no token '\(id)' that is not revoked already")
            }
            return HTTPResponse.Status.noContent
        }
        api.get("/organizations") { _, context in
            try Users.requireStaffAdmin(try context.require(.admin))
            return json(Items(items: try await repository.organizations().map(OrganizationView.init)))
        }
        api.put("/organizations/:organization") { request, context in
            let identity = try context.require(.admin)
            return json(
                try await Users.saveOrganization(
                    id: try context.parameters.require("organization"),
                    try await decode(OrganizationInput.self, from: request), by: identity, repository: repository))
        }
        api.delete("/organizations/:organization") { _, context in
            let identity = try context.require(.admin)
            try await Users.deleteOrganization(
                id: try context.parameters.require("organization"), by: identity, repository: repository)
            return HTTPResponse.Status.noContent
        }
        return api
    }
}

/// A token to create (`POST /api/v1/tokens`).
struct TokenInput: Decodable {
    let name: String
    let role: String?
    let user: String?
    let expiresInDays: Int?
}

/// A token as listed: never its secret, which is shown once, when it is created (`token`).
struct TokenView: Encodable {
    let id: String
    let name: String
    let role: String
    let user: String?
    let createdAt: Date
    let expiresAt: Date?
    let lastUsedAt: Date?
    let revoked: Bool
    var token: String?

    init(_ record: APITokenRecord) {
        id = record.id
        name = record.name
        role = record.role
        user = record.user
        createdAt = record.createdAt
        expiresAt = record.expiresAt
        lastUsedAt = record.lastUsedAt
        revoked = record.revoked
    }
}

/// The roles that must sign in to the dashboard with a second factor.
struct TwoFactorRoles: Codable {
    let roles: [String]
}
