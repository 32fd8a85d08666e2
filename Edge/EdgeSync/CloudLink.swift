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
/// until the cloud acknowledges each message, and hands what the cloud sends down to the service it is for:
/// commands to ``EdgeCommands``, token lists to ``TokenListSync``, authorization answers to ``CloudAuthorization``.
///
/// Presence: a retained `up/presence` says online once connected; the broker publishes the last will
/// (offline) if the edge vanishes, and the edge publishes offline itself when it stops.
public final class CloudLink: Service, Sendable {
    private let site: String
    private let settings: EdgeConfiguration.Cloud
    private let store: EdgeStore
    private let authorization: CloudAuthorization
    private let samples: @Sendable (Date) -> [UpMessage]
    private let commands: EdgeCommands
    private let tokenLists: TokenListSync
    private let logger: Logger
    private let metrics: SyncMetrics
    private let wake: AsyncStream<Void>
    private let wakeSink: AsyncStream<Void>.Continuation
    private let window: Mutex<OutboxWindow>
    private let cloudClock = Mutex(CloudClock())
    let client: MQTTClient

    /// Applies a change of load-management settings and answers with the settings in effect, or throws why not.
    public typealias LoadSettingsHandler = @Sendable (LoadSettings) async throws -> LoadSettings
    /// Sets (`set` true) or reads a running session's limit at a station, and answers what is in force, or throws why
    /// not.
    public typealias SessionLimitHandler =
        @Sendable (_ station: String, _ limit: SessionLimit, _ set: Bool) async throws -> SessionLimitState

    /// - Parameters:
    ///   - samples: the site's periodic messages (meter readings, load summary) at a given time.
    ///   - changeLoadSettings: carries out ``LoadSettings/action`` commands; without it they are refused.
    ///   - stations: carries out ``StationRegistration/action`` and ``StationRetirement/action`` commands; without it
    ///     they are refused.
    ///   - sessionLimits: carries out ``SessionLimit/setAction`` and ``SessionLimit/getAction``; without it they are
    ///     refused.
    public init(
        configuration: EdgeConfiguration, store: EdgeStore, central: CentralSystem, authorization: CloudAuthorization,
        metricsFactory: any MetricsFactory, logger: Logger, samples: @escaping @Sendable (Date) -> [UpMessage] = { _ in [] },
        changeLoadSettings: LoadSettingsHandler? = nil, stations: (any StationRegistry)? = nil,
        sessionLimits: SessionLimitHandler? = nil
    ) {
        precondition(configuration.cloud != nil, "CloudLink needs a cloud section")
        let settings = configuration.cloud!
        site = configuration.site.id
        self.settings = settings
        self.store = store
        self.authorization = authorization
        self.samples = samples
        commands = EdgeCommands(
            store: store, central: central, changeLoadSettings: changeLoadSettings, stations: stations,
            sessionLimits: sessionLimits)
        var logger = logger
        logger[metadataKey: "broker"] = "\(settings.broker)"
        self.logger = logger
        tokenLists = TokenListSync(store: store, central: central, logger: logger)
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
            group.addTask { await self.tokenLists.run() }
            // The store's commits may have put messages in the outbox.
            group.addTask { for await _ in self.store.commits { self.wakeSink.yield() } }
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
                    group.addTask {
                        await self.commands.run(command, deadline: await self.deadline(of: command), logger: self.logger)
                    }
                case .authAnswer(let answer):
                    authorization.resolve(answer)
                case .tokens(let list):
                    group.addTask { await self.tokenLists.replace(list) }
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
}
