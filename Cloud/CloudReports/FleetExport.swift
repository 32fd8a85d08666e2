public import CloudStore
public import Foundation

/// Every station of a fleet filter (any number: read page by page as it is written) as CSV: RFC 4180, UTF-8, ISO 8601
/// times in UTC, one header row, in the filter's order.
public struct FleetExport: Sendable {
    let repository: any CloudRepository
    let filter: FleetFilter
    public var pageSize = 2000

    public init(repository: any CloudRepository, filter: FleetFilter) {
        self.repository = repository
        self.filter = filter
    }

    public static let columns = [
        "site", "site_name", "station", "state", "vendor", "model", "serial_number", "firmware", "protocol", "approval",
        "connectors", "last_contact", "last_boot", "groups",
    ]

    /// Hands `write` the CSV in chunks (the header first); returns how many stations were written.
    @discardableResult
    public func csv(_ write: (String) async throws -> Void) async throws -> Int {
        try await write(CSVWriter.line(Self.columns))
        var page = filter
        page.limit = pageSize
        page.offset = 0
        var count = 0
        while true {
            let stations = try await repository.fleet(page).items
            var chunk = ""
            for station in stations {
                chunk += CSVWriter.line([
                    station.site, station.siteName, station.id, station.state.rawValue, station.vendor ?? "",
                    station.model ?? "", station.serialNumber ?? "", station.firmwareVersion ?? "", station.protocol ?? "",
                    station.approval ?? "", "\(station.connectors)", station.lastContact?.formatted(.iso8601) ?? "",
                    station.lastBootAt?.formatted(.iso8601) ?? "", station.groups.joined(separator: " "),
                ])
            }
            if !chunk.isEmpty { try await write(chunk) }
            count += stations.count
            guard stations.count == pageSize else { return count }
            page.offset += pageSize
        }
    }
}
