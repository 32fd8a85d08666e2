public import CloudStore
public import Foundation
public import Pricing

/// The dashboard's languages. Every string the pages show comes from ``Catalog`` in each of them.
public enum Language: String, Sendable, CaseIterable {
    case en, de, fr

    /// The language's own name, as the language menu shows it.
    public var name: String {
        switch self {
        case .en: "English"
        case .de: "Deutsch"
        case .fr: "Français"
        }
    }

    /// The locale used for numbers and dates.
    public var locale: Locale {
        switch self {
        case .en: Locale(identifier: "en_GB")
        case .de: Locale(identifier: "de_DE")
        case .fr: Locale(identifier: "fr_FR")
        }
    }

    /// The best of ours for an `Accept-Language` header (RFC 9110 weights; `de-CH` matches `de`); English when
    /// none matches.
    public static func negotiate(acceptLanguage header: String?) -> Language {
        guard let header else { return .en }
        var best: (language: Language, weight: Double)?
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = fields.first?.lowercased(), !tag.isEmpty else { continue }
            var weight = 1.0
            for field in fields.dropFirst() where field.hasPrefix("q=") {
                weight = Double(field.dropFirst(2)) ?? 0
            }
            let primary = String(tag.split(separator: "-").first ?? "")
            guard weight > 0, let language = Language(rawValue: primary) else { continue }
            if best == nil || weight > best!.weight { best = (language, weight) }
        }
        return best?.language ?? .en
    }
}

/// Numbers, energy, power and times written the way the reader's language writes them.
public struct Formats: Sendable {
    public let language: Language
    public let timeZone: TimeZone

    public init(language: Language, timeZone: TimeZone = .current) {
        self.language = language
        self.timeZone = timeZone
    }

    public func number(_ value: Double, digits: Int = 1) -> String {
        value.formatted(.number.precision(.fractionLength(0...digits)).locale(language.locale))
    }

    /// Power in kW (from W).
    public func power(_ watts: Double?) -> String {
        guard let watts else { return "–" }
        return number(watts / 1000, digits: 1) + " kW"
    }

    /// Energy in kWh (from Wh).
    public func energy(_ wattHours: Double?) -> String {
        guard let wattHours else { return "–" }
        return number(wattHours / 1000, digits: 2) + " kWh"
    }

    public func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return number(value, digits: 0) + " %"
    }

    public func dateTime(_ date: Date?) -> String {
        guard let date else { return "–" }
        var style = Date.FormatStyle(date: .abbreviated, time: .standard, locale: language.locale)
        style.timeZone = timeZone
        return date.formatted(style)
    }

    /// A session's cost: with VAT, and without in brackets (`5,95 € (5,00 € excl. VAT)`); "–" without a tariff.
    public func cost(_ price: SessionPrice?, exclusive: String) -> String {
        guard let price else { return "–" }
        return "\(money(price.inclVat, price.currency)) (\(money(price.exclVat, price.currency)) \(exclusive))"
    }

    /// An amount in its currency (`5,95 €`).
    public func money(_ amount: ExactDecimal, _ currency: String) -> String {
        amount.decimal.formatted(Decimal.FormatStyle.Currency(code: currency, locale: language.locale))
    }

    /// An exact number (energy, hours) with at most `digits` decimals.
    public func number(_ value: ExactDecimal, digits: Int) -> String {
        number(Double(value.description) ?? 0, digits: digits)
    }

    /// A duration as hours and minutes (`1 h 05 min`).
    public func duration(from start: Date?, to end: Date?) -> String {
        guard let start, let end, end >= start else { return "–" }
        let minutes = Int(end.timeIntervalSince(start) / 60)
        return minutes >= 60 ? "\(minutes / 60) h \(String(format: "%02d", minutes % 60)) min" : "\(minutes) min"
    }
}
