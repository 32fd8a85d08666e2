import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport

/// Users and client organizations in the dashboard: the fleet's own administrators add and change them here, as
/// the API's `/users` and `/organizations` do (same rules, in ``Users``).
extension Dashboard {
    func accessPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let strings = Catalog.strings(language)
        let organizations = try await repository.organizations()
        let users = try await repository.users()
        let tokens = try await repository.apiTokens()
        let required = try await repository.twoFactorRoles()
        let model = AccessPage(
            tokens: tokens.reversed().map { token in
                .init(
                    id: token.id, name: token.name, role: token.role, user: token.user,
                    expires: token.expiresAt.map { formats.dateTime($0) } ?? strings["access.never"],
                    used: token.lastUsedAt.map { formats.dateTime($0) } ?? strings["access.never"], revoked: token.revoked)
            },
            hasTokens: !tokens.isEmpty,
            users: users.map { user in
                .init(
                    id: user.id, name: user.name, role: user.role, organization: user.organization,
                    language: user.language.flatMap { Language(rawValue: $0)?.name },
                    lockedUntil: UserView(user).lockedUntil.map { formats.dateTime($0) })
            },
            organizations: organizations.map { organization in
                .init(
                    id: organization.id, name: organization.name, sites: organization.sites.sorted().joined(separator: ", "),
                    stations: organization.stations.sorted().map(\.description).joined(separator: ", "),
                    groups: organization.groups.sorted().joined(separator: ", "))
            },
            hasOrganizations: !organizations.isEmpty,
            roleChoices: Role.allCases.map { Choice(value: $0.rawValue, selected: $0 == .viewer) },
            organizationChoices: organizations.map { Choice(value: $0.id, name: $0.name) },
            languageChoices: Language.allCases.map { Choice(value: $0.rawValue, name: $0.name) },
            staffLabel: strings["access.staff"],
            twoFactorRoles: Role.allCases.map { Choice(value: $0.rawValue, selected: required.contains($0.rawValue)) })
        return page("access", title: "access.title", language: language, context: context, model: model, nav: "access")
    }

    func userPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        let id = try context.parameters.require("user")
        guard let user = try await repository.user(id: id) else { throw Problem(status: 404, detail: "no user '\(id)'") }
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let organizations = try await repository.organizations()
        let model = UserPage(
            id: user.id, name: user.name, email: user.email ?? "",
            lockedUntil: UserView(user).lockedUntil.map { formats.dateTime($0) },
            roleChoices: Role.allCases.map { Choice(value: $0.rawValue, selected: $0.rawValue == user.role) },
            organizationChoices: organizations.map { Choice(value: $0.id, name: $0.name, selected: $0.id == user.organization) },
            languageChoices: Language.allCases.map {
                Choice(value: $0.rawValue, name: $0.name, selected: $0.rawValue == user.language)
            }, twoFactor: try await repository.totp(user: user.id).secret != nil)
        return page("user", title: "access.user", language: language, context: context, model: model, nav: "access")
    }

    func organizationPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        let id = try context.parameters.require("organization")
        guard let organization = try await repository.organization(id: id) else {
            throw Problem(status: 404, detail: "no organization '\(id)'")
        }
        let language = language(request: request, context: context)
        let sites = try await repository.sites(in: nil)
        let groups = try await repository.groups(in: nil)
        let members = try await repository.users().filter { $0.organization == id }.map(\.id)
        let model = OrganizationPage(
            id: organization.id, name: organization.name,
            siteChoices: sites.map { Choice(value: $0.id, name: $0.name, selected: organization.sites.contains($0.id)) },
            groupChoices: groups.map { Choice(value: $0.id, name: $0.name, selected: organization.groups.contains($0.id)) },
            hasGroups: !groups.isEmpty, stations: organization.stations.sorted().map(\.description).joined(separator: ", "),
            members: members.joined(separator: ", "), hasMembers: !members.isEmpty,
            address: organization.billing.address ?? "", vatId: organization.billing.vatId ?? "",
            emails: organization.billing.emails.joined(separator: ", "))
        return page(
            "organization", title: "access.organization", language: language, context: context, model: model, nav: "access")
    }

    func revokeToken(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        try Users.requireStaffAdmin(identity)
        let id = try context.parameters.require("token")
        guard try await repository.revokeAPIToken(id: id) else {
            throw Problem(status: 404, detail: "no token '\(id)' that is not revoked already")
        }
        logger.notice("API token revoked", metadata: ["token": "\(id)", "user": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/access"])
    }

    func addUser(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let user = try await Users.add(
            UserInput(
                id: (form["id"] ?? "").trimmingCharacters(in: .whitespaces), name: form["name"], role: form["role"] ?? "",
                organization: form["organization"], language: form["language"], email: form["email"],
                password: form["password"] ?? ""),
            by: identity, repository: repository)
        logger.notice(
            "user added", metadata: ["user": "\(user.id)", "role": "\(user.role)", "by": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/access"])
    }

    func changeUser(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        let id = try context.parameters.require("user")
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let password = form["password"] ?? ""
        let user = try await Users.change(
            id: id,
            UserChange(
                name: form["name"], role: form["role"], organization: form["organization"] ?? "",
                language: form["language"] ?? "", email: form["email"] ?? "", password: password.isEmpty ? nil : password,
                unlock: form["unlock"] != nil),
            by: identity, repository: repository)
        logger.notice(
            "user changed",
            metadata: [
                "user": "\(user.id)", "role": "\(user.role)", "password": "\(!password.isEmpty)", "by": "\(identity.user ?? "")",
            ])
        return Response(status: .seeOther, headers: [.location: "/access"])
    }

    func deleteUser(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        let id = try context.parameters.require("user")
        try await Users.delete(id: id, by: identity, repository: repository)
        logger.notice("user removed", metadata: ["user": "\(id)", "by": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/access"])
    }

    /// A new organization (from the access page) or an organization's grants (from its page).
    func saveOrganization(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let existing = context.parameters.get("organization")
        let id = existing ?? (form["id"] ?? "").trimmingCharacters(in: .whitespaces)
        if existing == nil, try await repository.organization(id: id) != nil {
            throw Problem(status: 409, detail: "organization '\(id)' already exists")
        }
        let organization = try await Users.saveOrganization(
            id: id,
            OrganizationInput(
                name: form["name"] ?? "", sites: form.all("sites"),
                stations: (form["stations"] ?? "").split(separator: ",").map(String.init), groups: form.all("groups"),
                // The organization's page sends its billing details with its grants; the new-organization form not.
                billing: form["vat_id"] == nil
                    ? nil : BillingInput(address: form["address"], vatId: form["vat_id"], emails: [form["emails"] ?? ""])),
            by: identity, repository: repository)
        logger.notice(
            "organization saved",
            metadata: [
                "organization": "\(organization.id)", "sites": "\(organization.sites.count)",
                "stations": "\(organization.stations.count)", "groups": "\(organization.groups.count)",
                "by": "\(identity.user ?? "")",
            ])
        // A new one goes on to its page, where it is granted what it sees.
        let next = existing == nil ? "/access/organizations/\(Self.pathSegment(organization.id))" : "/access"
        return Response(status: .seeOther, headers: [.location: next])
    }

    func deleteOrganization(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .admin)
        let id = try context.parameters.require("organization")
        try await Users.deleteOrganization(id: id, by: identity, repository: repository)
        logger.notice("organization removed", metadata: ["organization": "\(id)", "by": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/access"])
    }
}
