public import Foundation
import Pricing

/// A report as CSV: one header row, a row per key and period, and a last row of totals (key `total`); revenue in one
/// pair of columns per currency.
public enum ReportCSV {
    public static func text(_ report: Report) -> String {
        let currencies = Array(Set(report.rows.flatMap { $0.revenue.map(\.currency) })).sorted()
        let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: TimeZone(identifier: report.timeZone) ?? .gmt)
        var text = CSVWriter.line(
            [
                report.groupBy.rawValue, "name", "period_start", "sessions", "flagged", "energy_kwh", "hours", "idle_hours",
                "average_power_kw",
            ] + currencies.flatMap { ["revenue_excl_vat_\($0)", "revenue_incl_vat_\($0)"] })
        func line(_ row: ReportRow, key: String, start: String) -> String {
            let revenue = currencies.flatMap { currency -> [String] in
                let found = row.revenue.first { $0.currency == currency }
                return [found?.exclVat.description ?? "0", found?.inclVat.description ?? "0"]
            }
            return CSVWriter.line(
                [
                    key, row.label, start, String(row.sessions), String(row.flagged), row.energyKWh.description,
                    row.hours.description, row.idleHours.description, row.averagePowerKW.description,
                ] + revenue)
        }
        for row in report.rows { text += line(row, key: row.key, start: row.periodStart.formatted(style)) }
        text += line(report.totals, key: "total", start: report.from.formatted(style))
        return text
    }
}
