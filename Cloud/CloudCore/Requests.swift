public import CloudStore
public import Foundation
import OCPP
public import ServerSupport
public import SiteModel
public import SyncContract

/// What a request asks, read and checked before anything is done, the same for the API and the dashboard: a change of
/// load-management settings, a command for a station, a filter of sessions. Each refusal is a ``Problem`` that names
/// what was wrong.
public enum Requests {
    /// A change of load-management settings from a request body, with what can be checked before the edge checks
    /// it against its own configuration; a key that is not a setting is refused too (a typo must not pass for a
    /// change that did nothing).
    public static func loadSettings(from body: Data) throws -> LoadSettings {
        let known: Set = ["mode", "staticCurrentA", "strategy", "gridLimitA", "failsafeCurrentA", "minCurrentA"]
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let unknown = object.keys.sorted().first(where: { !known.contains($0) })
        {
            throw Problem(
                status: 400,
                detail:
                    "'\(unknown)' is not a load-management setting (mode, staticCurrentA, strategy, gridLimitA, failsafeCurrentA)"
            )
        }
        let change: LoadSettings
        do {
            change = try SyncJSON.decoder().decode(LoadSettings.self, from: body)
        } catch {
            throw Problem(status: 400, detail: "the body is not valid: \(error)")
        }
        try validate(change)
        return change
    }

    private static func validate(_ change: LoadSettings) throws {
        if change.minCurrentA != nil {
            throw Problem(status: 400, detail: "minCurrentA is not changed from the cloud: it is set in the edge's edge.yaml")
        }
        guard change != LoadSettings() else {
            throw Problem(
                status: 400, detail: "nothing to change: give mode, staticCurrentA, strategy, gridLimitA or failsafeCurrentA")
        }
        let problems = change.problems
        guard problems.isEmpty else { throw Problem(status: 400, detail: problems.joined(separator: "; ")) }
    }

    /// The `severity` filter of the event history: absent, or one of `info`, `warning`, `error` (a 400 otherwise).
    public static func severityFilter(_ text: String?) throws -> Severity? {
        guard let text else { return nil }
        guard let severity = Severity(rawValue: text) else {
            let names = Severity.allCases.map(\.rawValue)
            throw Problem(
                status: 400,
                detail: "severity must be \(names.dropLast().joined(separator: ", ")) or \(names.last!), got '\(text)'")
        }
        return severity
    }

    /// An operator's decision on a station, as the edge takes it (`accepted` or `rejected`), or a 400 naming what was
    /// given.
    public static func approvalChange(_ approval: String) throws -> StationApprovalChange {
        guard let decision = Approval(rawValue: approval), StationApprovalChange.decisions.contains(decision) else {
            throw Problem(status: 400, detail: "approval must be accepted or rejected, got '\(approval)'")
        }
        return StationApprovalChange(approval: .known(decision))
    }

    /// A command is checked here, against the OCPP 1.6 schema of its action, before anything is sent.
    public static func validateCommand(action: String, payload: String) throws {
        guard let type = OCPP16.requestType(forAction: action, direction: .toStation) else {
            throw Problem(status: 404, detail: "'\(action)' is not a command a central system can send in OCPP 1.6")
        }
        do {
            _ = try PayloadCoder().decode(type, from: Array(payload.utf8))
        } catch {
            throw Problem(status: 400, detail: "payload is not valid for \(action): \(error.reason) (\(error.code.rawValue))")
        }
    }

    public static func sessionFilter(_ query: Query, scope: Scope?) throws -> SessionFilter {
        var after: SessionCursor?
        if let cursor = query.string("cursor") {
            guard let parsed = SessionCursor(token: cursor) else {
                throw Problem(status: 400, detail: "cursor is not one this API handed out")
            }
            after = parsed
        }
        return SessionFilter(
            scope: scope, site: try query.stationFilter().site, station: try query.stationFilter().station,
            idTag: query.string("token"),
            from: try query.date("from"), to: try query.date("to"), active: try query.bool("active"),
            limit: try query.integer("limit", in: 1...500, default: 50), after: after)
    }
}
