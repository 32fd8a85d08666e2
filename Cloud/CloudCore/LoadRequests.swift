public import Foundation
public import ServerSupport

extension Requests {
    /// The stretch of a site's load-management series: `from` and `to` (date-times; by default the last `hours`, 6),
    /// at most a week, `from` before `to`. Each bad value is refused naming it.
    public static func loadRange(_ query: Query, now: Date) throws -> (from: Date, to: Date) {
        let to = try query.date("to") ?? now
        let hours = try query.integer("hours", in: 1...168, default: 6)
        let from = try query.date("from") ?? to - Double(hours) * 3600
        guard from < to else { throw Problem(status: 400, detail: "from must be before to") }
        guard to.timeIntervalSince(from) <= 7 * 86_400 else {
            throw Problem(status: 400, detail: "from: at most a week before to")
        }
        return (from, to)
    }
}
