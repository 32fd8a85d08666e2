public import CentralSystem
public import CoreMetrics
public import EdgeConfig
public import EdgeStore
public import Foundation
public import Logging
import MQTT
public import ServiceLifecycle
import SiteModel
public import SyncContract
import Synchronization

/// The edge's link to the cloud, as a `Service`: keeps one MQTT connection, sends the outbox in seq order
/// until the cloud acknowledges each message, and carries out what the cloud sends down (commands, token
/// lists, authorization answers).
///
/// Presence: a retained `up/presence` says online once connected; the broker publishes the last will
/// (offline) if the edge vanishes, and the edge publishes offline itself when it stops.
public final class CloudLink: Service, Sendable {
    private let site: String
    private let settings: EdgeConfiguration.Cloud
    private let store: EdgeStore
    private let central: CentralSystem
    private let authorization: CloudAuthorization
    private let samples: @Sendable (Date) -> [UpMessage]
    private let changeLoadSettings: LoadSettingsHandler?
    private let registerStation: StationRegistrationHandler?
    private let logger: Logger
    private let metrics: SyncMetrics
    private let wake: AsyncStream<Void>
    private let wakeSink: AsyncStream<Void>.Continuation
    private let window: Mutex<OutboxWindow>
    private let tokens = Mutex<TokenPushState>(TokenPushState())
    private let cloudClock = Mutex(CloudClock())
    let client: MQTTClient

    /// Applies a change of load-management settings and answers with the settings in effect, or throws why not.
    public typealias LoadSettingsHandler = @Sendable (LoadSettings) async throws -> LoadSettings
    /// Registers a station from the cloud and answers with the registration in effect, or throws why not.
    public typealias StationRegistrationHandler = @Sendable (String, StationRegistration) async throws -> StationRegistration

    /// - Parameters:
    ///   - samples: the site's periodic messages (meter readings, load summary) at a given time.
    ///   - changeLoadSettings: carries out ``LoadSettings/action`` commands; without it they are refused.
    public init(
        configuration: EdgeConfiguration, store: EdgeStore, central: CentralSystem, authorization: CloudAuthorization,
        metricsFactory: any MetricsFactory, logger: Logger, samples: @escaping @Sendable (Date) -> [UpMessage] = { _ in [] },
        changeLoadSettings: LoadSettingsHandler? = nil, registerStation: StationRegistrationHandler? = nil
    ) {
        self.registerStation = registerStation
        precondition(configuration.cloud != nil, "CloudLink needs a cloud section")
        let settings = configuration.cloud!
        site = configuration.site.id
        self.settings = settings
        self.store = store
        self.central = central
        self.authorization = authorization
        self.samples = samples
        self.changeLoadSettings = changeLoadSettings
        var logger = logger
        logger[metadataKey: "broker"] = "\(settings.broker)"
        self.logger = logger
        metrics = SyncMetrics(factory: metricsFactory)
        (wake, wakeSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        window = Mutex(OutboxWindow(size: 1000, ackTimeout: settings.ackTimeout))
        let offline =
            (try? UpEnvelope(site: site, seq: 0, timestamp: Date(), message: .presence(Presence(online: false))).encoded()) ?? []
        client = MQTTClient(
            configuration: MQTTConfiguration(
                broker: settings.broker, clientId: settings.clientId, username: settings.username, password: settings.password,
                tls: settings.tls,
                will: MQTTMessage(topic: SyncTopic.up(site: site, type: "presence"), payload: offline, retain: true),
                cleanSession: false),
            logger: logger, stopsOnGracefulShutdown: false, metricsFactory: metricsFactory)
    }

    /// Tells the link the outbox may have grown (the store calls this after each commit).
    public func outboxChanged() { wakeSink.yield() }

    public func run() async throws {
        do {
            let interrupted = try await store.finishInterruptedCommands(at: Date())
            if interrupted > 0 {
                logger.warning(
                    "commands from the cloud were cut short when the edge stopped; answered as failed",
                    metadata: ["commands": "\(interrupted)"])
            }
        } catch {
            logger.error("could not answer commands cut short by the last stop", metadata: ["error": "\(error)"])
        }
        try client.subscribe(SyncTopic.downFilter(site: site))
        await withDiscardingTaskGroup { group in
            group.addTask { try? await self.client.run() }
            group.addTask { await self.watchConnection() }
            group.addTask { await self.receive() }
            group.addTask { await self.send() }
            group.addTask { await self.tick() }
            group.addTask { await self.pushTokens() }
            try? await gracefulShutdown()
            // A clean disconnect does not trigger the will: say offline ourselves, briefly.
            await withTaskGroup(of: Void.self) { race in
                race.addTask { try? await self.publishPresence(online: false) }
                race.addTask { try? await Task.sleep(for: .seconds(2)) }
                await race.next()
                race.cancelAll()
            }
            wakeSink.finish()
            group.cancelAll()
        }
    }

    // MARK: Connection

    private func watchConnection() async {
        for await event in client.events {
            switch event {
            case .connected:
                metrics.connected.record(1)
                authorization.setOnline(true)
                do {
                    try await publishPresence(online: true)
                } catch {
                    logger.warning("could not publish presence", metadata: ["error": "\(error)"])
                }
                // Whatever was in flight may be lost with the old connection: send everything unacknowledged.
                window.withLock { $0.rewind() }
                wakeSink.yield()
            case .disconnected:
                metrics.connected.record(0)
                authorization.setOnline(false)
            }
        }
    }

    private func publishPresence(online: Bool) async throws {
        let envelope = UpEnvelope(
            site: site, seq: 0, timestamp: Date(), message: .presence(Presence(online: online, version: "gridside-edge")))
        try await client.publish(
            MQTTMessage(topic: SyncTopic.up(site: site, type: "presence"), payload: try envelope.encoded(), retain: true))
    }

    // MARK: Up

    /// Sends outbox messages whenever there are new ones and room in the window.
    private func send() async {
        var wakeups = wake.makeAsyncIterator()
        while !Task.isCancelled {
            if client.isConnected {
                do {
                    while try await sendBatch() > 0 {}
                } catch {
                    logger.debug("outbox send interrupted", metadata: ["error": "\(error)"])
                }
            }
            // Woken by a commit, an ack, a (re)connection, or the ticker.
            guard await wakeups.next() != nil else { return }
        }
    }

    /// Sends the next batch; returns how many were sent.
    private func sendBatch() async throws -> Int {
        let (cursor, room, generation) = window.withLock { ($0.cursor, $0.room, $0.generation) }
        guard room > 0 else { return 0 }
        let entries = try await store.outbox(after: cursor, limit: min(room, 200))
        guard !entries.isEmpty else { return 0 }
        // Rewound while reading: start again from the oldest instead.
        guard window.withLock({ $0.sent(entries.map(\.seq), now: .now, readAt: generation) }) else { return 1 }
        // In seq order on the wire, as the contract says (resends aside): queued one after the other, then awaited.
        try await client.publish(
            entries.map {
                MQTTMessage(topic: SyncTopic.up(site: site, type: $0.type), payload: $0.envelope(site: site, epoch: store.epoch))
            })
        metrics.published.increment(by: entries.count)
        return entries.count
    }

    /// Once a second: the periodic samples, the resend check and the outbox bound.
    private func tick() async {
        var lastSamples = ContinuousClock.now
        var lastThin = ContinuousClock.now - .seconds(60)
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let now = ContinuousClock.now
            if now - lastSamples >= settings.siteMeterInterval {
                lastSamples = now
                for message in samples(Date()) {
                    try? await store.enqueue(message, at: Date())
                }
            }
            let overdue = window.withLock { window in
                guard window.isOverdue(now: now) else { return false }
                window.rewind()
                return true
            }
            if overdue, client.isConnected {
                metrics.rewinds.increment()
                logger.notice(
                    "a message waited too long for the cloud's ack; resending the unacknowledged outbox",
                    metadata: ["ack_timeout_s": "\(settings.ackTimeout.components.seconds)"])
            }
            if now - lastThin >= .seconds(10) {
                lastThin = now
                await checkOutbox()
            }
            wakeSink.yield()
        }
    }

    private func checkOutbox() async {
        do {
            // A day past their deadline the broker no longer holds a command for this edge.
            try await store.forgetCommands(expiredBefore: Date().addingTimeInterval(-86_400))
            let dropped = try await store.thinOutbox(maxEntries: settings.outboxMaxEntries)
            if dropped > 0 {
                metrics.thinned.increment(by: dropped)
                logger.warning(
                    "outbox full: dropped the oldest samples; sessions and events are kept",
                    metadata: ["dropped": "\(dropped)", "max_entries": "\(settings.outboxMaxEntries)"])
            }
            let state = try await store.outboxState()
            metrics.outboxEntries.record(state.count)
            if state.count > settings.outboxMaxEntries {
                logger.error(
                    "outbox holds more sessions and events than its bound; keeping them all",
                    metadata: ["entries": "\(state.count)", "max_entries": "\(settings.outboxMaxEntries)"])
            }
        } catch is CancellationError {
            return
        } catch {
            logger.error("could not check the outbox", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Down

    private func receive() async {
        await withDiscardingTaskGroup { group in
            for await message in client.messages {
                guard let topic = SyncTopic.parse(message.topic), topic.site == site, topic.direction == .down else {
                    reject(message, reason: "topic", "not a down topic of this site")
                    continue
                }
                let down: DownMessage
                do {
                    down = try DownMessage.decode(type: topic.type, message.payload)
                } catch {
                    reject(message, reason: "malformed", "\(error)")
                    continue
                }
                metrics.received(type: down.type)
                let received = Date()
                switch down {
                case .ack(let ack):
                    if let sent = ack.at { heard(cloudTime: sent, at: received) }
                    if !ack.seqs.isEmpty { group.addTask { await self.acknowledge(ack.seqs) } }
                case .command(let command):
                    group.addTask { await self.run(command, deadline: await self.deadline(of: command)) }
                case .authAnswer(let answer):
                    authorization.resolve(answer)
                case .tokens(let list):
                    group.addTask { await self.replaceTokens(list) }
                }
            }
        }
    }

    /// `command`'s deadline on this box's clock, once an ack has told how far it is from the cloud's (waiting up to
    /// ``CloudClock/waitForAck`` for the first).
    private func deadline(of command: CommandRequest) async -> Date {
        let until = ContinuousClock.now + CloudClock.waitForAck
        while cloudClock.withLock({ $0.skew }) == nil, ContinuousClock.now < until {
            try? await Task.sleep(for: .milliseconds(100))
        }
        return cloudClock.withLock { $0.deadline(of: command) }
    }

    /// Learns the cloud's clock from an ack, and says so once when the edge's clock is far off (its sessions and
    /// readings carry the edge's time).
    private func heard(cloudTime: Date, at received: Date) {
        let (before, after) = cloudClock.withLock { clock in
            let before = clock.skew
            clock.heard(cloudTime: cloudTime, at: received)
            return (before, clock.skew)
        }
        guard let after else { return }
        metrics.clockSkew.record(after)
        if abs(after) > 30, before.map({ abs($0) <= 30 }) ?? true {
            logger.warning(
                """
                this box's clock is far from the cloud's; commands are timed on the cloud's clock, but sessions and \
                readings carry this clock's time: check NTP
                """,
                metadata: ["skew_seconds": "\(Int(after))"])
        }
    }

    private func reject(_ message: MQTTMessage, reason: String, _ detail: String) {
        metrics.rejected(reason: reason)
        logger.warning(
            "rejected a message from the cloud", metadata: ["topic": "\(message.topic)", "reason": "\(detail)"])
    }

    private func acknowledge(_ seqs: [Int64]) async {
        do {
            let removed = try await store.acknowledge(seqs)
            metrics.acknowledged.increment(by: removed)
        } catch {
            logger.error("could not remove acknowledged messages from the outbox", metadata: ["error": "\(error)"])
        }
        window.withLock { $0.acknowledged(seqs) }
        wakeSink.yield()
    }

    /// Relays a command to its station and puts the result in the outbox, named by the command's id.
    private func run(_ command: CommandRequest, deadline: Date) async {
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
        guard let registerStation else { return refused("this edge does not take stations from the cloud") }
        let registration: StationRegistration
        do {
            registration = try SyncJSON.decoder().decode(StationRegistration.self, from: Data(command.payload.utf8))
        } catch {
            return refused("the registration is not valid: \(error)")
        }
        do {
            let registered = try await registerStation(command.station, registration)
            var answer = registered
            answer.passwordHash = registered.passwordHash == nil ? nil : "(set)"
            return CommandResult(
                id: command.id, station: command.station, action: command.action, outcome: .accepted,
                response: String(decoding: try SyncJSON.encoder().encode(answer), as: UTF8.self))
        } catch {
            return refused("\(error)")
        }
    }

    /// An operator's approval or rejection of a station, from the cloud: kept in the store and in effect at once (an
    /// approved station is asked to boot again, a rejected one is disconnected), whether it is connected or not.
    private func changeApproval(_ command: CommandRequest, log: Logger) async -> CommandResult {
        guard let change = try? SyncJSON.decoder().decode(StationApprovalChange.self, from: Data(command.payload.utf8)),
            let approval = StationApproval(rawValue: change.approval), approval != .pending, !command.station.isEmpty
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

    private func replaceTokens(_ list: TokenList) async {
        let records = list.tokens.map { token in
            TokenRecord(
                idTag: token.idTag, status: TokenStatus(rawValue: token.status) ?? .invalid, expiry: token.expiry,
                parentIdTag: token.parentIdTag, source: "cloud")
        }
        do {
            try await store.replaceTokens(source: "cloud", with: records)
            tokens.withLock { $0.list = list }
            logger.info(
                "token list from the cloud stored", metadata: ["version": "\(list.version)", "tokens": "\(records.count)"])
            await pushTokenLists()
        } catch {
            logger.error("could not store the cloud's token list", metadata: ["error": "\(error)"])
        }
    }

    /// Sends the cloud's token list, once a second, to every accepted charger that does not have its version yet: in
    /// a task of its own, each charger in parallel, so that one that never answers holds up neither the others nor
    /// the link's once-a-second work (samples, resends); after a time-out a charger is tried again a minute later
    /// (security review, finding 33).
    private func pushTokens() async {
        // One group for the task's life: a push that waits for a charger's time-out holds up no later round.
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                for (list, session) in duePushes() { group.addTask { await self.push(list, to: session) } }
            }
        }
    }

    /// Sends the list now to the chargers that need it, and returns when they answered (or timed out).
    private func pushTokenLists() async {
        await withDiscardingTaskGroup { group in
            for (list, session) in duePushes() { group.addTask { await self.push(list, to: session) } }
        }
    }

    /// The chargers that need the list's version and are not being sent it, marked as being sent it.
    private func duePushes() -> [(TokenList, StationSession)] {
        guard let list = tokens.withLock({ $0.list }) else { return [] }
        let now = ContinuousClock.now
        let due = central.connectedSessions.filter { session in
            session.isAccepted
                && tokens.withLock { state in
                    guard state.pushed[session.stationId]?.reached(session, version: list.version) != true,
                        !state.inFlight.contains(session.stationId),
                        state.retryAt[session.stationId].map({ $0 <= now }) ?? true
                    else { return false }
                    state.inFlight.insert(session.stationId)
                    return true
                }
        }
        return due.map { (list, $0) }
    }

    private func push(_ list: TokenList, to session: StationSession) async {
        defer { tokens.withLock { _ = $0.inFlight.remove(session.stationId) } }
        do {
            let status = try await central.replaceLocalList(
                stationId: session.stationId, version: list.version, tokens: list.tokens)
            session.logger.info(
                "token list sent to the charger", metadata: ["version": "\(list.version)", "status": "\(status)"])
        } catch {
            session.logger.warning("could not send the token list to the charger", metadata: ["error": "\(error)"])
            if case .timeout = error {
                tokens.withLock { $0.retryAt[session.stationId] = ContinuousClock.now + .seconds(60) }
                return
            }
            if case .notConnected = error { return }
        }
        // Sent (or refused for good: NotSupported, VersionMismatch): not again until the next version.
        tokens.withLock {
            $0.pushed[session.stationId] = TokenPushState.Pushed(session: session, version: list.version)
            $0.retryAt[session.stationId] = nil
        }
    }
}

/// Which chargers have which version of the cloud's token list.
struct TokenPushState: Sendable {
    struct Pushed: Sendable {
        /// By reference: a new connection of the same charger may sit at the old one's address, and needs the list.
        let session: StationSession
        let version: Int

        func reached(_ session: StationSession, version: Int) -> Bool { self.session === session && self.version == version }
    }

    var list: TokenList?
    var pushed: [String: Pushed] = [:]
    /// Chargers being sent the list now.
    var inFlight: Set<String> = []
    /// Chargers that did not answer: not before then.
    var retryAt: [String: ContinuousClock.Instant] = [:]
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
