import CloudStore
public import Foundation
public import ServerSupport
import SyncContract

/// What the cloud reads from a query string beyond the shared types: stations named by site, and dates.
extension Query {
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

    public func date(_ name: String) throws -> Date? {
        guard let text = string(name) else { return nil }
        guard let date = SyncJSON.parse(text) else {
            throw Problem(
                status: 400, detail: "\(name) must be an ISO 8601 date-time such as 2026-11-25T10:00:00Z, got '\(text)'")
        }
        return date
    }
}
