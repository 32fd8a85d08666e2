import CloudStore
import Foundation

extension Chart {
    /// One phase of a site's load management over time, as an SVG drawn on the server: the grid's current (solid),
    /// the building's own load (dashed), what the cars draw (the difference, dotted), the grid limit (a line), and the
    /// stretches in failsafe shaded. Amperes on the left, the site's local times below.
    static func loadSVG(_ points: [LoadPoint], phase: Int, formats: Formats, title: String) -> String {
        guard let first = points.first?.time, let last = points.last?.time, points.count >= 2 else {
            return
                #"<svg class="chart load" viewBox="0 0 \#(Int(width)) 60" role="img" aria-label="\#(HTML.escape(title))"><text x="10" y="35">–</text></svg>"#
        }
        let span = max(last.timeIntervalSince(first), 1)
        let grid = points.map { ($0.time, $0.gridCurrentA[safe: phase] ?? nil) }
        let building = points.map { ($0.time, $0.buildingLoadA[safe: phase] ?? nil) }
        let cars = points.map { ($0.time, $0.carsA[safe: phase] ?? nil) }
        let limit = points.compactMap(\.gridLimitA).max()
        let top = max(([limit] + grid.map(\.1) + building.map(\.1)).compactMap { $0 }.max() ?? 0, 10) * 1.1
        let plotWidth = width - margin.left - margin.right
        let plotHeight = height - margin.top - margin.bottom
        func x(_ time: Date) -> Double { margin.left + time.timeIntervalSince(first) / span * plotWidth }
        func y(_ amperes: Double) -> Double { margin.top + (1 - min(max(amperes / top, 0), 1)) * plotHeight }
        func line(_ values: [(Date, Double?)], _ kind: String) -> String {
            let text = values.compactMap { time, value in value.map { String(format: "%.1f,%.1f", x(time), y($0)) } }
            return text.count < 2 ? "" : #"<polyline class="\#(kind)" points="\#(text.joined(separator: " "))"/>"#
        }
        var svg =
            #"<svg class="chart load" viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="\#(HTML.escape(title))">"#
        // Failsafe: from a sample in failsafe to the next sample.
        for (index, point) in points.enumerated() where point.failsafe {
            let end = index + 1 < points.count ? points[index + 1].time : point.time
            let left = x(point.time)
            svg += String(
                format: #"<rect class="failsafe" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>"#, left, margin.top,
                max(x(end) - left, 1), plotHeight)
        }
        svg += #"<line class="axis" x1="\#(margin.left)" y1="\#(y(0))" x2="\#(width - margin.right)" y2="\#(y(0))"/>"#
        svg += #"<text x="4" y="\#(y(top) + 10)">\#(HTML.escape(formats.number(top, digits: 0))) A</text>"#
        svg += #"<text x="4" y="\#(y(0))">0</text>"#
        if let limit {
            svg += String(
                format: #"<line class="limit" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>"#, margin.left, y(limit),
                width - margin.right, y(limit))
            svg +=
                #"<text x="\#(width - margin.right + 4)" y="\#(y(limit) + 4)">\#(HTML.escape(formats.number(limit, digits: 0))) A</text>"#
        }
        svg += #"<text x="\#(margin.left)" y="\#(height - 8)">\#(HTML.escape(formats.dateTime(first)))</text>"#
        svg +=
            #"<text x="\#(width - margin.right)" y="\#(height - 8)" text-anchor="end">\#(HTML.escape(formats.dateTime(last)))</text>"#
        svg += line(grid, "grid") + line(building, "building") + line(cars, "cars")
        return svg + "</svg>"
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
