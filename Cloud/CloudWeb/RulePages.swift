import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport

/// Notification rules in the dashboard (`/notification-rules`, the configure permission): the list, a form that adds
/// a rule or changes one (`?edit=<id>` fills it in), and removing one. The same rules and checks as the API's: a client
/// organization's users manage their organization's own rules, naming its own users.
extension Dashboard {
    func rulesPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let rules = try await NotificationRules.visible(to: identity, repository: repository).sorted { $0.id < $1.id }
        let editing = try Query(request).string("edit").map { id in
            guard let rule = rules.first(where: { $0.id == id }) else {
                throw Problem(status: 404, detail: "no notification rule '\(id)'")
            }
            return rule
        }
        let sites = try await repository.sites(in: identity.scope)
        let groups = try await repository.groups(in: identity.scope)
        let groupNames = Dictionary(groups.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let users = try await repository.users().filter {
            identity.organization == nil || $0.organization == identity.organization
        }
        func eventName(_ event: NotificationEvent) -> String {
            strings["notifications.event.\(event.rawValue)"] ?? event.rawValue
        }
        let rows = rules.map { rule in
            RulesPage.Row(
                id: rule.id, name: rule.name, events: rule.events.map(eventName).joined(separator: ", "),
                places: rule.sites.isEmpty && rule.stations.isEmpty && (rule.groups ?? []).isEmpty
                    ? nil
                    : (rule.sites + (rule.groups ?? []).map { groupNames[$0] ?? $0 } + rule.stations.map(\.description))
                        .joined(separator: ", "),
                channels: ((rule.webhook.map { [$0.url] } ?? []) + (rule.emails ?? []) + (rule.users ?? []).map { "@\($0)" })
                    .joined(separator: ", "),
                secret: rule.webhook?.secret, enabled: rule.enabled)
        }
        let model = RulesPage(
            rules: rows, hasRules: !rows.isEmpty, editing: editing != nil, id: editing?.id ?? "", name: editing?.name ?? "",
            stations: editing?.stations.map(\.description).joined(separator: ", ") ?? "",
            afterMinutes: "\(editing?.afterMinutes ?? 0)", quietMinutes: "\(editing?.quietMinutes ?? 15)",
            webhook: editing?.webhook?.url ?? "", emails: editing?.emails?.joined(separator: ", ") ?? "",
            enabled: editing?.enabled ?? true,
            eventChoices: NotificationEvent.allCases.map {
                Choice(value: $0.rawValue, name: eventName($0), selected: editing?.events.contains($0) == true)
            },
            siteChoices: sites.map { Choice(value: $0.id, name: $0.name, selected: editing?.sites.contains($0.id) == true) },
            groupChoices: groups.map {
                Choice(value: $0.id, name: $0.name, selected: editing?.groups?.contains($0.id) == true)
            },
            userChoices: users.map {
                Choice(value: $0.id, name: "\($0.name) (\($0.id))", selected: editing?.users?.contains($0.id) == true)
            },
            languageChoices: Language.allCases.map {
                Choice(value: $0.rawValue, name: $0.name, selected: $0.rawValue == (editing?.language ?? "en"))
            })
        return page("rules", title: "rules.title", language: language, context: context, model: model, nav: "notifications")
    }

    func saveRule(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        func list(_ name: String) -> [String] {
            (form[name] ?? "").split(whereSeparator: { ", ;\n\r\t".contains($0) }).map(String.init)
        }
        let input = NotificationRuleInput(
            name: form["name"] ?? "", events: form.all("events"), sites: form.all("sites"), stations: list("stations"),
            groups: form.all("groups"),
            afterMinutes: try form.number("afterMinutes", as: Int.self, trimming: true, what: "whole minutes"),
            quietMinutes: try form.number("quietMinutes", as: Int.self, trimming: true, what: "whole minutes"),
            webhook: form.text("webhook"), emails: list("emails"), language: form.text("language"),
            users: form.all("users"), enabled: form["enabled"] != nil)
        let id = (form["id"] ?? "").trimmingCharacters(in: .whitespaces)
        // The form for a new rule never replaces one by its id (changing one is its own form, `?edit=`).
        if form["new"] != nil, try await repository.rule(id: id) != nil {
            throw Problem(status: 400, detail: "id: '\(id)' is the id of a rule already; change that one, or choose another")
        }
        let rule = try await NotificationRules.save(id: id, input, by: identity, repository: repository, at: Date())
        logger.notice("notification rule saved", metadata: ["rule": "\(rule.id)", "by": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/notification-rules"])
    }

    func deleteRule(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let id = try context.parameters.require("rule")
        try await NotificationRules.delete(id: id, by: identity, repository: repository)
        logger.notice("notification rule removed", metadata: ["rule": "\(id)", "by": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/notification-rules"])
    }
}

/// `rules.mustache`: the rules, and the form (a new rule, or the one being changed).
struct RulesPage: PageModel {
    struct Row {
        let id, name, events: String
        /// nil: everywhere its owner sees.
        let places: String?
        let channels: String
        /// The webhook's signing secret, for its receiver.
        let secret: String?
        let enabled: Bool
    }

    let rules: [Row]
    let hasRules, editing: Bool
    let id, name, stations, afterMinutes, quietMinutes, webhook, emails: String
    let enabled: Bool
    let eventChoices, siteChoices, groupChoices, userChoices, languageChoices: [Choice]
}
