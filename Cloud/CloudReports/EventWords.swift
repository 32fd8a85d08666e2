public import CloudStore
public import Foundation

/// A line of the event history in words for people ("Connector 2: Charging → Faulted, GroundFailure, vendor code
/// E42") instead of its JSON. The phrases are templates with `{field}` places, in English unless the caller gives its
/// own (the dashboard's, in the reader's language); what a template does not name of an unknown kind is listed as
/// `field: value`. The charger's own words (statuses, error codes) stay as it sent them.
public enum EventWords {
    public static let english: [String: String] = [
        "status": "Connector {connector}: {previous} → {status}", "status.first": "Connector {connector}: {status}",
        "vendorCode": "vendor code {vendorErrorCode}", "connected": "Connected to the site's edge",
        "disconnected": "Disconnected from the site's edge", "boot": "Booted: {vendor} {model}, firmware {firmware}",
        "load_failsafe": "Load management in failsafe ({mode})", "command": "{action}: {outcome}",
        "firmware_status": "Firmware update: {status}", "site_offline": "The site's edge went offline",
        "site_online": "The site's edge is online again", "ingest_failed": "A message could not be applied: {error}",
        "reason": "reason", "session_ended": "Session {transactionId} ended", "boot.pending": "waits for approval",
        "statement_ready": "The statement for {month} is ready", "meter_unreadable": "Meter {meter} unreadable: {error}",
        "meter_readable": "Meter {meter} reads again",
    ]

    /// `event` in words, with `phrases` (each missing one taken from ``english``).
    public static func describe(_ event: EventView, phrases: [String: String] = [:]) -> String {
        func phrase(_ key: String) -> String? { phrases[key] ?? english[key] }
        var fields = Self.fields(event.detail)
        if let connector = event.connector { fields["connector"] = "\(connector)" }
        func fill(_ template: String) -> String {
            var text = template
            for (key, value) in fields { text = text.replacingOccurrences(of: "{\(key)}", with: value) }
            return text
        }
        switch event.kind {
        case "status":
            var text = fill(phrase(fields["previous"] == nil ? "status.first" : "status") ?? "")
            var codes = [event.code.flatMap { $0 == "NoError" ? nil : $0 }, fields["info"]].compactMap { $0 }
            if fields["vendorErrorCode"] != nil, let vendor = phrase("vendorCode") { codes.append(fill(vendor)) }
            codes = codes.filter { !$0.isEmpty }
            if !codes.isEmpty { text += ", " + codes.joined(separator: ", ") }
            return text
        case "connected", "disconnected", "boot", "load_failsafe", "command", "firmware_status", "site_offline",
            "site_online", "ingest_failed", "session_ended", "statement_ready", "meter_unreadable", "meter_readable":
            var text = fill(phrase(event.kind) ?? event.kind)
            if event.kind == "session_ended" {
                // Its energy and cost as numbers (the same in every language), each only when known.
                let amounts = [
                    fields["energyKWh"].map { "\($0) kWh" }, fields["cost"].map { "\($0) \(fields["currency"] ?? "")" },
                ].compactMap { $0 }
                if !amounts.isEmpty { text += ": " + amounts.joined(separator: ", ") }
                if let flagged = fields["flagged"] { text += " (\(flagged))" }
            }
            if event.kind == "boot", fields["approval"] == "pending", let pending = phrase("boot.pending") {
                text += ", \(pending)"
            }
            if event.kind == "command", let error = fields["error"], !error.isEmpty { text += " (\(error))" }
            if event.kind == "disconnected", let reason = fields["reason"] {
                text += " (\(phrase("reason") ?? "reason"): \(reason))"
            }
            // A boot without a firmware version says so plainly, not with an empty place.
            return text.replacingOccurrences(of: ", firmware {firmware}", with: "")
                .replacingOccurrences(of: #"\{[A-Za-z]+\}"#, with: "?", options: .regularExpression)
        default:
            guard !fields.isEmpty else { return event.detail == "{}" ? "" : event.detail }
            return fields.keys.sorted().filter { $0 != "connector" }.map { "\($0): \(fields[$0] ?? "")" }
                .joined(separator: ", ")
        }
    }

    /// The detail's JSON object as text fields (nested values as JSON).
    public static func fields(_ detail: String) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(detail.utf8)) as? [String: Any] else { return [:] }
        var fields: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case let text as String: fields[key] = text
            case let number as NSNumber: fields[key] = number.stringValue
            default:
                if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) {
                    fields[key] = String(decoding: data, as: UTF8.self)
                }
            }
        }
        return fields
    }
}
