public import CloudStore
import CoreMetrics
import Foundation
public import Logging
public import MQTT
public import ServiceLifecycle
public import SiteModel
import SyncContract
import Synchronization

/// Takes every site's up messages from the broker, applies them in batches (while one batch commits, the
/// next gathers), and acknowledges each `(site, seq)` once it is durable. Answers authorization requests
/// and hands command results to the ``CommandRelay``.
///
/// Rejected, logged and counted, never applied nor acknowledged: a topic that is not Gridside's, an
/// unregistered site, an envelope that does not parse or names another site or type than its topic, a
/// payload over the size limit, and whatever a site sends beyond its rate.
public final class IngestService: Service, Sendable {
    /// Ingest's bounds.
    public struct Limits: Sendable {
        public var maxPayloadBytes: Int
        public var siteRate: Double
        public var siteBurst: Double
        public var maxBatch: Int
        /// Messages waiting beyond this are refused (unacknowledged, so resent) instead of piling up in memory.
        public var maxBacklog: Int
        /// So are messages beyond this many payload bytes waiting (100,000 large messages would be gigabytes).
        public var maxBacklogBytes: Int

        public init(
            maxPayloadBytes: Int = 256 * 1024, siteRate: Double = 2000, siteBurst: Double = 20_000, maxBatch: Int = 2000,
            maxBacklog: Int = 100_000, maxBacklogBytes: Int = 256 << 20
        ) {
            self.maxPayloadBytes = maxPayloadBytes
            self.siteRate = siteRate
            self.siteBurst = siteBurst
            self.maxBatch = maxBatch
            self.maxBacklog = maxBacklog
            self.maxBacklogBytes = maxBacklogBytes
        }
    }

    private let client: MQTTClient
    private let repository: any CloudRepository
    private let relay: CommandRelay
    private let limits: Limits
    private let sharedGroup: String?
    private let logger: Logger
    private let metrics: IngestMetrics
    private let backlog: Mutex<IngestBacklog>
    private let rateLimit: Mutex<SiteRateLimit>
    /// The latest presence of each site not yet written: written by the batch task, one write per site however many
    /// arrived meanwhile, so a site flooding its presence costs the reader loop nothing (security review, finding 16).
    private let pendingPresence = Mutex<[String: (Presence, UpEnvelope)]>([:])
    private let knownSites = Mutex<(ids: Set<String>, loaded: ContinuousClock.Instant)>(([], .now))
    /// Acks and authorization answers, published by their own task so that the next batch does not wait for the
    /// broker's PUBACKs of the last one's.
    /// Where open dashboard pages hear what was applied.
    private let live: LiveFeed
    /// With a shared subscription, this instance's name on ``LiveTopic`` (random, for this process).
    private let instance = UUID().uuidString.lowercased()
    private let replies: AsyncStream<Reply>
    private let replySink: AsyncStream<Reply>.Continuation
    /// Live updates for the other instances, published in order by one task.
    private let outgoingLive: AsyncStream<[LiveUpdate]>
    private let outgoingLiveSink: AsyncStream<[LiveUpdate]>.Continuation

    private enum Reply {
        case ack(site: String, seqs: [Int64])
        case auth(AuthRequestRecord)
    }

    /// Asks whoever else may know a token the store does not (OCPI partners, in real time).
    private let remoteAuthorization: (@Sendable (String, String) async -> SiteToken?)?

    /// Whether other instances take part of the messages: then what this one applies is told to them, and theirs
    /// heard here, for the open pages.
    private var sharesIngest: Bool { sharedGroup != nil }

    public init(
        client: MQTTClient, repository: any CloudRepository, relay: CommandRelay, limits: Limits = Limits(),
        sharedGroup: String? = nil, metrics: IngestMetrics, live: LiveFeed = LiveFeed(), logger: Logger,
        remoteAuthorization: (@Sendable (_ site: String, _ idTag: String) async -> SiteToken?)? = nil
    ) {
        self.remoteAuthorization = remoteAuthorization
        self.live = live
        self.client = client
        self.repository = repository
        self.relay = relay
        self.limits = limits
        self.sharedGroup = sharedGroup
        self.metrics = metrics
        self.logger = logger
        rateLimit = Mutex(SiteRateLimit(rate: limits.siteRate, burst: limits.siteBurst))
        backlog = Mutex(IngestBacklog(maxMessages: limits.maxBacklog, maxBytes: limits.maxBacklogBytes))
        (replies, replySink) = AsyncStream.makeStream(of: Reply.self)
        (outgoingLive, outgoingLiveSink) = AsyncStream.makeStream(
            of: [LiveUpdate].self, bufferingPolicy: .bufferingNewest(1000))
    }

    public func run() async throws {
        try client.subscribe(SyncTopic.upFilter(sharedGroup: sharedGroup))
        if sharesIngest { try client.subscribe(LiveTopic.filter) }
        let (signal, signalSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await message in self.client.messages {
                    if let instance = LiveTopic.instance(of: message.topic) {
                        self.heard(message, from: instance)
                        continue
                    }
                    // Checked and decoded here, while the previous batch commits.
                    guard let envelope = await self.accept(message) else { continue }
                    if case .presence(let presence) = envelope.message {
                        self.pendingPresence.withLock { $0[envelope.site] = (presence, envelope) }
                        signalSink.yield()
                        continue
                    }
                    let accepted = self.backlog.withLock { $0.admit(envelope, bytes: message.payload.count) }
                    if !accepted { self.reject(message, reason: "overloaded", "ingest backlog full; the edge will resend") }
                    signalSink.yield()
                }
                signalSink.finish()
            }
            group.addTask {
                for await _ in signal {
                    // A moment for a batch to gather: every commit rewrites the pages it touches, so a few
                    // large commits cost far less than many small ones (and acks wait for the commit anyway).
                    if self.backlog.withLock({ $0.count }) < self.limits.maxBatch / 4 {
                        try? await Task.sleep(for: .milliseconds(5))
                    }
                    while true {
                        // Each round, so that a backlog that never drains does not hold presence back.
                        for (presence, envelope) in self.pendingPresence.withLock({ pending in
                            defer { pending.removeAll() }
                            return Array(pending.values)
                        }) {
                            await self.record(presence, of: envelope)
                        }
                        let batch = self.backlog.withLock { $0.take(self.limits.maxBatch) }
                        if batch.isEmpty { break }
                        await self.process(batch)
                    }
                }
            }
            group.addTask {
                await withDiscardingTaskGroup { publishes in
                    for await reply in self.replies {
                        switch reply {
                        case .ack(let site, let seqs):
                            publishes.addTask { await self.publish(.ack(Ack(seqs: seqs, at: Date())), to: site) }
                        case .auth(let request): publishes.addTask { await self.answer(request) }
                        }
                    }
                }
            }
            group.addTask {
                for await updates in self.outgoingLive { await self.tell(updates) }
            }
            group.addTask { await self.republishTokenLists() }
            // The client stops after this service (services stop in reverse order): stop reading first.
            try? await gracefulShutdown()
            replySink.finish()
            outgoingLiveSink.finish()
            group.cancelAll()
        }
    }

    // MARK: One batch

    private func record(_ presence: Presence, of envelope: UpEnvelope) async {
        do {
            // The cloud's own clock: an offline word is the edge's last will, stamped when it connected.
            let now = Date()
            try await repository.setPresence(site: envelope.site, online: presence.online, at: now)
            share([LiveUpdate(site: envelope.site, kind: "presence", online: presence.online, time: now)])
            logger.info("site presence", metadata: ["site": "\(envelope.site)", "online": "\(presence.online)"])
            // An edge that just connected learns the cloud's time at once, so commands the broker held for it are
            // timed right even when it has nothing in its outbox to be acknowledged (an ack of nothing).
            if presence.online {
                await publish(.ack(Ack(seqs: [], at: Date())), to: envelope.site)
                // And its token list, in case the site was added (with the cards for every site) by another process.
                await publishTokenList(site: envelope.site)
            }
        } catch {
            logger.error("could not record a site's presence", metadata: ["site": "\(envelope.site)", "error": "\(error)"])
        }
    }

    private func process(_ envelopes: [UpEnvelope]) async {
        let started = ContinuousClock.now
        guard !envelopes.isEmpty else { return }
        let outcome: ApplyOutcome
        do {
            outcome = try await repository.apply(envelopes, receivedAt: Date())
        } catch {
            // Nothing acknowledged: the edges send these again.
            metrics.rejected(reason: "store")
            logger.error(
                "could not apply a batch; the edges will resend it",
                metadata: ["size": "\(envelopes.count)", "error": "\(error)"])
            return
        }
        metrics.applied.increment(by: outcome.applied)
        metrics.duplicates.increment(by: outcome.duplicates)
        if outcome.sessionCollisions > 0 { metrics.sessionCollisions.increment(by: outcome.sessionCollisions) }
        for site in outcome.storesReplaced {
            metrics.storesReplaced.increment()
            logger.error(
                "a site's edge speaks from another store (replaced?); see its store_replaced event", metadata: ["site": "\(site)"]
            )
        }
        metrics.batchSize.record(envelopes.count)
        let elapsed = ContinuousClock.now - started
        metrics.batchDuration.recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        relay.resolve(outcome.commandResults)
        if live.subscriberCount > 0 || sharesIngest { share(envelopes.compactMap(Self.liveUpdate)) }
        for (site, seqs) in outcome.acknowledged { replySink.yield(.ack(site: site, seqs: seqs)) }
        for request in outcome.authRequests { replySink.yield(.auth(request)) }
    }

    /// What an open dashboard shows of an applied message, if anything.
    static func liveUpdate(_ envelope: UpEnvelope) -> LiveUpdate? {
        switch envelope.message {
        case .connectorStatus(let change):
            LiveUpdate(
                site: envelope.site, kind: "connector", station: change.station, connector: change.connector,
                status: change.status.rawValue, errorCode: change.errorCode, vendorErrorCode: change.vendorErrorCode,
                time: change.time)
        case .sessionStart(let start):
            LiveUpdate(
                site: envelope.site, kind: "session", station: start.station, connector: start.connector, status: "started",
                transactionId: start.transactionId, time: start.startTime ?? envelope.timestamp)
        case .sessionUpdate(let progress):
            LiveUpdate(
                site: envelope.site, kind: "session", station: progress.station, connector: progress.connector,
                status: "charging", powerW: progress.powerW, transactionId: progress.transactionId, time: progress.time)
        case .sessionStop(let stop):
            LiveUpdate(
                site: envelope.site, kind: "session", station: stop.station, connector: stop.connector, status: "stopped",
                powerW: 0, transactionId: stop.transactionId, time: stop.stopTime)
        default: nil
        }
    }

    // MARK: Live updates across instances

    /// Hands applied changes (or what another service made: a notification) to this instance's open pages and, when
    /// ingest is shared, to the other instances'.
    public func share(_ updates: [LiveUpdate]) {
        guard !updates.isEmpty else { return }
        live.publish(updates)
        if sharesIngest { outgoingLiveSink.yield(updates) }
    }

    private func tell(_ updates: [LiveUpdate]) async {
        do {
            let payload = try SyncJSON.encoder().encode(updates)
            try await client.publish(MQTTMessage(topic: LiveTopic.topic(instance: instance), payload: Array(payload)))
        } catch {
            // Display only: the other instances' pages show it at their next refresh.
            logger.debug("could not tell the other instances of live updates", metadata: ["error": "\(error)"])
        }
    }

    /// What another instance applied, for this instance's open pages (its own echo is skipped).
    private func heard(_ message: MQTTMessage, from instance: String) {
        guard instance != self.instance else { return }
        guard message.payload.count <= limits.maxPayloadBytes else {
            reject(message, reason: "oversized", "payload of \(message.payload.count) bytes is over \(limits.maxPayloadBytes)")
            return
        }
        do {
            live.publish(try SyncJSON.decoder().decode([LiveUpdate].self, from: Data(message.payload)))
        } catch {
            reject(message, reason: "malformed", "live updates from instance '\(instance)': \(error)")
        }
    }

    /// Checks one message; nil (after logging and counting why) when it must not be applied.
    private func accept(_ message: MQTTMessage) async -> UpEnvelope? {
        guard let topic = SyncTopic.parse(message.topic), topic.direction == .up else {
            reject(message, reason: "topic", "not a gridside/v1/<site>/up/<type> topic")
            return nil
        }
        guard message.payload.count <= limits.maxPayloadBytes else {
            reject(message, reason: "oversized", "payload of \(message.payload.count) bytes is over \(limits.maxPayloadBytes)")
            return nil
        }
        guard await isRegistered(topic.site) else {
            reject(message, reason: "unknown_site", "site '\(topic.site)' is not registered (gridside-cloud site add)")
            return nil
        }
        if topic.type != UpMessage.Kind.presence.rawValue {
            guard rateLimit.withLock({ $0.allow(topic.site, now: .now) }) else {
                reject(message, reason: "rate_limited", "site '\(topic.site)' sends faster than \(Int(limits.siteRate))/s")
                return nil
            }
        }
        let envelope: UpEnvelope
        do {
            envelope = try UpEnvelope.decode(message.payload)
        } catch {
            reject(message, reason: "malformed", "\(error)")
            return nil
        }
        guard envelope.site == topic.site, envelope.message.type == topic.type else {
            reject(
                message, reason: "mismatch",
                "envelope says site '\(envelope.site)' type '\(envelope.message.type)', the topic '\(topic.site)' '\(topic.type)'"
            )
            return nil
        }
        // Stations are named `site/station` in the cloud: an identity that is not one a charger may have (a `/`, a
        // control character) could name another site's station or forge a line of the history.
        if let station = envelope.message.station, !StationIdentity.isTolerated(station) {
            reject(message, reason: "station", "'\(station)' is not a station identity (OCPP identity characters, no '/')")
            return nil
        }
        guard envelope.seq > 0 || envelope.message.type == UpMessage.Kind.presence.rawValue else {
            reject(message, reason: "malformed", "seq must be 1 or more")
            return nil
        }
        // Edges seed seqs from the clock in microseconds (about 2^51 today); far beyond is no edge's.
        guard envelope.seq <= UpEnvelope.maxSeq else {
            reject(message, reason: "malformed", "seq must be at most 2^53")
            return nil
        }
        return envelope
    }

    private func isRegistered(_ site: String) async -> Bool {
        let now = ContinuousClock.now
        if knownSites.withLock({ $0.ids.contains(site) && now - $0.loaded < .seconds(30) }) { return true }
        // Sites are few and added rarely: a miss reloads them (a site added since is found at once), and so does a hit
        // older than 30 s (a site retired since is refused from then on).
        guard let sites = try? await repository.sites(in: nil) else { return false }
        let ids = Set(sites.map(\.id))
        knownSites.withLock { $0 = (ids, now) }
        return ids.contains(site)
    }

    private func reject(_ message: MQTTMessage, reason: String, _ detail: String) {
        metrics.rejected(reason: reason)
        logger.warning(
            "rejected an up message",
            metadata: ["topic": "\(message.topic.prefix(200))", "reason": "\(reason)", "detail": "\(detail.prefix(300))"])
    }

    // MARK: Down

    private func answer(_ request: AuthRequestRecord) async {
        var token = try? await repository.edgeToken(site: request.site, idTag: request.idTag, at: Date())
        // Not the fleet's, nor a driver the lists hold, or a partner's driver to be asked first (ALLOWED_OFFLINE): a
        // roaming partner's may be asked in real time.
        if token == nil || token?.askFirst == true, let remoteAuthorization {
            token = await remoteAuthorization(request.site, request.idTag) ?? token
        }
        var status = token?.status ?? "Invalid"
        if status == "Accepted", let expiry = token?.expiry, expiry < Date() { status = "Expired" }
        let answer = AuthAnswer(
            id: request.id, idTag: request.idTag, status: status, expiry: token?.expiry, parentIdTag: token?.parentIdTag)
        await publish(.authAnswer(answer), to: request.site)
    }

    /// Publishes every site's token list again on each connection (retained: an edge that connects later
    /// gets it from the broker, even one that restarted without persistence).
    private func republishTokenLists() async {
        for await event in client.events where event == .connected {
            guard let sites = try? await repository.sites(in: nil) else { continue }
            for site in sites where site.tokenListVersion > 0 {
                await publishTokenList(site: site.id)
            }
        }
    }

    /// Publishes a site's token list (retained).
    public func publishTokenList(site: String) async {
        // The site's own list and the drivers' cards that apply there.
        guard let (version, tokens) = try? await repository.edgeTokens(site: site, at: Date()), version > 0 else { return }
        let list = TokenList(
            version: version,
            tokens: tokens.map {
                .init(
                    idTag: $0.idTag, status: $0.status, expiry: $0.expiry, parentIdTag: $0.parentIdTag, askFirst: $0.askFirst)
            })
        await publish(.tokens(list), to: site, retain: true)
    }

    private func publish(_ message: DownMessage, to site: String, retain: Bool = false) async {
        do {
            try await client.publish(
                MQTTMessage(topic: SyncTopic.down(site: site, type: message.type), payload: try message.encoded(), retain: retain)
            )
        } catch {
            // An ack that is lost costs a resend from the edge, which is then acknowledged as a repeat.
            logger.warning(
                "could not publish to a site", metadata: ["site": "\(site)", "type": "\(message.type)", "error": "\(error)"])
        }
    }
}

/// What waits for ingest's next batch, bounded in messages and in payload bytes: beyond either, a message is refused
/// (unacknowledged, so its edge sends it again later) instead of piling up in memory.
struct IngestBacklog: Sendable {
    let maxMessages: Int
    let maxBytes: Int
    private var items: [(envelope: UpEnvelope, bytes: Int)] = []
    private(set) var bytes = 0

    init(maxMessages: Int, maxBytes: Int) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }

    var count: Int { items.count }

    /// Holds `envelope`, whose payload was `bytes` long; false when that would pass a bound.
    mutating func admit(_ envelope: UpEnvelope, bytes size: Int) -> Bool {
        guard items.count < maxMessages, bytes + size <= maxBytes else { return false }
        items.append((envelope, size))
        bytes += size
        return true
    }

    /// Hands over up to `limit` of the oldest.
    mutating func take(_ limit: Int) -> [UpEnvelope] {
        let count = min(items.count, limit)
        let taken = items.prefix(count)
        bytes -= taken.reduce(0) { $0 + $1.bytes }
        defer { items.removeFirst(count) }
        return taken.map(\.envelope)
    }
}
