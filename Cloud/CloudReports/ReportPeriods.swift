public import Foundation

/// The periods a report sums by: days, ISO weeks (from Monday) or calendar months on a time zone's wall clock, or
/// the whole range as one. Pure.
public enum ReportPeriod: String, Sendable, CaseIterable, Codable {
    case day, week, month, all

    /// The instants `[from, …, to]` where the periods between `from` and `to` start; nil when there would be more
    /// than `limit` periods.
    public func boundaries(from: Date, to: Date, timeZone: TimeZone, limit: Int = 400) -> [Date]? {
        guard to > from else { return nil }
        guard self != .all else { return [from, to] }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        let component: Calendar.Component = self == .day ? .day : self == .week ? .weekOfYear : .month
        var start = calendar.dateInterval(of: component, for: from)?.start ?? from
        var found = [from]
        while true {
            guard let next = calendar.date(byAdding: component, value: 1, to: start) else { return nil }
            start = next
            guard next < to else { break }
            found.append(next)
            if found.count > limit { return nil }
        }
        found.append(to)
        return found
    }
}

/// How reports are made for this fleet: on which wall clock days and months begin (statements too), and above which
/// power a session's energy is implausible.
public struct ReportSettings: Sendable, Equatable {
    public var timeZone: TimeZone
    public var maxPowerW: Double

    public init(timeZone: TimeZone = .gmt, maxPowerW: Double = 350_000) {
        self.timeZone = timeZone
        self.maxPowerW = maxPowerW
    }
}
