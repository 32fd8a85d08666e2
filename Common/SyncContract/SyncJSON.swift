public import Foundation
import WireJSON

/// The JSON coding both sides use: keys as written in the types, dates as ISO 8601 UTC with milliseconds.
public enum SyncJSON {
    public static func encoder() -> JSONEncoder {
        WireCoders.encoder(sortedKeys: true)
    }

    public static func decoder() -> JSONDecoder {
        WireCoders.decoder(dates: parse) { "'\($0)' is not an ISO 8601 date-time such as 2026-11-25T10:00:00.000Z" }
    }

    /// `2026-11-25T10:00:00.123Z`: rounded to the millisecond, so that what `parse` reads back writes the same
    /// again (the format style truncated, and a date read back could lose a millisecond each round trip).
    public static func format(_ date: Date) -> String {
        RFC3339.format(date)
    }

    /// Reads an ISO 8601 date-time with or without fractional seconds; a time zone is required.
    public static func parse(_ text: String) -> Date? {
        // What `format` writes (UTC, `Z`) takes the hand-written RFC 3339 reader: the format style costs several
        // microseconds a date, and ingest reads two per message.
        if text.utf8.last == UInt8(ascii: "Z"), let date = RFC3339.parse(text) { return date }
        return (try? withMilliseconds.parse(text)) ?? (try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text))
    }

    private static let withMilliseconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
}
