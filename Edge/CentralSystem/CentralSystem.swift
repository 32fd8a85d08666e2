public import EdgeConfig
public import EdgeStore
public import Foundation
import HummingbirdBcrypt
public import Logging
import OCPP
public import SiteModel
import Synchronization

/// The OCPP central system of one site: decides which stations may connect, keeps one session per station,
/// answers their calls durably, and sends them commands.
///
/// It knows nothing of sockets: the WebSocket server hands it connections through ``StationTransport``.
public final class CentralSystem: Sendable {
    public let configuration: EdgeConfiguration
    public let store: EdgeStore
    public let metrics: EdgeMetrics
    public let logger: Logger
    let authorizer: Authorizer
    let handler: OCPP16Handler
    /// What every connector is doing now, for load management.
    public let live = LiveConnectors()
    let now: @Sendable () -> Date
    private let sessions = Mutex<[String: StationSession]>([:])
    /// What each station identity may still make the edge store, across its connections.
    private let quotas = StationQuotas()
    private let newIdentities = NewIdentityLimit()
    /// edge.yaml's stations and those the cloud registered since.
    private let configuredStations: Mutex<[String: EdgeConfiguration.Station]>
    /// bcrypt is deliberately slow: it runs on one serial queue, off the cooperative pool and the event loops, so a
    /// thousand chargers reconnecting at once (or a client guessing passwords) take one core, not all.
    private let credentials = Credentials()

    public init(
        configuration: EdgeConfiguration, store: EdgeStore, metrics: EdgeMetrics, logger: Logger,
        remoteAuthorizer: (any RemoteAuthorizing)? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.now = now
        authorizer = Authorizer(
            store: store, unknownTokens: configuration.authorization.unknownTokens, remote: remoteAuthorizer)
        configuredStations = Mutex(
            Dictionary(configuration.stations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }))
        handler = OCPP16Handler(
            store: store, authorizer: authorizer, heartbeatInterval: configuration.ocpp.heartbeatInterval, live: live,
            metrics: metrics, now: now)
    }

    /// Loads the configured tokens and stations into the store; run once at start.
    public func prepare() async throws {
        let tokens = configuration.authorization.tokens.map {
            TokenRecord(idTag: $0.idTag, status: $0.status, expiry: $0.expiry, parentIdTag: $0.parentIdTag, source: "config")
        }
        try await store.replaceTokens(source: "config", with: tokens)
        for station in configuration.stations where try await store.station(id: station.id) == nil {
            try await store.setApproval(stationId: station.id, .accepted, at: now())
        }
    }

    // MARK: Admission

    /// Whether a WebSocket upgrade for `stationId` may go ahead, checking identity policy and credentials.
    ///
    /// - Parameter authorization: the request's `Authorization` header, if any.
    /// `certified`: a client certificate verified against the configured CA names this identity (security profile 3),
    /// which stands for Basic auth.
    public func admit(
        stationId: String, authorization: String?, certified: Bool = false, remoteAddress: String? = nil
    ) async -> Admission {
        let problem = StationIdentity.problem(stationId)
        guard problem == nil || StationIdentity.isTolerated(stationId) else {
            metrics.authFailure(reason: "bad_identity")
            logger.warning(
                "connection refused: not a station identity",
                metadata: ["identity": "\(stationId.debugDescription.prefix(120))", "reason": "\(problem!)"])
            return .refused(status: 404, reason: "the station identity \(problem!)")
        }
        let configured = configuredStations.withLock { $0[stationId] }
        let known: StationRecord?
        do {
            known = try await store.station(id: stationId)
        } catch {
            logger.error("store unreadable during admission", metadata: ["station": "\(stationId)", "error": "\(error)"])
            return .refused(status: 503, reason: "store unavailable")
        }
        if let problem {
            // Kept for a station the installer configured or the edge knew before the rule; a new one must fit.
            guard configured != nil || known != nil else {
                metrics.authFailure(reason: "bad_identity")
                logger.warning(
                    "connection refused: not a station identity",
                    metadata: ["identity": "\(stationId.debugDescription.prefix(120))", "reason": "\(problem)"])
                return .refused(status: 404, reason: "the station identity \(problem)")
            }
            logger.notice(
                "station identity outside the OCPP identity characters, kept because it is configured or known; rename it",
                metadata: ["station": "\(stationId.debugDescription)"])
        }
        // Under basic_auth every station authenticates, but one that will only be pending (unknown under the pending
        // policy, or known and still waiting) may connect without a password: it can boot and nothing else, so that
        // an operator sees it and registers it with one.
        let pendingOnly =
            configured == nil
            && (known.map { $0.approval == .pending } ?? (configuration.ocpp.unknownStations == .pending))
        if !certified, configured?.passwordHash != nil || (configuration.ocpp.basicAuth && !pendingOnly) {
            let verdict = await checkPassword(of: stationId, authorization: authorization, configured: configured)
            if verdict == .busy {
                metrics.authFailure(reason: "busy")
                logger.warning(
                    "station refused for now: too many credential checks waiting", metadata: ["station": "\(stationId)"])
                return .refused(status: 503, reason: "too many connection attempts at once; try again")
            }
            guard verdict == .valid else {
                metrics.authFailure(reason: "bad_credentials")
                logger.warning(
                    "station refused: missing or wrong Basic auth credentials",
                    metadata: ["station": "\(stationId)", "had_credentials": "\(authorization != nil)"])
                return .refused(status: 401, reason: "HTTP Basic authentication required")
            }
        }
        if let known, known.approval == .rejected {
            metrics.authFailure(reason: "rejected_station")
            logger.warning("station refused: rejected by an operator", metadata: ["station": "\(stationId)"])
            return .refused(status: 404, reason: "station is rejected")
        }
        if known == nil, configured == nil, configuration.ocpp.unknownStations == .reject {
            metrics.authFailure(reason: "unknown_station")
            logger.warning("station refused: unknown identity and policy is reject", metadata: ["station": "\(stationId)"])
            return .refused(status: 404, reason: "unknown station")
        }
        // Under the pending policy an unknown identity needs no password and is stored, so new ones are limited.
        // Under accept, which the installer chose knowingly (and is warned of), a site's chargers may all be new.
        if known == nil, configured == nil, configuration.ocpp.unknownStations == .pending,
            !newIdentities.allow(address: remoteAddress ?? "unknown", now: now())
        {
            metrics.authFailure(reason: "too_many_new_identities")
            logger.warning(
                "station refused for now: too many new identities",
                metadata: ["station": "\(stationId)", "remote": "\(remoteAddress ?? "unknown")"])
            return .refused(status: 429, reason: "too many new station identities; try again in a minute")
        }
        return .accepted
    }

    /// The password of a `Basic` authorization header whose user is `user`, as OCPP security profile 1 sends it.
    static func basicPassword(_ header: String?, user: String) -> String? {
        guard let header, header.lowercased().hasPrefix("basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let decoded = String(data: data, encoding: .utf8), let colon = decoded.firstIndex(of: ":"),
            decoded[..<colon] == user
        else { return nil }
        return String(decoded[decoded.index(after: colon)...])
    }

    // MARK: Sessions

    /// Registers a new connection; a previous connection of the same station is closed.
    public func connect(
        stationId: String, subprotocol: String, remoteAddress: String, transport: any StationTransport
    ) async throws -> StationSession {
        let policy = configuration.ocpp.unknownStations
        let record = try await store.touchStation(
            id: stationId, approvalIfNew: policy == .pending ? .pending : .accepted, at: now())
        let approval: StationApprovalState =
            switch record.approval {
            case .accepted: .accepted
            case .pending: .pending
            case .rejected: .rejected
            }
        let session = StationSession(
            stationId: stationId, subprotocol: subprotocol, remoteAddress: remoteAddress, approval: approval,
            transport: transport, logger: logger, now: now(), quotas: quotas)
        let previous = sessions.withLock { $0.updateValue(session, forKey: stationId) }
        if let previous {
            session.logger.notice("station reconnected; closing its previous connection")
            metrics.stationDropped(reason: "replaced")
            await close(previous, code: CloseCode.policyViolation, reason: "replaced by a new connection")
        } else {
            metrics.stationConnected()
        }
        session.logger.info(
            "station connected",
            metadata: ["remote": "\(remoteAddress)", "subprotocol": "\(subprotocol)", "approval": "\(record.approval)"])
        try? await store.recordEvent(
            StationEvent(
                stationId: stationId, kind: "connected",
                detail: StationEvent.detail(["remote": remoteAddress, "protocol": subprotocol]), timestamp: now()))
        return session
    }

    /// Forgets a session whose connection ended; a newer session of the same station stays.
    public func disconnected(_ session: StationSession) async {
        let removed = sessions.withLock { sessions in
            guard sessions[session.stationId] === session else { return false }
            sessions[session.stationId] = nil
            return true
        }
        if removed {
            metrics.stationDisconnected()
            live.disconnected(station: session.stationId)
        }
        await session.outgoing.close()
        if session.markClosed() {
            session.logger.info("station disconnected")
            try? await store.recordEvent(
                StationEvent(stationId: session.stationId, kind: "disconnected", detail: "{}", timestamp: now()))
        }
    }

    /// Closes every connection, as on shutdown.
    public func closeAll(code: UInt16, reason: String) async {
        let all = sessions.withLock { Array($0.values) }
        await withTaskGroup(of: Void.self) { group in
            for session in all { group.addTask { await self.close(session, code: code, reason: reason) } }
        }
    }

    private func close(_ session: StationSession, code: UInt16, reason: String) async {
        await session.outgoing.close()
        await session.transport.close(code: code, reason: reason)
    }

    /// Pings every station quiet for a ping interval and disconnects every one silent for two: a charger that
    /// lost power or network without closing its TCP connection would otherwise look connected for hours.
    public func checkLiveness(now: Date) async {
        let interval = Double(configuration.ocpp.pingInterval)
        guard interval > 0 else { return }
        for session in connectedSessions {
            let silent = now.timeIntervalSince(session.lastMessageAt)
            if silent >= 2 * interval {
                metrics.stationDropped(reason: "silent")
                session.logger.warning("station silent; closing its connection", metadata: ["silent_s": "\(Int(silent))"])
                await close(session, code: CloseCode.goingAway, reason: "no answer to ping")
            } else if silent >= interval {
                await session.transport.ping()
            }
        }
    }

    /// The session of a connected station.
    public func session(stationId: String) -> StationSession? {
        sessions.withLock { $0[stationId] }
    }

    /// Every connected station's session.
    public var connectedSessions: [StationSession] {
        sessions.withLock { Array($0.values) }.sorted { $0.stationId < $1.stationId }
    }

    /// Lets a pending station operate; its next BootNotification is accepted.
    /// Adds (or changes) a station registered from the cloud: from now on it is known, with its password, as if it
    /// were listed in edge.yaml; a station waiting for approval is approved.
    public func register(_ station: EdgeConfiguration.Station) async throws {
        configuredStations.withLock { $0[station.id] = station }
        let known = try await store.station(id: station.id)
        if known == nil || known?.approval == .pending {
            try await approve(stationId: station.id, .accepted)
        }
        logger.notice("station registered from the cloud", metadata: ["station": "\(station.id)"])
    }

    /// The Basic auth password checked against the station's hash (and, for a while after a change the charger takes
    /// only at its next reboot, against the one before).
    private func checkPassword(
        of stationId: String, authorization: String?, configured: EdgeConfiguration.Station?
    ) async -> Credentials.Verdict {
        guard let hash = configured?.passwordHash, let password = Self.basicPassword(authorization, user: stationId) else {
            return .invalid
        }
        let verdict = await credentials.check(station: stationId, password: password, hash: hash)
        guard verdict == .invalid, let former = configured?.formerPassword, former.until > now() else { return verdict }
        let formerVerdict = await credentials.check(station: stationId, password: password, hash: former.hash)
        if formerVerdict == .valid {
            logger.notice(
                "station connected with its former password (it takes the new one at its reboot)",
                metadata: ["station": "\(stationId)"])
        }
        return formerVerdict
    }

    /// Whether a password is the one a bcrypt hash was made of (a station's new password from the cloud, checked once).
    public static func passwordMatches(_ password: String, hash: String) -> Bool { Credentials.matches(password, hash: hash) }

    /// Forgets a station retired from the cloud (the store has forgotten it already): no longer known, its connection
    /// closed. Connecting again, it is an unknown station under the `unknown_stations` policy.
    public func retire(stationId: String) async {
        configuredStations.withLock { _ = $0.removeValue(forKey: stationId) }
        if let session = session(stationId: stationId) {
            await close(session, code: CloseCode.policyViolation, reason: "station retired")
        }
        logger.notice("station retired from the cloud", metadata: ["station": "\(stationId)"])
    }

    public func approve(stationId: String, _ approval: Approval) async throws {
        if approval == .accepted, configuration.ocpp.basicAuth,
            configuredStations.withLock({ $0[stationId]?.passwordHash }) == nil
        {
            // It could not connect again: under basic_auth a station is accepted with its password.
            throw ApprovalRefusal.needsPassword(stationId)
        }
        try await store.setApproval(stationId: stationId, approval, at: now())
        let state: StationApprovalState =
            switch approval {
            case .accepted: .accepted
            case .pending: .pending
            case .rejected: .rejected
            }
        if let session = session(stationId: stationId) {
            let wasAccepted = session.approval == .accepted
            session.approval = state
            if approval == .rejected { await close(session, code: CloseCode.policyViolation, reason: "station rejected") }
            if approval == .accepted, !wasAccepted,
                configuredStations.withLock({ $0[stationId]?.passwordHash }) != nil
            {
                // A pending station may have connected without its password: accepted now, it must connect again with
                // it rather than be promoted on a connection that never showed it.
                await close(session, code: CloseCode.policyViolation, reason: "accepted: connect again with your credentials")
            } else if approval == .accepted, !wasAccepted {
                // Ask the station to boot again now rather than at its next retry; bounded by the call timeout.
                Task {
                    _ = try? await self.call(
                        stationId: stationId, OCPP16.TriggerMessageRequest(requestedMessage: .bootNotification))
                }
            }
        }
        logger.notice("station approval changed", metadata: ["station": "\(stationId)", "approval": "\(approval)"])
    }
}

/// Why a station cannot be approved.
public enum ApprovalRefusal: Error, CustomStringConvertible {
    case needsPassword(String)

    public var description: String {
        switch self {
        case .needsPassword(let station):
            "ocpp.basic_auth is on, so station '\(station)' is accepted with a password: register it with one (the cloud's "
                + "station registration, or a password_hash in edge.yaml) rather than approving it without"
        }
    }
}

/// The answer to a connection attempt.
public enum Admission: Sendable, Equatable {
    case accepted
    /// Refused with an HTTP status (401 for credentials, 404 for unknown or rejected stations).
    case refused(status: Int, reason: String)
}
