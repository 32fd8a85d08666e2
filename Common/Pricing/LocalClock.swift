import Foundation

/// The wall clock of a time zone over one session, computed once: the UTC offsets in force and when they change,
/// so each instant's local date and time is integer arithmetic.
struct LocalClock {
    /// (from this instant in ms since 1970, the offset in seconds), in order of time.
    private(set) var offsets: [(from: Int64, seconds: Int64)]

    init(timeZone: TimeZone, from start: Int64, to end: Int64) {
        var offsets = [(from: Int64.min, seconds: Int64(timeZone.secondsFromGMT(for: Self.date(start))))]
        var cursor = Self.date(start)
        // A session longer than a year is refused before this; a year has at most a handful of transitions.
        while let next = timeZone.nextDaylightSavingTimeTransition(after: cursor), next < Self.date(end) {
            offsets.append((from: Self.milliseconds(next), seconds: Int64(timeZone.secondsFromGMT(for: next))))
            cursor = next
        }
        self.offsets = offsets
    }

    /// The instants at which the offset changes.
    var transitions: [Int64] { offsets.dropFirst().map(\.from) }

    func offset(at instant: Int64) -> Int64 {
        var result = offsets[0].seconds
        for entry in offsets.dropFirst() where entry.from <= instant { result = entry.seconds }
        return result
    }

    /// The local wall time of an instant.
    func local(_ instant: Int64) -> LocalTime {
        LocalTime(seconds: instant.floorDivided(by: 1000) + offset(at: instant))
    }

    /// Every instant at which the wall clock shows `seconds` (local seconds since 1970): none in a skipped hour, two
    /// in a repeated one.
    func instants(showing seconds: Int64) -> [Int64] {
        var found: [Int64] = []
        for entry in offsets {
            let instant = (seconds - entry.seconds) * 1000
            if offset(at: instant) == entry.seconds && !found.contains(instant) { found.append(instant) }
        }
        return found
    }

    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// Milliseconds since 1970, clamped to the years −9999 … 9999 (RFC 3339's dates are within them).
    static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite else { return 0 }
        return Int64(min(max(value, -377_705_116_800_000), 253_402_300_800_000))
    }
}

/// A wall-clock time: seconds since 1970-01-01T00:00 local.
struct LocalTime {
    let seconds: Int64

    /// Days since 1970-01-01.
    var day: Int64 { seconds.floorDivided(by: 86_400) }
    /// Minutes since midnight.
    var minuteOfDay: Int { Int((seconds - day * 86_400) / 60) }
    /// 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday).
    var weekday: Int { Int((day + 3).floorModulo(7)) }
}

/// Calendar dates as days since 1970-01-01 (the proleptic Gregorian calendar), without Foundation's calendar.
enum CivilDate {
    /// The day number of a year, month (1 … 12) and day (1 … 31).
    static func day(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = shiftedYear.floorDivided(by: 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Reads `YYYY-MM-DD`; nil for anything else or a date that does not exist.
    static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let number = Self.day(year: year, month: month, day: day)
        let next = month == 12 ? Self.day(year: year + 1, month: 1, day: 1) : Self.day(year: year, month: month + 1, day: 1)
        return number < next ? number : nil
    }
}

/// Reads `HH:MM` (00:00 … 23:59) as minutes since midnight.
func minutesOfDay(_ text: String) -> Int? {
    let bytes = Array(text.utf8)
    guard bytes.count == 5, bytes[2] == UInt8(ascii: ":") else { return nil }
    var digits: [Int] = []
    for index in [0, 1, 3, 4] {
        guard bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else { return nil }
        digits.append(Int(bytes[index] - UInt8(ascii: "0")))
    }
    let hours = digits[0] * 10 + digits[1]
    let minutes = digits[2] * 10 + digits[3]
    guard hours < 24, minutes < 60 else { return nil }
    return hours * 60 + minutes
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    func floorModulo(_ divisor: Int64) -> Int64 { self - floorDivided(by: divisor) * divisor }
}
