import CloudReports
public import CloudStore
public import Foundation

/// Which lines of the history are notification events, and which rules they concern. Pure.
public enum Classification {
    /// The notifications `line` makes (of no rule yet, told at once): most lines none, a suspicious session two (it
    /// ended, and it is suspicious).
    public static func classify(_ line: HistoryEvent) -> [NotificationRecord] {
        guard let first = classifyOne(line) else { return [] }
        guard first.event == .sessionEnded, let flagged = first.fields["flagged"] else { return [first] }
        var suspicious = first
        suspicious.event = .suspiciousSession
        suspicious.summary = "\(first.summary): \(flagged)"
        return [first, suspicious]
    }

    static func classifyOne(_ line: HistoryEvent) -> NotificationRecord? {
        let fields = EventWords.fields(line.detail)
        let station = line.station
        let place = [station, line.connector.map { "connector \($0)" }].compactMap { $0 }.joined(separator: " ")
        func made(_ event: NotificationEvent, _ summary: String, _ more: [String: String] = [:]) -> NotificationRecord {
            NotificationRecord(
                rule: "", event: event, site: line.site, station: station, connector: line.connector, at: line.at,
                severity: line.severity, summary: summary, fields: fields.merging(more) { _, new in new }, dueAt: line.at,
                state: "active")
        }
        switch line.kind {
        case "status":
            let codes = [
                line.code.flatMap { $0 == "NoError" ? nil : $0 }, fields["info"],
                fields["vendorErrorCode"].map { "vendor code \($0)" },
            ]
            .compactMap { $0 }.filter { !$0.isEmpty }
            let said = ([fields["status"] ?? ""] + codes).joined(separator: ", ")
            switch fields["status"] {
            case "Faulted": return made(.stationFaulted, "\(place): \(said)", line.code.map { ["errorCode": $0] } ?? [:])
            case "Unavailable": return made(.connectorUnavailable, "\(place): \(said)")
            default: return nil
            }
        case "disconnected": return made(.stationOffline, "\(place): disconnected from the site's edge")
        case "connected": return made(.stationOnline, "\(place): connected again")
        case "site_offline": return made(.siteOffline, "site \(line.site): its edge is offline")
        case "site_online": return made(.siteOnline, "site \(line.site): its edge is online again")
        case "load_failsafe":
            return made(.loadFailsafe, "site \(line.site): load management in failsafe (\(fields["mode"] ?? "failsafe"))")
        case "session_ended":
            let cost = fields["cost"].map { ", \($0) \(fields["currency"] ?? "")" } ?? ""
            let energy = fields["energyKWh"].map { ", \($0) kWh" } ?? ""
            return made(.sessionEnded, "\(place): session \(fields["transactionId"] ?? "") ended\(energy)\(cost)")
        case "meter_unreadable":
            return made(
                .meterUnreadable,
                "site \(line.site): meter \(fields["meter"] ?? "?") unreadable (\(fields["error"] ?? "no reading"))")
        case "statement_ready":
            return made(.statementReady, "site \(line.site): the statement for \(fields["month"] ?? "the month") is ready")
        case "boot":
            guard fields["approval"] == "pending" else { return nil }
            let model = [fields["vendor"], fields["model"]].compactMap { $0 }.joined(separator: " ")
            return made(.stationPending, "\(place): \(model) waits for approval")
        case "firmware_status":
            guard let status = fields["status"],
                status.contains("Failed") || status.contains("Invalid") || status.contains("Error")
            else { return nil }
            return made(.firmwareFailed, "\(place): firmware update \(status)")
        default:
            return nil
        }
    }

    /// Whether `rule` (its owner seeing `scope`, nil: everything) asks to hear of `classified`; `members` are the
    /// stations of each group now.
    public static func concerns(
        _ rule: NotificationRule, _ classified: NotificationRecord, scope: Scope?,
        members: [String: Set<StationKey>] = [:]
    ) -> Bool {
        guard rule.enabled, rule.events.contains(classified.event), sees(scope, classified) else { return false }
        let groups = rule.groups ?? []
        if rule.sites.isEmpty && rule.stations.isEmpty && groups.isEmpty { return true }
        if rule.sites.contains(classified.site) { return true }
        guard let station = classified.station else { return false }
        let key = StationKey(site: classified.site, station: station)
        return rule.stations.contains(key) || groups.contains { members[$0]?.contains(key) == true }
    }

    /// Whether a reader seeing `scope` (nil: everything) may hear of `classified`: of a station when it sees the
    /// station; of a site-wide event only when it sees the whole site.
    public static func sees(_ scope: Scope?, _ classified: NotificationRecord) -> Bool {
        if let station = classified.station { return scope.sees(station: station, site: classified.site) }
        return scope.seesWhole(site: classified.site)
    }

    /// The offline event an online one answers.
    public static func offline(answeredBy event: NotificationEvent) -> NotificationEvent? {
        switch event {
        case .stationOnline: .stationOffline
        case .siteOnline: .siteOffline
        default: nil
        }
    }
}
