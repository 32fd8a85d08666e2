import EdgeConfig
import LoadManagement
import Logging
public import OCPP

/// Why a command to a station did not get the station's answer.
public enum CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The action is not one a central system sends in OCPP 1.6.
    case unknownAction(String)
    /// The payload does not fit the action's schema.
    case invalidPayload(action: String, error: OCPPError)
    /// The station has no connection right now.
    case notConnected(stationId: String)
    /// The station has not been accepted, and the action would let it charge.
    case notAccepted(stationId: String)
    /// The station did not answer in time.
    case timeout(action: String, after: Duration)
    /// The station answered with a CALLERROR.
    case stationError(action: String, code: String, description: String)
    /// The station's answer does not fit the action's response schema.
    case invalidResponse(action: String, error: OCPPError)
    /// The edge does not carry this command from outside: it would lift load management's limits or change the
    /// station's security behind the edge's back.
    case refused(action: String, reason: String)

    public var description: String {
        switch self {
        case .unknownAction(let action): "'\(action)' is not a command a central system can send in OCPP 1.6"
        case .invalidPayload(let action, let error):
            "payload is not valid for \(action): \(error.reason) (\(error.code.rawValue))"
        case .notConnected(let id): "station '\(id)' is not connected"
        case .notAccepted(let id): "station '\(id)' is pending approval"
        case .timeout(let action, let after): "station did not answer \(action) within \(after)"
        case .stationError(let action, let code, let description): "station answered \(action) with \(code): \(description)"
        case .invalidResponse(let action, let error): "station's answer to \(action) is not valid: \(error.reason)"
        case .refused(let action, let reason): "\(action) refused: \(reason)"
        }
    }
}

extension CentralSystem {
    /// Actions a station must be accepted for before it is sent them (OCPP 1.6, 4.2.1).
    static let commandsNeedingAcceptance: Set<String> = [
        OCPP16.RemoteStartTransactionRequest.action, OCPP16.RemoteStopTransactionRequest.action,
    ]

    /// Sends any OCPP 1.6 central-system command, given as its action name and JSON payload, and returns the
    /// station's JSON answer. The payload is checked against the action's schema before it is sent.
    public func command(stationId: String, action: String, payload: [UInt8]) async throws(CommandError) -> [UInt8] {
        guard let type = OCPP16.requestType(forAction: action, direction: .toStation) else {
            throw .unknownAction(action)
        }
        return try await command(stationId: stationId, type: type, payload: payload)
    }

    private func command<Request: OCPPRequest>(
        stationId: String, type: Request.Type, payload: [UInt8]
    ) async throws(CommandError) -> [UInt8] {
        let coder = PayloadCoder()
        let request: Request
        do {
            request = try coder.decode(Request.self, from: payload)
        } catch {
            throw .invalidPayload(action: Request.action, error: error)
        }
        if let reason = refusal(of: request) { throw .refused(action: Request.action, reason: reason) }
        let response = try await call(stationId: stationId, request)
        do {
            return try coder.encode(response)
        } catch {
            throw .invalidResponse(action: Request.action, error: OCPPError(.internalError, "\(error)"))
        }
    }

    /// Configuration keys the generic command path does not change: the Basic auth password (the station's
    /// registration sets it, and a change here would lock the station out of the edge) and the security profile.
    static let protectedConfigurationKeys: Set<String> = ["authorizationkey", "securityprofile"]

    /// Why a command from outside (the cloud, the local HTTP interface) is not carried to a station, if it is not:
    /// while load management is on, the edge alone sets charging profiles (a profile from outside could lift its
    /// limits above the fuse), and security-relevant configuration keys are not changed as plain settings.
    func refusal(of request: some OCPPRequest) -> String? {
        let managed = configuration.loadManagement.mode != .off
        if managed, request is OCPP16.SetChargingProfileRequest || request is OCPP16.ClearChargingProfileRequest {
            return "load management sets this site's charging profiles while it is on (load_management.mode in "
                + "edge.yaml); one from outside could lift its limits above the fuse"
        }
        if managed, let start = request as? OCPP16.RemoteStartTransactionRequest, start.chargingProfile != nil {
            return "chargingProfile: load management sets this site's charging profiles while it is on; start the "
                + "session without one"
        }
        if let change = request as? OCPP16.ChangeConfigurationRequest,
            Self.protectedConfigurationKeys.contains(change.key.value.lowercased())
        {
            return "\(change.key.value) is not changed as a configuration key: the station's password is set by its "
                + "registration, and its security profile by the installer"
        }
        return nil
    }

    /// Sends a typed command to a connected station and returns its typed answer.
    public func call<Request: OCPPRequest>(stationId: String, _ request: Request) async throws(CommandError) -> Request.Response {
        guard let session = session(stationId: stationId) else { throw .notConnected(stationId: stationId) }
        if session.approval != .accepted, Self.commandsNeedingAcceptance.contains(Request.action) {
            throw .notAccepted(stationId: stationId)
        }
        let clock = ContinuousClock()
        let started = clock.now
        metrics.message(action: Request.action, direction: "out")
        do {
            let response = try await session.outgoing.call(request, timeout: configuration.ocpp.callTimeout)
            metrics.outgoing(action: Request.action, duration: clock.now - started)
            session.logger.info("command answered", metadata: ["action": "\(Request.action)"])
            return response
        } catch let failure as CallFailure {
            session.logger.warning("command failed", metadata: ["action": "\(Request.action)", "reason": "\(failure)"])
            switch failure {
            case .timeout(let action, let after): throw .timeout(action: action, after: after)
            case .connectionClosed: throw .notConnected(stationId: stationId)
            case .callError(let action, let code, let description):
                metrics.callError(code: code, direction: "in")
                throw .stationError(action: action, code: code, description: description)
            case .invalidResponse(let action, let error): throw .invalidResponse(action: action, error: error)
            case .invalidRequest(let action, let error): throw .invalidPayload(action: action, error: error)
            }
        } catch {
            throw .notConnected(stationId: stationId)
        }
    }
}
