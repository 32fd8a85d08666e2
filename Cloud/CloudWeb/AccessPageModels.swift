/// An option of a `<select>` or a checkbox list.
struct Choice {
    let value: String
    var name: String?
    var selected = false
}

/// Users, organizations and API tokens (`access.mustache`).
struct AccessPage: PageModel {
    struct Token {
        let id, name, role: String
        let user, expires, used: String?
        let revoked: Bool
    }

    struct User {
        let id, name, role: String
        let organization, language, lockedUntil: String?
    }

    struct Organization {
        let id, name, sites, stations, groups: String
    }

    let tokens: [Token]
    let hasTokens: Bool
    let users: [User]
    let organizations: [Organization]
    let hasOrganizations: Bool
    let roleChoices, organizationChoices, languageChoices: [Choice]
    let staffLabel: String?
    /// The roles and whether each must sign in with a second factor.
    let twoFactorRoles: [Choice]
}

/// One user, to change (`user.mustache`).
struct UserPage: PageModel {
    let id, name, email: String
    let lockedUntil: String?
    let roleChoices, organizationChoices, languageChoices: [Choice]
    /// Whether the user has an authenticator.
    let twoFactor: Bool
}

/// One organization and its grants (`organization.mustache`).
struct OrganizationPage: PageModel {
    let id, name: String
    let siteChoices, groupChoices: [Choice]
    let hasGroups: Bool
    let stations, members: String
    let hasMembers: Bool
    let address, vatId, emails: String
}
