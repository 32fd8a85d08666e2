public import CloudStore
public import Foundation
import Pricing

/// Every session of a report's filter, written out page by page as it is read, so a year of a large fleet leaves
/// memory flat: as CSV (RFC 4180, UTF-8, `.` decimals, ISO 8601 times with the report's offset, one header row) or as
/// JSON lines of an array.
public struct SessionExport: Sendable {
    let repository: any CloudRepository
    let filter: ReportFilter
    let timeZone: TimeZone
    /// Sessions read from the store at a time.
    public var pageSize = 5000

    public init(repository: any CloudRepository, filter: ReportFilter, timeZone: TimeZone) {
        self.repository = repository
        self.filter = filter
        self.timeZone = timeZone
    }

    public static let columns = [
        "site", "station", "connector", "transaction", "token", "start", "stop", "duration_s", "energy_kwh", "energy_flag",
        "idle_s", "currency", "cost_excl_vat", "cost_incl_vat", "tariff", "tariff_version",
    ]

    /// Hands `write` the CSV in chunks (the header first); returns how many sessions were written.
    @discardableResult
    public func csv(_ write: (String) async throws -> Void) async throws -> Int {
        try await write(CSVWriter.line(Self.columns))
        let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: timeZone)
        return try await pages { sessions in
            var chunk = ""
            chunk.reserveCapacity(sessions.count * 160)
            for row in sessions { chunk += CSVWriter.line(Self.fields(row, style: style)) }
            try await write(chunk)
        }
    }

    /// Hands `write` a JSON array of the sessions in chunks; returns how many were written.
    @discardableResult
    public func json(_ write: (String) async throws -> Void) async throws -> Int {
        try await write("[")
        let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: timeZone)
        var first = true
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let count = try await pages { sessions in
            var chunk = ""
            for row in sessions {
                let object = Dictionary(uniqueKeysWithValues: zip(Self.columns, Self.fields(row, style: style)))
                chunk += (first ? "" : ",") + String(decoding: try encoder.encode(object), as: UTF8.self)
                first = false
            }
            try await write(chunk)
        }
        try await write("]")
        return count
    }

    private func pages(_ body: ([ReportSession]) async throws -> Void) async throws -> Int {
        var after: (sortAt: Int64, site: String, transactionId: Int)?
        var count = 0
        while true {
            let page = try await repository.reportSessions(filter, after: after, limit: pageSize)
            guard let last = page.last else { return count }
            try await body(page)
            count += page.count
            after = (last.sortAt, last.session.site, last.session.transactionId)
            if page.count < pageSize { return count }
        }
    }

    static func fields(_ row: ReportSession, style: Date.ISO8601FormatStyle) -> [String] {
        let session = row.session
        let duration = session.startTime.map { start in (session.stopTime ?? session.updatedAt ?? start).timeIntervalSince(start)
        }
        return [
            session.site, session.station, String(session.connector), String(session.transactionId), session.idTag ?? "",
            session.startTime.map { $0.formatted(style) } ?? "", session.stopTime.map { $0.formatted(style) } ?? "",
            duration.map { String(Int(max(0, $0).rounded())) } ?? "",
            row.energyWh.map { kilowattHours($0) } ?? "", row.flag ?? "",
            row.idleMs.map { String($0 / 1000) } ?? "", session.price?.currency ?? "",
            session.price.map { $0.exclVat.description } ?? "", session.price.map { $0.inclVat.description } ?? "",
            session.price?.tariff ?? "", session.price.map { String($0.tariffVersion) } ?? "",
        ]
    }

    /// Wh as kWh with up to three decimals, `.` as the separator.
    static func kilowattHours(_ wattHours: Double) -> String {
        ExactDecimal(units: Int128((wattHours * 1000).rounded()) * 1_000_000).description
    }
}
