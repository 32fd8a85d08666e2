import CloudStore
import Foundation

/// Each site's own clock: a time at a site is shown in the site's time zone (the server's when it has none), with the
/// zone named, so that a list of several sites' sessions or events reads right at each.
struct SiteClocks {
    let language: Language
    let zones: [String: TimeZone]

    init(_ sites: [SiteRecord], language: Language) {
        self.language = language
        zones = Dictionary(
            sites.compactMap { site in site.timeZone.flatMap(TimeZone.init(identifier:)).map { (site.id, $0) } },
            uniquingKeysWith: { first, _ in first })
    }

    func formats(_ site: String) -> Formats { Formats(language: language, timeZone: zones[site] ?? .current) }

    /// `date` on `site`'s clock, with its zone's abbreviation (CET, GMT+1): "–" for none.
    func time(_ date: Date?, at site: String) -> String {
        guard let date else { return "–" }
        let formats = formats(site)
        let zone = formats.timeZone.abbreviation(for: date) ?? formats.timeZone.identifier
        return "\(formats.dateTime(date)) \(zone)"
    }
}
