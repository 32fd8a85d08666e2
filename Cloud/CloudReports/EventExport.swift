public import CloudStore
public import Foundation

/// Every event of a filter (any range: read page by page as it is written, memory flat) as CSV: RFC 4180, UTF-8, ISO
/// 8601 times in UTC, the words for people beside the raw detail, one header row.
public struct EventExport: Sendable {
    let repository: any CloudRepository
    let filter: EventFilter
    /// The phrases of the words column (``EventWords``), in the reader's language.
    let phrases: [String: String]
    public var pageSize = 5000

    public init(repository: any CloudRepository, filter: EventFilter, phrases: [String: String] = [:]) {
        self.repository = repository
        self.filter = filter
        self.phrases = phrases
    }

    public static let columns = [
        "time", "site", "station", "connector", "kind", "severity", "code", "vendor_code", "words", "detail",
    ]

    /// Hands `write` the CSV in chunks (the header first); returns how many events were written.
    @discardableResult
    public func csv(_ write: (String) async throws -> Void) async throws -> Int {
        try await write(CSVWriter.line(Self.columns))
        var page = filter
        page.limit = pageSize
        var count = 0
        while true {
            let events = try await repository.events(page)
            var chunk = ""
            for event in events {
                let vendor = EventWords.fields(event.detail)["vendorErrorCode"] ?? ""
                chunk += CSVWriter.line([
                    event.time.formatted(.iso8601), event.site, event.station ?? "", event.connector.map { "\($0)" } ?? "",
                    event.kind, event.severity, event.code ?? "", vendor, EventWords.describe(event, phrases: phrases),
                    event.detail,
                ])
            }
            if !chunk.isEmpty { try await write(chunk) }
            count += events.count
            guard events.count == pageSize, let last = events.last else { return count }
            page.after = last.cursor
        }
    }
}
