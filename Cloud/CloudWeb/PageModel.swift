import CloudCore
import CloudStore
import Foundation

/// What a page shows, typed: each page builds its model as a struct whose properties its template names, so the
/// compiler checks what a page hands its template. ``TemplateValues`` turns it into the dictionaries and arrays that
/// Mustache reads fastest (its own reflection looks each name up again at every use).
protocol PageModel {}

/// A row of a long list that gives its template values by hand: reflection costs microseconds per field, and the
/// event history's 200 rows have 2,000 (measured: the history page's p50 rose from 15 – 22 to 20 – 24 ms with
/// reflection alone).
protocol TemplateRow {
    var templateValues: [String: Any] { get }
}

enum TemplateValues {
    /// The model's stored properties by name; nil ones are left out, so that sections treat them as absent.
    static func dictionary(of model: some PageModel) -> [String: Any] {
        (value(model) as? [String: Any]) ?? [:]
    }

    /// Strings, numbers and booleans as they are; structs as dictionaries of their properties; arrays and
    /// dictionaries element by element; nil for an empty optional.
    static func value(_ value: Any) -> Any? {
        switch value {
        case is String, is Bool, is Int, is Double, is Int64, is [String: String]: return value
        case let row as any TemplateRow: return row.templateValues
        case let dictionary as [String: Any?]: return dictionary.compactMapValues { $0.flatMap(Self.value) }
        case let dictionary as [String: Any]: return dictionary.compactMapValues(Self.value)
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional: return mirror.children.first.flatMap { Self.value($0.value) }
        case .collection, .set: return mirror.children.compactMap { Self.value($0.value) }
        case .struct, .class:
            var fields: [String: Any] = [:]
            for child in mirror.children {
                if let label = child.label, let converted = Self.value(child.value) { fields[label] = converted }
            }
            return fields
        default: return value
        }
    }
}

/// What every page shows around its own content: the reader, their language and its strings, the navigation.
struct Layout: PageModel {
    struct LanguageChoice {
        let code, name: String
        let selected: Bool
    }

    let lang: String
    /// The strings of the reader's language, `.` in their keys written `_` (`{{t.home_title}}`).
    let t: [String: String]
    let title: String
    let csrf: String?
    let signedIn: Bool
    let userName, role: String?
    /// The connector states' labels as JSON, for the page's script.
    let statusLabels: String
    let live: String
    let canConfigure, staff, seesGroups, staffAdmin: Bool
    let languages: [LanguageChoice]

    init(title: String, language: Language, context: APIRequestContext, live: Bool) {
        let strings = Catalog.strings(language)
        var keyed: [String: String] = [:]
        var statusLabels: [String: String] = [:]
        for (key, value) in strings {
            keyed[key.replacingOccurrences(of: ".", with: "_")] = value
            if key.hasPrefix(Catalog.statusPrefix) { statusLabels[String(key.dropFirst(Catalog.statusPrefix.count))] = value }
        }
        let identity = context.identity
        lang = language.rawValue
        t = keyed
        self.title = strings[title] ?? title
        csrf = context.webSession?.csrf
        signedIn = identity != nil
        userName = identity?.name
        role = identity?.role.rawValue
        self.statusLabels =
            (try? JSONSerialization.data(withJSONObject: statusLabels, options: [.sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        self.live = live ? "on" : ""
        canConfigure = identity?.role.permits(.configure) ?? false
        staff = identity != nil && identity?.organization == nil
        // Groups are listed for staff, and for an organization granted some.
        seesGroups = identity.map { $0.organization == nil || !($0.scope?.groups.isEmpty ?? true) } ?? false
        staffAdmin = identity.map { $0.role == .admin && $0.organization == nil } ?? false
        languages = Language.allCases.map { LanguageChoice(code: $0.rawValue, name: $0.name, selected: $0 == language) }
    }
}
