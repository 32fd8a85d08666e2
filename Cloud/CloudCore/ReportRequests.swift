public import CloudReports
import CloudStore
public import Foundation
public import ServerSupport

extension Requests {
    /// A report's question from query parameters (the API's and the dashboard's): `from` and `to` as dates
    /// (`2026-01-01`, the report's wall clock) or date-times, this month by default; `groupBy`, `period`, `timeZone`
    /// (the fleet's by default); and the filters `site`, `station` (`site/id`), `group`, `token`, `vehicle`,
    /// `customer`. A refusal names the parameter.
    public static func reportRequest(_ query: Query, fleetTimeZone: TimeZone, now: Date = Date()) throws -> ReportRequest {
        var zone = fleetTimeZone
        if let name = query.string("timeZone") {
            guard let named = TimeZone(identifier: name) else {
                throw Problem(status: 400, detail: "timeZone must be an IANA time zone such as Europe/Berlin, got '\(name)'")
            }
            zone = named
        }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = zone
        func instant(_ name: String) throws -> Date? {
            guard let text = query.string(name) else { return nil }
            let parts = text.split(separator: "-")
            if text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
                let date = calendar.date(from: DateComponents(year: year, month: month, day: day))
            {
                return date
            }
            return try query.date(name)
        }
        let thisMonth = calendar.dateInterval(of: .month, for: now)
        let from = try instant("from") ?? thisMonth?.start ?? now
        let to = try instant("to") ?? thisMonth?.end ?? now
        guard to > from else { throw Problem(status: 400, detail: "to must be after from") }
        guard to.timeIntervalSince(from) <= 3 * 366 * 86_400 else {
            throw Problem(status: 400, detail: "a report covers at most three years")
        }
        func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T) throws -> T
        where T.RawValue == String { try query.choice(name, T.self) ?? fallback }
        var request = ReportRequest(
            from: from, to: to, groupBy: try choice("groupBy", default: ReportDimension.site),
            period: try choice("period", default: ReportPeriod.all), timeZone: zone)
        let (site, station) = try query.stationFilter()
        if let site { request.sites = [site] }
        if let site, let station { request.stations = [StationKey(site: site, station: station)] }
        if site == nil, let station {
            throw Problem(status: 400, detail: "station must be given as site/station, got '\(station)'")
        }
        request.group = query.string("group")
        request.token = query.string("token")
        request.vehicle = query.string("vehicle")
        request.customer = query.string("customer")
        guard request.period.boundaries(from: from, to: to, timeZone: zone) != nil else {
            throw Problem(status: 400, detail: "period: at most 400 periods of a \(request.period.rawValue) in a report")
        }
        return request
    }
}
