public import CloudStore
public import Foundation
public import Logging
public import Pricing
public import ServiceLifecycle

/// A statement's figures: what was charged in the month, what it cost, and per station (a site's) or per vehicle (a
/// customer's: the kWh each company car charged, wherever, for reimbursing charging at home).
public struct StatementSummary: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var key: String
        public var label: String
        public var sessions: Int
        public var energyKWh: ExactDecimal
        public var revenue: [ReportRow.Revenue]
    }

    public var subjectName: String
    public var from: Date
    public var to: Date
    public var timeZone: String
    public var sessions: Int
    public var flagged: Int
    public var energyKWh: ExactDecimal
    public var revenue: [ReportRow.Revenue]
    public var lines: [Line]
    /// A customer's billing details as they were when the statement was made (absent on a site's).
    public var billTo: BillingDetails?
}

/// Makes last month's statement for every site and every customer once the month is over (two hours into the next,
/// on the fleet's wall clock, so sessions ending after midnight are billed), once: with several cloud instances the
/// store keeps the first of each.
public struct MonthlyStatements: Service {
    let repository: any CloudRepository
    let reports: Reports
    let settings: ReportSettings
    let interval: Duration
    let logger: Logger

    public init(
        repository: any CloudRepository, settings: ReportSettings, interval: Duration = .seconds(600), logger: Logger
    ) {
        self.repository = repository
        reports = Reports(repository: repository, maxPowerW: settings.maxPowerW)
        self.settings = settings
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // Stops at once on shutdown: a statement not made yet is made at the next start.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let made = try await makeDue(now: Date())
                    if made > 0 { logger.notice("monthly statements made", metadata: ["count": "\(made)"]) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("making monthly statements failed, trying again", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// The month before the one `now` falls in, on the fleet's wall clock: `YYYY-MM` and its span.
    public func previousMonth(before now: Date) -> (name: String, from: Date, to: Date)? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        guard let this = calendar.dateInterval(of: .month, for: now),
            let last = calendar.dateInterval(of: .month, for: this.start - 1)
        else { return nil }
        let parts = calendar.dateComponents([.year, .month], from: last.start)
        return (String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 0), last.start, last.end)
    }

    /// Makes the statements of last month not made yet (none before two hours into this month); returns how many.
    public func makeDue(now: Date) async throws -> Int {
        guard let (month, from, to) = previousMonth(before: now), now >= to + 7200 else { return 0 }
        return try await make(month: month, from: from, to: to, now: now)
    }

    /// The span of month `YYYY-MM` on the fleet's wall clock; nil for anything else.
    public func span(of month: String) -> (from: Date, to: Date)? {
        let parts = month.split(separator: "-")
        guard month.count == 7, parts.count == 2, let year = Int(parts[0]), let number = Int(parts[1]),
            (1...12).contains(number)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        guard let start = calendar.date(from: DateComponents(year: year, month: number, day: 1)),
            let interval = calendar.dateInterval(of: .month, for: start)
        else { return nil }
        return (interval.start, interval.end)
    }

    /// Makes the statements of `month` (`YYYY-MM`) not made yet, now (an operator's early or repeated run; a statement
    /// made is never made again); returns how many.
    public func make(month: String, from: Date, to: Date, now: Date) async throws -> Int {
        var made = 0
        for site in try await repository.sites(in: nil)
        where try await !repository.hasStatement(month: month, kind: .site, subject: site.id) {
            var request = ReportRequest(from: from, to: to, groupBy: .station, period: .all, timeZone: settings.timeZone)
            request.sites = [site.id]
            if try await make(
                month: month, kind: .site, subject: site.id, name: site.name, request: request, scope: nil,
                organization: nil, now: now)
            {
                made += 1
            }
        }
        for organization in try await repository.organizations()
        where try await !repository.hasStatement(month: month, kind: .customer, subject: organization.id) {
            var request = ReportRequest(from: from, to: to, groupBy: .vehicle, period: .all, timeZone: settings.timeZone)
            request.customer = organization.id
            // A customer's statement holds its vehicles' sessions at what it is granted only: a token is the
            // owner's own word, so another customer's sessions never land on it.
            if try await make(
                month: month, kind: .customer, subject: organization.id, name: organization.name, request: request,
                scope: try await repository.scope(ofOrganization: organization.id), organization: organization.id,
                billTo: organization.billing, now: now)
            {
                made += 1
            }
        }
        return made
    }

    private func make(
        month: String, kind: StatementRecord.Kind, subject: String, name: String, request: ReportRequest, scope: Scope?,
        organization: String?, billTo: BillingDetails? = nil, now: Date
    ) async throws -> Bool {
        let report = try await reports.report(request, scope: scope, organization: organization)
        let summary = StatementSummary(
            subjectName: name, from: request.from, to: request.to, timeZone: settings.timeZone.identifier,
            sessions: report.totals.sessions, flagged: report.totals.flagged, energyKWh: report.totals.energyKWh,
            revenue: report.totals.revenue,
            lines: report.rows.map {
                .init(key: $0.key, label: $0.label, sessions: $0.sessions, energyKWh: $0.energyKWh, revenue: $0.revenue)
            }, billTo: billTo)
        var csv = ""
        try await SessionExport(
            repository: repository, filter: try await reports.filter(request, scope: scope, organization: organization),
            timeZone: settings.timeZone
        ).csv { csv += $0 }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try await repository.addStatement(
            StatementRecord(
                id: "\(month)-\(kind.rawValue)-\(subject)", month: month, kind: kind, subject: subject, createdAt: now,
                summary: String(decoding: try encoder.encode(summary), as: UTF8.self), csv: csv))
    }

    /// Reads a kept statement's summary.
    public static func summary(of statement: StatementRecord) throws -> StatementSummary {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(StatementSummary.self, from: Data(statement.summary.utf8))
    }
}
