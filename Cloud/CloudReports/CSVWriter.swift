import Foundation

/// CSV as RFC 4180 writes it: fields separated by commas, a field with a comma, quote or line break quoted (quotes
/// doubled), lines ended by CRLF. Numbers are given already written with `.` decimals; text is UTF-8.
public enum CSVWriter {
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ raw: String) -> String {
        let text = defused(raw)
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A text a spreadsheet would run as a formula (`=…`, `+…`, `@…`, `-` not starting a number) gets a leading `'`,
    /// so names a user chose (a vehicle's, a group's) cannot become formulas in an operator's spreadsheet.
    static func defused(_ text: String) -> String {
        guard let first = text.first else { return text }
        if "=+@\t\r".contains(first) { return "'" + text }
        // A `-` starts a formula unless the whole field is a number (`-2+3+cmd|…` is not).
        if first == "-", Double(text) == nil { return "'" + text }
        // A text that starts with the guard itself gets one more when reading it back would otherwise drop one: two
        // or more quotes, or one before what would be guarded. Counted, not recursed: a cell may be megabytes long.
        guard first == "'" else { return text }
        let quotes = text.prefix { $0 == "'" }.count
        let rest = text.dropFirst(quotes)
        let guarded = rest.first.map { "=+@\t\r".contains($0) || ($0 == "-" && Double(rest) == nil) }
        return quotes >= 2 || guarded == true ? "'" + text : text
    }

    /// A field as it was before ``defused(_:)``: what this writer exported reads back as it was (a card imported from
    /// the cards' export keeps its `-holder`, not `'-holder`).
    public static func undefused(_ text: String) -> String {
        guard text.first == "'" else { return text }
        let rest = String(text.dropFirst())
        return defused(rest) == text ? rest : text
    }
}
