import CloudCore
import CloudReports
import CloudStore
import Foundation
import Hummingbird
import NIOCore
import Pricing
import ServerSupport

/// Reports in the dashboard: the energy report's table and chart in the reader's language, and every report as CSV
/// (the session list streamed), scoped as the API's.
extension Dashboard {
    func reportsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let query = Query(request)
        let asked = try Requests.reportRequest(query, fleetTimeZone: reportSettings.timeZone)
        let report: Report
        do {
            report = try await reports.report(asked, scope: identity.scope, organization: identity.organization)
        } catch let refusal as Reports.Refusal {
            throw Problem(status: 400, detail: refusal.description)
        }
        let formats = Formats(language: language, timeZone: asked.timeZone)
        let dateStyle = Date.FormatStyle(date: .abbreviated, time: .omitted, locale: language.locale, timeZone: asked.timeZone)
        func row(_ row: ReportRow, total: Bool) -> ReportsPage.Row {
            ReportsPage.Row(
                key: total ? (strings["report.total"] ?? "") : row.label,
                period: total ? "" : row.periodStart.formatted(dateStyle),
                sessions: row.sessions, flagged: row.flagged,
                energy: formats.number(row.energyKWh, digits: 2), hours: formats.number(row.hours, digits: 1),
                idle: formats.number(row.idleHours, digits: 1), power: formats.number(row.averagePowerKW, digits: 1),
                revenue: Self.revenue(row.revenue, formats: formats))
        }
        let parameters = request.uri.query ?? ""
        let model = ReportsPage(
            from: Self.day(asked.from, zone: asked.timeZone), to: Self.day(asked.to, zone: asked.timeZone),
            groupBy: ReportDimension.allCases.map {
                Option(
                    value: $0.rawValue, label: strings["report.by.\($0.rawValue)"] ?? $0.rawValue, selected: $0 == asked.groupBy)
            },
            period: ReportPeriod.allCases.map {
                Option(
                    value: $0.rawValue, label: strings["report.per.\($0.rawValue)"] ?? $0.rawValue, selected: $0 == asked.period)
            },
            sites: try await repository.sites(in: identity.scope).map {
                SiteOption(id: $0.id, name: $0.name, selected: asked.sites.contains($0.id))
            },
            token: asked.token ?? "", vehicle: asked.vehicle ?? "", customer: asked.customer ?? "",
            rows: report.rows.map { row($0, total: false) }, totals: row(report.totals, total: true),
            hasRows: !report.rows.isEmpty,
            chart: ReportChart.svg(report, formats: formats, dateStyle: dateStyle, title: strings["report.chart"] ?? ""),
            energyCSV: "/reports/energy.csv?" + parameters, sessionsCSV: "/reports/sessions.csv?" + parameters)
        return page("reports", title: "nav.reports", language: language, context: context, model: model, nav: "reports")
    }

    func availabilityPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let asked = try Requests.reportRequest(Query(request), fleetTimeZone: reportSettings.timeZone)
        let rows = try await reports.availability(asked, scope: identity.scope, organization: identity.organization)
        let formats = Formats(language: language, timeZone: asked.timeZone)
        func percent(_ row: Availability.Row, _ state: Availability.State) -> String {
            formats.number(row.shares[state.rawValue] ?? 0, digits: 1) + " %"
        }
        let model = AvailabilityPage(
            from: Self.day(asked.from, zone: asked.timeZone), to: Self.day(asked.to, zone: asked.timeZone),
            rows: rows.map { row in
                AvailabilityPage.Row(
                    place: row.station.map { "\(row.site)/\($0)" } ?? "\(strings["session.site"] ?? "") \(row.site)",
                    isSite: row.station == nil, available: percent(row, .available), charging: percent(row, .charging),
                    faulted: percent(row, .faulted), unavailable: percent(row, .unavailable),
                    offline: percent(row, .offline), unknown: percent(row, .unknown),
                    longest: row.longestOutages.first.map {
                        "\(strings["availability.\($0.state.rawValue)"] ?? $0.state.rawValue) \(formats.dateTime($0.from)), "
                            + "\(formats.number($0.hours, digits: 1)) h"
                    } ?? "")
            }, hasRows: !rows.isEmpty, csv: "/reports/availability.csv?" + (request.uri.query ?? ""))
        return page("availability", title: "nav.reports", language: language, context: context, model: model, nav: "reports")
    }

    func availabilityCSV(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let asked = try Requests.reportRequest(Query(request), fleetTimeZone: reportSettings.timeZone)
        let rows = try await reports.availability(asked, scope: identity.scope, organization: identity.organization)
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: #"attachment; filename="availability.csv""#],
            body: .init(byteBuffer: ByteBuffer(string: Availability.csv(rows, timeZone: asked.timeZone))))
    }

    func reportCSV(_ request: Request, context: APIRequestContext, sessions: Bool) async throws -> Response {
        let identity = try viewer(request, context)
        let asked = try Requests.reportRequest(Query(request), fleetTimeZone: reportSettings.timeZone)
        let headers: HTTPFields = [
            .contentType: "text/csv; charset=utf-8",
            .contentDisposition: "attachment; filename=\"\(sessions ? "sessions" : "energy").csv\"",
        ]
        guard sessions else {
            do {
                let report = try await reports.report(asked, scope: identity.scope, organization: identity.organization)
                return Response(
                    status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: ReportCSV.text(report))))
            } catch let refusal as Reports.Refusal {
                throw Problem(status: 400, detail: refusal.description)
            }
        }
        let export = SessionExport(
            repository: repository,
            filter: try await reports.filter(asked, scope: identity.scope, organization: identity.organization),
            timeZone: asked.timeZone)
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await export.csv { try await writer.write(ByteBuffer(string: $0)) }
                try await writer.finish(nil)
            })
    }

    static func day(_ date: Date, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}

/// The energy report's form, table and chart (`reports.mustache`).
struct ReportsPage: PageModel {
    struct Row {
        let key, period: String
        let sessions, flagged: Int
        let energy, hours, idle, power, revenue: String
    }

    let from, to: String
    let groupBy, period: [Option]
    let sites: [SiteOption]
    let token, vehicle, customer: String
    let rows: [Row]
    let totals: Row
    let hasRows: Bool
    let chart: String
    let energyCSV, sessionsCSV: String
}

/// How available stations and sites were (`availability.mustache`).
struct AvailabilityPage: PageModel {
    struct Row {
        let place: String
        let isSite: Bool
        let available, charging, faulted, unavailable, offline, unknown, longest: String
    }

    let from, to: String
    let rows: [Row]
    let hasRows: Bool
    let csv: String
}

/// A report's energy as bars, drawn on the server: per period when there are several, else per key.
enum ReportChart {
    static func svg(_ report: Report, formats: Formats, dateStyle: Date.FormatStyle, title: String) -> String {
        var bars: [(String, Double)] = []
        if report.periods.count > 1 {
            var byPeriod: [Date: Double] = [:]
            for row in report.rows { byPeriod[row.periodStart, default: 0] += Double(row.energyKWh.description) ?? 0 }
            bars = report.periods.map { ($0.formatted(dateStyle), byPeriod[$0] ?? 0) }
        } else {
            bars = report.rows.prefix(40).map { ($0.label, Double($0.energyKWh.description) ?? 0) }
        }
        let width = 800.0
        let height = 240.0
        let top = 16.0
        let bottom = 40.0
        let left = 60.0
        let maximum = max(bars.map(\.1).max() ?? 0, 1)
        let slot = (width - left - 8) / Double(max(bars.count, 1))
        var svg = #"<svg class="chart report-chart" viewBox="0 0 800 240" role="img" aria-label="\#(HTML.escape(title))">"#
        svg += #"<text x="4" y="\#(top + 4)">\#(HTML.escape(formats.number(maximum, digits: 0))) kWh</text>"#
        svg += #"<line class="axis" x1="\#(left)" y1="\#(height - bottom)" x2="\#(width - 8)" y2="\#(height - bottom)"/>"#
        for (index, bar) in bars.enumerated() {
            let barHeight = (height - top - bottom) * bar.1 / maximum
            let x = left + Double(index) * slot
            svg += String(
                format: #"<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%@</title></rect>"#,
                x + slot * 0.1, height - bottom - barHeight, slot * 0.8, barHeight,
                HTML.escape("\(bar.0): \(formats.number(bar.1, digits: 2)) kWh"))
            if bars.count <= 16 || index % max(bars.count / 8, 1) == 0 {
                svg += String(format: #"<text x="%.1f" y="%.1f">%@</text>"#, x, height - bottom + 16, HTML.escape(bar.0))
            }
        }
        return svg + "</svg>"
    }
}
