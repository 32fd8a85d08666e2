import CloudStore
import Foundation

/// Draws a session's power (solid) and energy (dashed) over time as an SVG, on the server: no script, no library.
enum Chart {
    static let width = 800.0
    static let height = 240.0
    static let margin = (left: 56.0, right: 84.0, top: 12.0, bottom: 28.0)

    /// The SVG for `samples` (oldest first); energy is shown from the session's start (`meterStartWh`).
    static func sessionSVG(_ samples: [SessionSamplePoint], meterStartWh: Double?, formats: Formats, title: String) -> String {
        let points = samples.filter { $0.powerW != nil || $0.energyWh != nil }
        guard let first = points.first?.time, let last = points.last?.time, points.count >= 2 else {
            return
                #"<svg class="chart" viewBox="0 0 \#(Int(width)) 60" role="img" aria-label="\#(HTML.escape(title))"><text x="10" y="35">–</text></svg>"#
        }
        let span = max(last.timeIntervalSince(first), 1)
        let maxPower = max(points.compactMap(\.powerW).max() ?? 0, 1000)
        let base = meterStartWh ?? points.compactMap(\.energyWh).min() ?? 0
        let maxEnergy = max((points.compactMap(\.energyWh).max() ?? base) - base, 100)
        let plotWidth = width - margin.left - margin.right
        let plotHeight = height - margin.top - margin.bottom
        func x(_ time: Date) -> Double { margin.left + time.timeIntervalSince(first) / span * plotWidth }
        func y(_ fraction: Double) -> Double { margin.top + (1 - min(max(fraction, 0), 1)) * plotHeight }
        func path(_ values: [(Date, Double)]) -> String {
            values.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
        }
        let power = path(points.compactMap { point in point.powerW.map { (point.time, $0 / maxPower) } })
        let energy = path(points.compactMap { point in point.energyWh.map { (point.time, ($0 - base) / maxEnergy) } })
        var svg =
            #"<svg class="chart" viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="\#(HTML.escape(title))">"#
        svg += #"<line class="axis" x1="\#(margin.left)" y1="\#(y(0))" x2="\#(width - margin.right)" y2="\#(y(0))"/>"#
        svg += #"<line class="axis" x1="\#(margin.left)" y1="\#(y(1))" x2="\#(width - margin.right)" y2="\#(y(1))"/>"#
        svg += #"<text x="4" y="\#(y(1) + 4)">\#(HTML.escape(formats.power(maxPower)))</text>"#
        svg += #"<text x="4" y="\#(y(0))">0</text>"#
        svg += #"<text x="\#(width - margin.right + 4)" y="\#(y(1) + 4)">\#(HTML.escape(formats.energy(maxEnergy)))</text>"#
        svg += #"<text x="\#(margin.left)" y="\#(height - 8)">\#(HTML.escape(formats.dateTime(first)))</text>"#
        svg +=
            #"<text x="\#(width - margin.right)" y="\#(height - 8)" text-anchor="end">\#(HTML.escape(formats.dateTime(last)))</text>"#
        if !power.isEmpty { svg += #"<polyline class="power" points="\#(power)"/>"# }
        if !energy.isEmpty { svg += #"<polyline class="energy" points="\#(energy)"/>"# }
        svg += "</svg>"
        return svg
    }

}
