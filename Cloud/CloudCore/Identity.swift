public import CloudStore
public import Hummingbird
import Logging
import ServerSupport

/// Who is calling: resolved from the bearer token by ``TokenAuthenticator``, or from the browser's session.
public struct APIIdentity: Sendable, Equatable {
    public var tokenId: String
    public var name: String
    public var role: Role
    /// What this caller may see; nil for everything. A client organization's users see only what it is granted.
    public var scope: Scope?
    /// The user acting (a signed-in user, or the user a token belongs to); nil for a token of no user.
    public var user: String?
    /// The user's client organization; nil for the fleet's own staff.
    public var organization: String?

    public init(
        tokenId: String, name: String, role: Role, scope: Scope? = nil, user: String? = nil,
        organization: String? = nil
    ) {
        self.tokenId = tokenId
        self.name = name
        self.role = role
        self.scope = scope
        self.user = user
        self.organization = organization
    }

    /// Whether this caller may see a vehicle of `organization` (staff see every vehicle; an organization's users
    /// only its own).
    public func sees(vehicleOf organization: String?) -> Bool { self.organization == nil || self.organization == organization }

    /// Whether this caller may see `site`, whole or as the place of a station it is granted.
    public func sees(site: String) -> Bool { scope.sees(site: site) }

    /// Whether this caller may see the whole site: its settings, meters, every station and site-wide events.
    public func seesWhole(site: String) -> Bool { scope.seesWhole(site: site) }

    /// Whether this caller may see the station (at `site`).
    public func sees(station: String, site: String) -> Bool { scope.sees(station: station, site: site) }
}

/// What a caller may do. The dashboard issue adds users and organizations on top of the same roles.
public enum Role: String, Sendable, CaseIterable {
    case admin, `operator`, viewer, partner

    public func permits(_ permission: Permission) -> Bool {
        switch (self, permission) {
        case (.admin, _): true
        case (.`operator`, .read), (.`operator`, .control), (.`operator`, .configure): true
        case (.viewer, .read), (.partner, .read): true
        default: false
        }
    }
}

/// What a route needs.
public enum Permission: String, Sendable {
    /// See sites, stations, sessions, events.
    case read
    /// Send commands to stations.
    case control
    /// Change settings and token lists.
    case configure
    /// Manage sites and access.
    case admin
}

/// The request context of the API: Hummingbird's core plus the caller's identity.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: APIIdentity?
    /// The browser's signed-in session, on dashboard routes (never on `/api/v1`, which takes bearer tokens only).
    public var webSession: WebSessionRecord?
    /// The signed-in user, as loaded for the session (the dashboard reads their chosen language from it).
    public var user: UserRecord?
    /// The client's address, without its port (nil in tests without a socket).
    public let clientAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
        identity = nil
        webSession = nil
        user = nil
    }

    /// The caller, who must hold `permission`; 401 without a valid token, 403 without the permission.
    public func require(_ permission: Permission) throws -> APIIdentity {
        guard let identity else {
            throw Problem(status: 401, detail: "a valid API token is required (Authorization: Bearer <token>)")
        }
        guard identity.role.permits(permission) else {
            throw Problem(status: 403, detail: "role '\(identity.role.rawValue)' may not \(permission.rawValue)")
        }
        return identity
    }
}
