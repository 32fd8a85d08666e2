import CentralSystem
import EdgeStore
import Foundation
import Logging
import SiteModel
public import SyncContract

/// Stations the cloud adds and retires.
public protocol StationRegistry: Sendable {
    /// Registers a station and answers with the registration in effect, or throws why not.
    func register(station id: String, _ registration: StationRegistration) async throws -> StationRegistration
    /// Retires a station, or throws why not.
    func retire(station id: String) async throws
    /// Tells the station its new password and keeps the new hash; answers the charger's status, or throws why not.
    func changePassword(station id: String, _ change: StationPasswordChange) async throws -> String
}

/// The commands the cloud sends down, carried out at most once each: relayed to their station, or handled by the
/// edge itself (load-management settings, station approval, station registration and retirement). Each result goes to the outbox,
/// named by the command's id.
struct EdgeCommands: Sendable {
    let store: EdgeStore
    let central: CentralSystem
    let changeLoadSettings: CloudLink.LoadSettingsHandler?
    let stations: (any StationRegistry)?
    let sessionLimits: CloudLink.SessionLimitHandler?

    /// Relays a command to its station and puts the result in the outbox, named by the command's id.
    func run(_ command: CommandRequest, deadline: Date, logger: Logger) async {
        var log = logger
        log[metadataKey: "station"] = "\(command.station)"
        log[metadataKey: "action"] = "\(command.action)"
        log[metadataKey: "command"] = "\(command.id)"
        // At most once: the broker delivers a command again when its PUBACK was lost (security review, finding 11).
        do {
            switch try await store.claimCommand(command) {
            case .new:
                break
            case .inProgress:
                log.notice("command from the cloud delivered again while it is carried out; not run twice")
                return
            case .done(let result):
                log.notice("command from the cloud delivered again; answered with its result, not run twice")
                try await store.enqueue(.commandResult(result), at: Date())
                return
            }
        } catch {
            log.error("could not record a command from the cloud; not run", metadata: ["error": "\(error)"])
            return
        }
        let result: CommandResult
        if deadline < Date() {
            log.notice("command from the cloud arrived after its deadline; not run")
            result = CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: .expired,
                error: "arrived at the edge after its deadline")
        } else if command.action == LoadSettings.action {
            result = await changeSettings(command, log: log)
        } else if command.action == StationApprovalChange.action {
            result = await changeApproval(command, log: log)
        } else if command.action == StationRegistration.action {
            result = await register(command, log: log)
        } else if command.action == StationRetirement.action {
            result = await retire(command, log: log)
        } else if command.action == StationPasswordChange.action {
            result = await changePassword(command, log: log)
        } else if command.action == SessionLimit.setAction || command.action == SessionLimit.getAction {
            result = await sessionLimit(command, log: log)
        } else {
            do {
                let response = try await central.command(
                    stationId: command.station, action: command.action, payload: Array(command.payload.utf8))
                result = CommandResult(
                    id: command.id, station: command.station, action: command.action, outcome: .accepted,
                    response: String(decoding: response, as: UTF8.self))
            } catch {
                log.info("command from the cloud failed", metadata: ["reason": "\(error)"])
                result = CommandResult(
                    id: command.id, station: command.station, action: command.action, outcome: error.outcome,
                    error: error.description)
            }
        }
        do {
            try await store.finishCommand(result, at: Date())
        } catch {
            log.error("could not keep a command's result", metadata: ["error": "\(error)"])
        }
    }

    /// A station registered from the cloud ahead of its first connection.
    private func register(_ command: CommandRequest, log: Logger) async -> CommandResult {
        func refused(_ reason: String) -> CommandResult {
            log.warning("station registration from the cloud refused", metadata: ["reason": "\(reason)"])
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: .invalid, error: reason)
        }
        guard let stations else { return refused("this edge does not take stations from the cloud") }
        let registration: StationRegistration
        do {
            registration = try SyncJSON.decoder().decode(StationRegistration.self, from: Data(command.payload.utf8))
        } catch {
            return refused("the registration is not valid: \(error)")
        }
        do {
            let registered = try await stations.register(station: command.station, registration)
            var answer = registered
            answer.passwordHash = registered.passwordHash == nil ? nil : "(set)"
            answer.formerPasswordHash = nil
            answer.formerPasswordUntil = nil
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: .accepted,
                response: String(decoding: try SyncJSON.encoder().encode(answer), as: UTF8.self))
        } catch {
            return refused("\(error)")
        }
    }

    /// A station retired from the cloud: forgotten here, its connection closed.
    private func retire(_ command: CommandRequest, log: Logger) async -> CommandResult {
        func answer(_ outcome: CommandOutcome, _ error: String? = nil) -> CommandResult {
            if let error { log.warning("station retirement from the cloud refused", metadata: ["reason": "\(error)"]) }
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: outcome,
                response: error == nil ? "{}" : nil, error: error)
        }
        guard let stations else { return answer(.invalid, "this edge does not take stations from the cloud") }
        guard (try? SyncJSON.decoder().decode(StationRetirement.self, from: Data(command.payload.utf8))) != nil,
            StationIdentity.problem(command.station) == nil
        else {
            return answer(.invalid, "a retirement names a station and has the payload {}")
        }
        do {
            try await stations.retire(station: command.station)
            return answer(.accepted)
        } catch {
            return answer(.rejected, "\(error)")
        }
    }

    /// A new password for a station: the charger told, then the new hash in effect. The password is in no log and no
    /// result.
    private func changePassword(_ command: CommandRequest, log: Logger) async -> CommandResult {
        func answer(_ outcome: CommandOutcome, response: String? = nil, _ error: String? = nil) -> CommandResult {
            if let error { log.warning("station password change from the cloud refused", metadata: ["reason": "\(error)"]) }
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: outcome, response: response,
                error: error)
        }
        guard let stations else { return answer(.invalid, "this edge does not take stations from the cloud") }
        guard let change = try? SyncJSON.decoder().decode(StationPasswordChange.self, from: Data(command.payload.utf8))
        else { return answer(.invalid, "the payload must be {\"password\", \"passwordHash\"}") }
        guard change.problems.isEmpty else { return answer(.invalid, change.problems.joined(separator: "; ")) }
        do {
            let status = try await stations.changePassword(station: command.station, change)
            log.notice("station told its new password", metadata: ["status": "\(status)"])
            return answer(.accepted, response: #"{"status":"\#(status)"}"#)
        } catch let error as CommandError {
            return answer(error.outcome, error.description)
        } catch {
            return answer(.rejected, "\(error)")
        }
    }

    /// An operator's approval or rejection of a station, from the cloud: kept in the store and in effect at once (an
    /// approved station is asked to boot again, a rejected one is disconnected), whether it is connected or not.
    private func changeApproval(_ command: CommandRequest, log: Logger) async -> CommandResult {
        guard let change = try? SyncJSON.decoder().decode(StationApprovalChange.self, from: Data(command.payload.utf8)),
            let approval = change.approval.known, StationApprovalChange.decisions.contains(approval), !command.station.isEmpty
        else {
            log.warning("station approval from the cloud refused: not accepted or rejected for a station")
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: .invalid,
                error: #"the payload must be {"approval": "accepted" or "rejected"} for a station"#)
        }
        do {
            try await central.approve(stationId: command.station, approval)
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: .accepted,
                response: command.payload)
        } catch let refusal as ApprovalRefusal {
            log.warning("station approval from the cloud refused", metadata: ["reason": "\(refusal)"])
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: .rejected,
                error: refusal.description)
        } catch {
            log.error("could not keep a station's approval", metadata: ["error": "\(error)"])
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: .failed, error: "\(error)")
        }
    }

    /// A running session's limit set, cleared or read (a roaming partner's charging profile), for the load manager.
    private func sessionLimit(_ command: CommandRequest, log: Logger) async -> CommandResult {
        func answer(_ outcome: CommandOutcome, response: String? = nil, _ error: String? = nil) -> CommandResult {
            if let error { log.warning("session limit from the cloud refused", metadata: ["reason": "\(error)"]) }
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: outcome, response: response,
                error: error)
        }
        guard let sessionLimits else { return answer(.invalid, "this edge has no load management to limit a session") }
        let limit: SessionLimit
        do {
            limit = try SyncJSON.decoder().decode(SessionLimit.self, from: Data(command.payload.utf8))
        } catch {
            return answer(.invalid, "the session limit does not parse: \(error)")
        }
        guard limit.problems.isEmpty else { return answer(.invalid, limit.problems.joined(separator: "; ")) }
        do {
            let state = try await sessionLimits(command.station, limit, command.action == SessionLimit.setAction)
            return answer(.accepted, response: String(decoding: try SyncJSON.encoder().encode(state), as: UTF8.self))
        } catch {
            return answer(.rejected, "\(error)")
        }
    }

    /// A change of the site's load-management settings (a command for the edge itself, not a station).
    private func changeSettings(_ command: CommandRequest, log: Logger) async -> CommandResult {
        func refused(_ outcome: CommandOutcome, _ reason: String) -> CommandResult {
            log.warning("load-management settings from the cloud refused", metadata: ["reason": "\(reason)"])
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: outcome, error: reason)
        }
        guard let changeLoadSettings else { return refused(.invalid, "this edge has no load management to configure") }
        let change: LoadSettings
        do {
            change = try SyncJSON.decoder().decode(LoadSettings.self, from: Data(command.payload.utf8))
        } catch {
            return refused(.invalid, "the settings do not parse: \(error)")
        }
        do {
            let now = try await changeLoadSettings(change)
            let response = String(decoding: try SyncJSON.encoder().encode(now), as: UTF8.self)
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: .accepted, response: response)
        } catch {
            return refused(.invalid, "\(error)")
        }
    }
}

extension CommandError {
    /// The short outcome name a ``CommandResult`` carries.
    var outcome: CommandOutcome {
        switch self {
        case .unknownAction, .invalidPayload: .invalid
        case .notConnected: .notConnected
        case .notAccepted, .refused: .rejected
        case .timeout: .timeout
        case .stationError: .stationError
        case .invalidResponse: .invalidResponse
        }
    }
}
