public import CloudStore
import Crypto
public import Foundation
import ServerSupport
import SyncContract

/// A notification rule as the API sends it (`PUT /api/v1/notification-rules/{id}`).
public struct NotificationRuleInput: Decodable, Sendable {
    public var name: String
    public var events: [String]
    public var sites: [String]?
    /// Each `site/station`, or a station's id alone where it is known at one site.
    public var stations: [String]?
    /// Groups of stations, by id: each station in one when the event happens.
    public var groups: [String]?
    public var afterMinutes: Int?
    public var quietMinutes: Int?
    /// `https://…` (or `http://` to this machine, for a receiver beside the cloud).
    public var webhook: String?
    /// Addresses each notification is mailed to (at most 20).
    public var emails: [String]?
    /// The mails' language: en (the default), de or fr.
    public var language: String?
    /// Users told (at most 50): mailed at their own address in their own language, pushed to their browsers, each
    /// only of what the user may see. A client organization's rule names its own users only.
    public var users: [String]?
    public var enabled: Bool?

    public init(
        name: String, events: [String], sites: [String]? = nil, stations: [String]? = nil, groups: [String]? = nil,
        afterMinutes: Int? = nil,
        quietMinutes: Int? = nil, webhook: String? = nil, emails: [String]? = nil, language: String? = nil,
        users: [String]? = nil, enabled: Bool? = nil
    ) {
        self.users = users
        self.emails = emails
        self.language = language
        self.name = name
        self.events = events
        self.sites = sites
        self.stations = stations
        self.groups = groups
        self.afterMinutes = afterMinutes
        self.quietMinutes = quietMinutes
        self.webhook = webhook
        self.enabled = enabled
    }
}

/// Notification rules: made by those with the configure permission; a client organization's users make and read
/// their organization's own, which see only what it is granted. Bad values are refused naming the field.
public enum NotificationRules {
    /// The rules `identity` may read and change.
    public static func visible(to identity: APIIdentity, repository: any CloudRepository) async throws -> [NotificationRule] {
        try await repository.rules().filter { identity.organization == nil || $0.organization == identity.organization }
    }

    /// The notifications `identity` may list, newest first: of what it sees; for a client organization's users, of
    /// its own rules and of the rules naming the user.
    public static func listed(
        by identity: APIIdentity, repository: any CloudRepository, before: Int64? = nil, limit: Int
    ) async throws -> [NotificationRecord] {
        var named: [String] = []
        if identity.organization != nil, let user = identity.user {
            named = try await naming(user: user, repository: repository).map(\.id)
        }
        return try await repository.notifications(
            in: identity.scope, organization: identity.organization, alsoRules: named, before: before, limit: limit)
    }

    /// The rules naming `user` as a recipient.
    public static func naming(user: String, repository: any CloudRepository) async throws -> [NotificationRule] {
        try await repository.rules().filter { $0.users?.contains(user) == true }
    }

    /// Mutes (or hears again) rule `id` for the identity's user: a rule it may read, or one naming the user. Its mails
    /// and pushes stop for the user; the rule goes on for everyone else.
    public static func mute(
        id: String, muted: Bool, by identity: APIIdentity, repository: any CloudRepository, at time: Date
    ) async throws {
        guard let user = identity.user else { throw Problem(status: 403, detail: "a token of no user has nothing to mute") }
        guard let rule = try await repository.rule(id: id),
            identity.organization == nil || rule.organization == identity.organization || rule.users?.contains(user) == true
        else { throw Problem(status: 404, detail: "no notification rule '\(id)'") }
        try await repository.setOptOut(rule: rule.id, recipient: "user:\(user)", muted: muted, at: time)
    }

    /// Adds or replaces the rule `id`; a webhook keeps its secret while its rule lives (a new hook gets a new one).
    public static func save(
        id: String, _ input: NotificationRuleInput, by identity: APIIdentity, repository: any CloudRepository,
        at time: Date
    ) async throws -> NotificationRule {
        func refuse(_ field: String, _ problem: String) -> Problem { Problem(status: 400, detail: "\(field): \(problem)") }
        guard SyncTopic.isValidSiteId(id) else {
            throw refuse("id", "1 to 64 letters, digits, '-', '_' or '.', got '\(id)'")
        }
        let existing = try await repository.rule(id: id)
        if let existing, identity.organization != nil, existing.organization != identity.organization {
            throw Problem(status: 404, detail: "no notification rule '\(id)'")
        }
        let name = input.name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count) else { throw refuse("name", "1 to 100 characters") }
        var events: [NotificationEvent] = []
        for (index, text) in input.events.enumerated() {
            guard let event = NotificationEvent(rawValue: text) else {
                throw refuse(
                    "events[\(index)]",
                    "'\(text)' is none of \(NotificationEvent.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !events.contains(event) { events.append(event) }
        }
        guard !events.isEmpty else { throw refuse("events", "at least one") }
        // A rule stays its owner's: the fleet's staff may edit a client organization's rule, which keeps hearing only
        // what that organization is granted.
        let owner = existing?.organization ?? identity.organization
        var ownerScope = identity.scope
        if let owner { ownerScope = try await repository.scope(ofOrganization: owner) }
        let places = try await places(input, scope: ownerScope, repository: repository)
        let after = input.afterMinutes ?? 0
        let quiet = input.quietMinutes ?? 15
        guard (0...1440).contains(after) else { throw refuse("afterMinutes", "0 to 1440, got \(after)") }
        guard (0...1440).contains(quiet) else { throw refuse("quietMinutes", "0 to 1440, got \(quiet)") }
        var webhook: NotificationRule.Webhook?
        if let url = input.webhook?.trimmingCharacters(in: .whitespaces), !url.isEmpty {
            if let problem = webhookProblem(url, local: owner == nil) { throw refuse("webhook", problem) }
            webhook = NotificationRule.Webhook(url: url, secret: existing?.webhook?.secret ?? newSecret())
        }
        var emails: [String] = []
        for (index, email) in (input.emails ?? []).map({ $0.trimmingCharacters(in: .whitespaces) }).enumerated()
        where !email.isEmpty {
            guard Billing.isEmail(email) else { throw refuse("emails[\(index)]", "'\(email)' is not an e-mail address") }
            if !emails.contains(email) { emails.append(email) }
        }
        guard emails.count <= 20 else { throw refuse("emails", "at most 20 addresses") }
        let language = input.language ?? "en"
        guard ["en", "de", "fr"].contains(language) else { throw refuse("language", "en, de or fr, got '\(language)'") }
        let users = try await recipients(input.users ?? [], owner: owner, repository: repository)
        let rule = NotificationRule(
            id: id, name: name, events: events, sites: places.sites, stations: places.stations,
            groups: places.groups.isEmpty ? nil : places.groups, afterMinutes: after,
            quietMinutes: quiet, webhook: webhook, emails: emails.isEmpty ? nil : emails, language: language,
            users: users.isEmpty ? nil : users, organization: owner, enabled: input.enabled ?? true,
            createdBy: existing?.createdBy ?? identity.user ?? identity.name, createdAt: existing?.createdAt ?? time)
        try await repository.saveRule(rule)
        return rule
    }

    /// The sites, stations and groups named, each one the caller sees (404 otherwise, as for anything it does not see).
    static func places(
        _ input: NotificationRuleInput, scope: Scope?, repository: any CloudRepository
    ) async throws -> (sites: [String], stations: [StationKey], groups: [String]) {
        guard (input.sites?.count ?? 0) + (input.stations?.count ?? 0) + (input.groups?.count ?? 0) <= 200 else {
            throw Problem(status: 400, detail: "sites, stations, groups: at most 200 places in a rule")
        }
        var sites: [String] = []
        for site in (input.sites ?? []).map({ $0.trimmingCharacters(in: .whitespaces) }) where !site.isEmpty {
            guard scope.sees(site: site), try await repository.site(id: site) != nil else {
                throw Problem(status: 404, detail: "sites: no site '\(site)'")
            }
            if !sites.contains(site) { sites.append(site) }
        }
        var stations: [StationKey] = []
        for reference in (input.stations ?? []).map({ $0.trimmingCharacters(in: .whitespaces) }) where !reference.isEmpty {
            do {
                let key = try await repository.resolveStation(reference, in: scope).key
                if !stations.contains(key) { stations.append(key) }
            } catch let error as StationLookupError {
                if case .ambiguous = error { throw Problem(status: 400, detail: "stations: \(error)") }
                throw Problem(status: 404, detail: "stations: \(error)")
            }
        }
        var groups: [String] = []
        let named = (input.groups ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let known = try await repository.groupMembers(of: Set(named))
        for group in named where !groups.contains(group) {
            // A client organization names the groups granted to it; the fleet's staff any group there is.
            guard known[group] != nil, scope?.groups.contains(group) ?? true else {
                throw Problem(status: 404, detail: "groups: no group '\(group)'")
            }
            groups.append(group)
        }
        return (sites, stations, groups)
    }

    /// The users named, each one who exists and, for a client organization's rule, belongs to it.
    static func recipients(_ ids: [String], owner: String?, repository: any CloudRepository) async throws -> [String] {
        guard ids.count <= 50 else { throw Problem(status: 400, detail: "users: at most 50") }
        var users: [String] = []
        for (index, id) in ids.map({ $0.trimmingCharacters(in: .whitespaces) }).enumerated() where !id.isEmpty {
            guard let user = try await repository.user(id: id), owner == nil || user.organization == owner else {
                throw Problem(
                    status: 400, detail: "users[\(index)]: no user '\(id)'\(owner.map { " in organization '\($0)'" } ?? "")")
            }
            if !users.contains(user.id) { users.append(user.id) }
        }
        return users
    }

    /// Why `url` cannot be a webhook, or nil: HTTPS, or HTTP to this machine only (`local`: the fleet's own rules, a
    /// receiver beside the cloud; a client organization's hooks never reach the cloud's own machine); no credentials.
    public static func webhookProblem(_ url: String, local: Bool = true) -> String? {
        guard url.count <= 500, let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty else {
            return "not a URL: '\(url)'"
        }
        guard parts.user == nil, parts.password == nil else {
            return "no user or password in the URL; the secret signs each request"
        }
        switch parts.scheme?.lowercased() {
        // The fleet's own hooks may reach its own network (an ERP beside the cloud); a client organization's never.
        case "https" where !local && PushSubscriptions.isInternal(host):
            return "a client organization's hook is on the internet, not at '\(host)'"
        case "https": return nil
        case "http" where local && ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased()): return nil
        default: return "must be https:// (http:// only to this machine), got '\(url)'"
        }
    }

    /// A new hook's secret: 32 random bytes, hex.
    static func newSecret() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
    }

    public static func delete(id: String, by identity: APIIdentity, repository: any CloudRepository) async throws {
        guard let rule = try await repository.rule(id: id),
            identity.organization == nil || rule.organization == identity.organization,
            try await repository.deleteRule(id: id)
        else { throw Problem(status: 404, detail: "no notification rule '\(id)'") }
    }
}
