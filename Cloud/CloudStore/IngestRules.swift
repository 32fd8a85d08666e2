public import Foundation
public import SiteModel
public import SyncContract
import WireJSON

/// A line of a site's history, as ingest writes it.
public struct HistoryEntry: Equatable, Sendable {
    public var at: Date
    public var station: String?
    public var connector: Int?
    public var kind: String
    public var severity: OpenEnum<Severity>
    /// An OCPP error code or action, when the entry has one.
    public var code: String?
    /// A JSON object.
    public var detail: String

    public init(
        at: Date, station: String?, connector: Int? = nil, kind: String, severity: OpenEnum<Severity>, code: String? = nil,
        detail: String
    ) {
        self.at = at
        self.station = station
        self.connector = connector
        self.kind = kind
        self.severity = severity
        self.code = code
        self.detail = detail
    }

    init(
        at: Date, station: String?, connector: Int? = nil, kind: String, severity: Severity, code: String? = nil,
        fields: [String: String]
    ) {
        let json = (try? WireCoders.encoder(sortedKeys: true).encode(fields)).map { String(decoding: $0, as: UTF8.self) }
        self.init(
            at: at, station: station, connector: connector, kind: kind, severity: .known(severity), code: code,
            detail: json ?? "{}")
    }
}

/// What one up message changes in the cloud's state, in the cloud's terms: the pure half of ingest.
///
/// ``IngestRules/changes(_:)`` decides what a message means (the station it makes known, the history line it leaves
/// and how much that matters, the approval a command's answer puts in effect); a repository only keeps the changes,
/// in order, each under the ordering rule its kind names, so a second implementation (PostgreSQL) shares the rules
/// and writes only its SQL.
public enum IngestChange: Equatable, Sendable {
    /// The station is known at the site (listed, not connected, when it was not).
    case stationKnown(String)
    /// Its identity, firmware and approval; a boot of a lower seq does not replace one of a higher.
    case stationBooted(StationBoot)
    /// Connected or not; a lower seq does not replace a higher.
    case connection(StationConnection)
    /// A connector's state and error; an older time does not replace a newer.
    case connectorStatus(ConnectorStatusChange)
    /// A session began; `sortAt` orders the session list. A session of another store of the site is not touched.
    case sessionStarted(SessionStarted, sortAt: Date)
    /// A session's latest reading (a lower seq does not replace a higher), and one sample of its chart.
    case sessionProgress(SessionProgress)
    /// A session ended; what its start said is kept where the start was seen.
    case sessionStopped(SessionStopped, sortAt: Date)
    /// The site meters' readings.
    case meterReadings(SiteMeterSample)
    /// What load management decided: kept over time, and each connector's share now.
    case loadDecided(LoadSummary)
    /// A relayed command's answer, received at `at`.
    case commandAnswered(CommandResult, at: Date)
    /// The station's approval as now in effect at the edge.
    case approval(station: String, OpenEnum<Approval>)
    /// What the edge registered for the station (its wiring; whether it has a password), as the edge answered.
    case registered(station: String, StationRegistration)
    /// The station's word on its latest diagnostics request (DiagnosticsStatusNotification).
    case diagnosticsStatus(station: String, status: String, at: Date)
    /// The edge forgot the station: the cloud forgets its state, grants and groups and ends its tariffs at `at`; its
    /// sessions and history stay, and its id is free.
    case stationRetired(String, at: Date)
    case history(HistoryEntry)
    /// A token the edge asks the cloud about: answered after the batch is durable.
    case authRequested(AuthRequest)
}

/// The rules of ingest: what each up message changes. Pure: the same envelope always gives the same changes.
public enum IngestRules {
    /// `previousStatus`: a connector's status before a status message (read by the store), for the history's words.
    public static func changes(_ envelope: UpEnvelope, previousStatus: String? = nil) -> [IngestChange] {
        switch envelope.message {
        case .presence:
            []  // Not sequenced; handled before the batch.
        case .stationBoot(let boot):
            [.stationBooted(boot), .history(history(of: boot))]
        case .stationConnection(let connection):
            // A disconnection lists no station: a retired one's connection, closed as the edge forgot it, may arrive
            // after the retirement and must not bring it back.
            (connection.connected ? [.stationKnown(connection.station)] : []) + [
                .connection(connection),
                .history(
                    HistoryEntry(
                        at: connection.time, station: connection.station,
                        kind: connection.connected ? "connected" : "disconnected",
                        severity: connection.connected ? .info : .warning,
                        fields: connection.reason.map { ["reason": $0] } ?? [:])),
            ]
        case .connectorStatus(let status):
            [.stationKnown(status.station), .connectorStatus(status), .history(history(of: status, previous: previousStatus))]
        case .sessionStart(let start):
            [.stationKnown(start.station), .sessionStarted(start, sortAt: start.startTime ?? envelope.timestamp)]
        case .sessionUpdate(let update):
            [.stationKnown(update.station), .sessionProgress(update)]
        case .sessionStop(let stop):
            [.stationKnown(stop.station), .sessionStopped(stop, sortAt: stop.startTime ?? stop.stopTime)]
        case .siteMeter(let sample):
            [.meterReadings(sample)]
        case .loadSummary(let summary):
            // Kept over time; a line in the history when something happened worth one: the failsafe.
            [.loadDecided(summary)]
                + (summary.failsafe
                    ? [
                        .history(
                            HistoryEntry(
                                at: summary.time, station: nil, kind: "load_failsafe", severity: .warning,
                                fields: ["mode": summary.mode]))
                    ] : [])
        case .event(let event):
            [
                .history(
                    HistoryEntry(
                        at: event.time, station: event.station, kind: event.kind, severity: event.severity,
                        detail: event.detail))
            ] + diagnostics(event)
        case .commandResult(let result):
            answered(result, at: envelope.timestamp)
        case .authRequest(let request):
            [.authRequested(request)]
        }
    }

    /// The line a message that could not be applied leaves: an error, with the message itself (up to 8 KiB).
    public static func failure(_ envelope: UpEnvelope, error: any Error) -> HistoryEntry {
        var fields = ["error": "\(error)"]
        if let message = try? envelope.encoded() { fields["message"] = String(decoding: message.prefix(8192), as: UTF8.self) }
        return HistoryEntry(
            at: envelope.timestamp, station: nil, kind: "ingest_failed", severity: .error, code: envelope.message.type,
            fields: fields)
    }

    /// A boot; one the edge did not accept (a station waiting for approval, or refused) says so, as a warning.
    static func history(of boot: StationBoot) -> HistoryEntry {
        var fields = ["vendor": boot.vendor, "model": boot.model, "firmware": boot.firmwareVersion ?? ""]
        let accepted = boot.approval.rawValue == "accepted"
        if !accepted { fields["approval"] = boot.approval.rawValue }
        return HistoryEntry(
            at: boot.time, station: boot.station, kind: "boot", severity: accepted ? .info : .warning, fields: fields)
    }

    /// A fault is an error; any other error code than `NoError` a warning.
    static func history(of status: ConnectorStatusChange, previous: String? = nil) -> HistoryEntry {
        let faulted = status.status == .faulted
        let erring = status.errorCode.map { $0 != "NoError" } ?? false
        var fields = ["status": status.status.rawValue]
        fields["previous"] = previous
        fields["info"] = status.info
        fields["vendorId"] = status.vendorId
        fields["vendorErrorCode"] = status.vendorErrorCode
        return HistoryEntry(
            at: status.time, station: status.station, connector: status.connector, kind: "status",
            severity: faulted ? .error : erring ? .warning : .info, code: status.errorCode, fields: fields)
    }

    /// A diagnostics status from a station (other than `Idle`, its answer to a trigger) for its latest request.
    static func diagnostics(_ event: SiteEvent) -> [IngestChange] {
        guard event.kind == "diagnostics_status", let station = event.station,
            let detail = try? JSONSerialization.jsonObject(with: Data(event.detail.utf8)) as? [String: Any],
            let status = detail["status"] as? String, status != "Idle"
        else { return [] }
        return [.diagnosticsStatus(station: station, status: String(status.prefix(20)), at: event.time)]
    }

    /// A command's answer; an accepted approval is in effect at once (known before the station's next boot says
    /// so), and an accepted registration lists the station (not connected) until it connects.
    static func answered(_ result: CommandResult, at time: Date) -> [IngestChange] {
        var changes: [IngestChange] = [.commandAnswered(result, at: time)]
        if result.outcome == .accepted, result.action == StationApprovalChange.action, let response = result.response,
            let change = try? SyncJSON.decoder().decode(StationApprovalChange.self, from: Data(response.utf8))
        {
            changes.append(.approval(station: result.station, change.approval))
        }
        if result.outcome == .accepted, result.action == StationRegistration.action {
            changes += [.stationKnown(result.station), .approval(station: result.station, .known(.accepted))]
            if let response = result.response,
                let registration = try? SyncJSON.decoder().decode(StationRegistration.self, from: Data(response.utf8))
            {
                changes.append(.registered(station: result.station, registration))
            }
        }
        if result.outcome == .accepted, result.action == StationRetirement.action {
            changes.append(.stationRetired(result.station, at: time))
        }
        var fields = ["command": result.id, "action": result.action, "outcome": result.outcome.rawValue]
        fields["error"] = result.error
        changes.append(
            .history(
                HistoryEntry(
                    at: time, station: result.station, kind: "command", severity: result.outcome == .accepted ? .info : .warning,
                    code: result.action, fields: fields)))
        return changes
    }
}
