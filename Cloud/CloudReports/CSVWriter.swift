import Foundation

/// CSV as RFC 4180 writes it: fields separated by commas, a field with a comma, quote or line break quoted (quotes
/// doubled), lines ended by CRLF. Numbers are given already written with `.` decimals; text is UTF-8.
public enum CSVWriter {
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
