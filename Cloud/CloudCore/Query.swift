import CloudStore
public import Foundation
public import Hummingbird
import ServerSupport
import SyncContract

/// Typed reads of the query string; each refusal names the parameter.
public struct Query: Sendable {
    let parameters: [String: String]

    public init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
        self.parameters = parameters
    }

    public func string(_ name: String) -> String? { parameters[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// `site` and `station` of a filter; `station` may name its site too (`site/station`), as a station is named by
    /// both. A bare station id matches that id at every site the caller sees.
    public func stationFilter() throws -> (site: String?, station: String?) {
        let site = string("site")
        guard let station = string("station") else { return (site, nil) }
        guard let key = StationKey(reference: station) else { return (site, station) }
        if let site, site != key.site {
            throw Problem(status: 400, detail: "station '\(station)' is not at site '\(site)'")
        }
        return (key.site, key.station)
    }

    public func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = string(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw Problem(
                status: 400,
                detail: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    public func bool(_ name: String) throws -> Bool? {
        guard let text = string(name) else { return nil }
        guard let value = Bool(text) else { throw Problem(status: 400, detail: "\(name) must be true or false, got '\(text)'") }
        return value
    }

    public func date(_ name: String) throws -> Date? {
        guard let text = string(name) else { return nil }
        guard let date = SyncJSON.parse(text) else {
            throw Problem(
                status: 400, detail: "\(name) must be an ISO 8601 date-time such as 2026-11-25T10:00:00Z, got '\(text)'")
        }
        return date
    }
}
