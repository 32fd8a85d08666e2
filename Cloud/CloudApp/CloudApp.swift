import AsyncHTTPClient
import CloudAPI
import CloudBilling
import CloudCore
import CloudFirmware
import CloudIngest
import CloudNotify
import CloudOCPI
import CloudReports
public import CloudStore
import CloudWeb
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import MQTT
import Metrics
import NIOPosix
import NIOSSL
import Prometheus
import ServerSupport
public import ServiceLifecycle
import SyncContract
import Synchronization
import UnixSignals

/// `gridside-cloud serve`: the MQTT ingest, the command relay and the HTTPS API over one store.
public struct CloudApp: Sendable {
    public let configuration: CloudConfiguration
    public let logger: Logger

    public init(configuration: CloudConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens (creating) the store of the configuration.
    /// Where the cloud's store was before the cloud had a user and a state directory of its own.
    static let storeBefore = "/var/lib/gridside/cloud.sqlite"

    public static func openStore(_ configuration: CloudConfiguration) throws -> SQLiteRepository {
        let fileManager = FileManager.default
        if configuration.storePath == "/var/lib/gridside-cloud/cloud.sqlite",
            !fileManager.fileExists(atPath: configuration.storePath), fileManager.fileExists(atPath: Self.storeBefore)
        {
            // A new, empty store would hide every site, user and session of the old one.
            throw StoreMoved(from: Self.storeBefore, to: configuration.storePath)
        }
        let directory = URL(fileURLWithPath: configuration.storePath).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try SQLiteRepository(
            path: configuration.storePath, reportClock: configuration.reports.timeZone,
            maxPowerW: configuration.reports.maxPowerW)
    }

    /// Builds the service group; `onReady` gets the HTTPS port once it listens.
    /// The MQTT client ingest reads through: it holds as much as ingest's backlog rather than drop what would only be
    /// sent again after ack_timeout_s (sites keep at most 1,000 messages each unacknowledged, so what the broker hands
    /// over at once is bounded). A payload far over ingest's limit is dropped before it is copied (one a little over
    /// reaches ingest, which refuses it naming why), and what waits is bounded in bytes too (security review, finding 16).
    static func ingestMQTT(_ configuration: MQTTConfiguration, _ limits: IngestService.Limits) -> MQTTConfiguration {
        var mqtt = configuration
        mqtt.receiveBuffer = limits.maxBacklog
        mqtt.maxReceivedPayloadBytes = 4 * limits.maxPayloadBytes
        mqtt.receiveBufferBytes = max(64 << 20, 200 * limits.maxPayloadBytes)
        return mqtt
    }

    var ingestLimits: IngestService.Limits {
        IngestService.Limits(
            maxPayloadBytes: configuration.maxPayloadBytes, siteRate: configuration.siteRate, siteBurst: configuration.siteBurst,
            maxBacklogBytes: configuration.maxBacklogBytes)
    }

    public func makeServiceGroup(onReady: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> ServiceGroup {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        let repository = try Self.openStore(configuration)
        let limits = ingestLimits
        let client = MQTTClient(
            configuration: Self.ingestMQTT(configuration.mqtt, limits), logger: logger, metricsFactory: factory)
        let relay = CommandRelay(repository: repository, client: client)
        let ocpiClient = ocpiClient()
        let live = LiveFeed()
        let ingest = ingestService(
            client, repository, relay: relay, limits: limits, factory: factory, live: live, ocpi: ocpiClient)
        let accounts = configuration.dynamicSecurity ? DynamicSecurityAccounts(cloud: configuration.mqtt, logger: logger) : nil
        let onboarding = SiteOnboarding(
            repository: repository, accounts: accounts, siteBroker: configuration.siteBroker,
            reserved: Set([configuration.mqtt.username].compactMap { $0 }))
        let roaming = ocpi(repository, client: ocpiClient, relay: relay, metricsFactory: factory) { site in
            await ingest.publishTokenList(site: site)
        }
        let api = CloudAPI(
            repository: repository, relay: relay, commandTimeout: configuration.commandTimeout,
            metrics: APIMetrics(factory: factory), prometheus: { registry.emitToBuffer() },
            tokenListChanged: { site in await ingest.publishTokenList(site: site) }, publicURL: configuration.http.publicURL,
            rounding: configuration.rounding, reportSettings: configuration.reports, onboarding: onboarding,
            ocpi: roaming.map { ($0.server, $0.partners) })
        let rollout = FirmwareRollout(
            repository: repository, relay: relay, commandTimeout: configuration.commandTimeout, logger: logger)
        let serverTLS = try serverTLS()
        let http = configuration.http
        let logger = self.logger
        let refusedConnections = Counter(label: "http_connections_refused_total", factory: factory)
        let connections = ConnectionsPerAddress(limit: http.connectionsPerAddress, ipv6Prefix: true)
        let router = api.router()
        let dashboard = try Dashboard(
            repository: repository, relay: relay, live: live, commandTimeout: configuration.commandTimeout, logger: logger,
            metricsFactory: factory, publicURL: configuration.http.publicURL, rounding: configuration.rounding,
            reportSettings: configuration.reports, tokenListChanged: { site in await ingest.publishTokenList(site: site) },
            onboarding: onboarding, linkBase: linkBase, ocpi: roaming?.partners,
            passwordResetMail: passwordResetMail)
        dashboard.addRoutes(to: router)
        let app = Application(
            router: router,
            // Connections idle for 15 s between requests (or that never send one) are closed, so idle or half-open
            // connections cannot pile up (security review, finding 17); a page's live stream is a request in flight.
            // At most `http.connections_per_address` open from one address, refused before the TLS handshake.
            server: HTTPServerBuilder { responder in
                LimitedChannel(
                    try TLSChannel(
                        HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .seconds(15))),
                        tlsConfiguration: serverTLS),
                    connections: connections,
                    refused: { refusedConnections.increment() })
            },
            configuration: .init(address: .hostname(http.host, port: http.port), serverName: "gridside-cloud"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? http.port
                logger.notice(
                    "cloud ready: dashboard at https://<this host>:\(port)/, API at /api/v1/ (OpenAPI: /api/v1/openapi.json)",
                    metadata: [
                        "https_port": "\(port)", "broker": "\(configuration.mqtt.broker)", "store": "\(configuration.storePath)",
                    ])
                await onReady(port)
            },
            logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: RepositoryService(repository: repository, logger: logger)),
            .init(service: client), .init(service: ingest), .init(service: rollout), .init(service: app),
        ]
        services += [accounts as (any Service)?, roaming?.push].compactMap { $0.map { .init(service: $0) } }
        return ServiceGroup(
            configuration: .init(
                services: services + bookkeeping(repository, pricer: api.pricer, ingest: ingest) + [
                    // Stopped first (services stop in reverse order): open dashboard pages' event streams end, so the
                    // HTTP server's graceful shutdown does not wait on them.
                    .init(service: LiveFeedService(live: live))
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
    }

    /// The services that work on what is kept: billing finished sessions, monthly statements, notifications (each
    /// new one also shown on the open pages of every instance), retention.
    private func bookkeeping(
        _ repository: SQLiteRepository, pricer: SessionPricer, ingest: IngestService
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var notifierSettings = configuration.notifier
        notifierSettings.linkBase = linkBase
        return [
            .init(service: SessionCosting(pricer: pricer, repository: repository, logger: logger)),
            .init(service: MonthlyStatements(repository: repository, settings: configuration.reports, logger: logger)),
            .init(
                service: Notifier(
                    repository: repository, settings: notifierSettings, webhooks: WebhookSender(),
                    mailer: configuration.smtp.map(Mailer.init(settings:)),
                    pusher: WebPushSender(repository: repository, subject: notifierSettings.linkBase),
                    // On every instance's open pages: told to the others over the broker, as live updates are.
                    announce: { notification, rule in
                        ingest.share([
                            LiveUpdate(
                                site: notification.site, kind: "notification", station: notification.station,
                                connector: notification.connector, status: notification.event.rawValue,
                                time: notification.at, notification: notification.id, summary: notification.summary,
                                organization: rule.organization, users: rule.users)
                        ])
                    }, logger: logger)),
            .init(
                service: RetentionService(
                    repository: repository, appliedDays: configuration.appliedRetentionDays,
                    recordDays: configuration.retentionDays, logger: logger)),
        ]
    }

    /// How a password-reset link is mailed (to, user, link, language); nil without `smtp:`.
    var passwordResetMail: (@Sendable (String, String, String, String) async throws -> Void)? {
        configuration.smtp.map { settings in
            let mailer = Mailer(settings: settings)
            return { to, user, link, language in
                try await mailer.sendPasswordReset(to: to, user: user, link: link, language: language)
            }
        }
    }

    /// The client that calls OCPI partners, with `ocpi:` configured: a client of its own that follows no redirects (a
    /// partner's URL is what it registered), with enough connections for a fleet's changes.
    private func ocpiClient() -> OCPIClient? {
        guard let settings = configuration.ocpi else { return nil }
        let party = OCPIParty(
            countryCode: settings.countryCode, partyId: settings.partyId, name: settings.name, website: settings.website,
            baseURL: "\(linkBase)/ocpi",
            operators: settings.operators.map {
                .init(codes: OCPICodes(countryCode: $0.countryCode, partyId: $0.partyId), name: $0.name, sites: Set($0.sites))
            })
        var http = HTTPClient.Configuration(redirectConfiguration: .disallow)
        http.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: OCPIPush.concurrency)
        return OCPIClient(
            party: party, http: HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup, configuration: http),
            logger: logger)
    }

    /// Ingest, asking OCPI partners in real time about their drivers when roaming is configured.
    private func ingestService(
        _ client: MQTTClient, _ repository: any CloudRepository, relay: CommandRelay, limits: IngestService.Limits,
        factory: any MetricsFactory, live: LiveFeed, ocpi: OCPIClient?
    ) -> IngestService {
        IngestService(
            client: client, repository: repository, relay: relay, limits: limits,
            sharedGroup: configuration.sharedSubscription, metrics: IngestMetrics(factory: factory), live: live, logger: logger,
            remoteAuthorization: ocpi.map { OCPIAuthorizer(repository: repository, client: $0).authorize })
    }

    /// OCPI's server, partners and pushes, with `ocpi:` configured.
    private func ocpi(
        _ repository: any CloudRepository, client: OCPIClient?, relay: CommandRelay, metricsFactory: any MetricsFactory,
        tokenListChanged: @escaping @Sendable (String) async -> Void
    ) -> (server: OCPIServer, partners: OCPIPartners, push: OCPIPush)? {
        guard let client else { return nil }
        let party = client.party
        let pricer = SessionPricer(repository: repository, rounding: configuration.rounding)
        let server = OCPIServer(
            repository: repository, party: party, client: client, pricer: pricer, logger: logger,
            relay: ocpiRelay(relay), commandTimeout: configuration.commandTimeout, tokenListChanged: tokenListChanged)
        return (
            server,
            OCPIPartners(
                repository: repository, client: client, tokenListChanged: tokenListChanged,
                readTokens: { partner in
                    let (kept, refused, failure) = await server.syncTokens(partner)
                    return OCPIPartners.TokensRead(kept: kept, refused: refused, failure: failure)
                }),
            OCPIPush(
                repository: repository, client: client, pricer: pricer, interval: configuration.ocpi?.pushInterval ?? .seconds(1),
                metricsFactory: metricsFactory, logger: logger)
        )
    }

    /// OCPI's commands through the relay: a station that never answered is a `.timeout`, a site or broker out of reach
    /// `.notConnected`.
    private func ocpiRelay(_ relay: CommandRelay) -> OCPIRelay {
        let timeout = configuration.commandTimeout
        return { site, station, action, payload, user in
            do {
                return try await relay.send(
                    site: site, station: station, action: action, payload: payload, user: user, timeout: timeout)
            } catch {
                if case .timeout? = error as? CommandRelay.Failure {
                    return CommandResultRecord(site: site, id: "", outcome: .timeout, error: "no answer within \(timeout)")
                }
                return CommandResultRecord(site: site, id: "", outcome: .notConnected, error: "\(error)")
            }
        }
    }

    /// Where people reach this cloud: `http.public_url`, else this host's name and the HTTPS port.
    var linkBase: String {
        configuration.http.publicURL ?? "https://\(ProcessInfo.processInfo.hostName):\(configuration.http.port)"
    }

    /// HTTPS: the configured certificate and key, or a self-signed pair made on first start (replaced when an old
    /// one could vouch for any name); TLS 1.2 or later.
    private func serverTLS() throws -> TLSConfiguration {
        let directory = URL(fileURLWithPath: configuration.storePath).deletingLastPathComponent().path
        let certificate: String
        let key: String
        if let configured = configuration.http.certificate, let configuredKey = configuration.http.key {
            (certificate, key) = (configured, configuredKey)
        } else {
            let replaced: Bool
            (certificate, key, replaced) = try SelfSignedCertificate.ensure(
                in: directory, hostName: ProcessInfo.processInfo.hostName)
            logger.notice("HTTPS uses a self-signed certificate", metadata: ["certificate": "\(certificate)"])
            if replaced {
                logger.warning(
                    """
                    the self-signed certificate could vouch for any name, so its key and certificate were replaced \
                    (the old ones are kept as *.replaced): give clients that trusted it the new certificate
                    """, metadata: ["certificate": "\(certificate)"])
            }
        }
        let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        tls.shutdownTimeout = .seconds(1)
        tls.minimumTLSVersion = .tlsv12
        return tls
    }
}

/// Runs the live feed's fan-out, and ends its streams when the cloud shuts down.
struct LiveFeedService: Service {
    let live: LiveFeed

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await live.run() }
            try? await gracefulShutdown()
            live.finish()
        }
    }
}

/// Keeps the store open while the rest runs, and closes it last (services stop in reverse order).
struct RepositoryService: Service {
    let repository: SQLiteRepository
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        try repository.close()
        logger.notice("store closed")
    }
}

/// Once an hour removes what is older than the store's retention (security review, finding 7: the record of every
/// applied message, samples and events were kept for ever). Sessions stay.
struct RetentionService: Service {
    let repository: any CloudRepository
    let appliedDays: Int
    let recordDays: Int
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let now = Date()
                do {
                    let removed = try await repository.prune(
                        appliedBefore: now.addingTimeInterval(-Double(appliedDays) * 86_400),
                        recordsBefore: now.addingTimeInterval(-Double(recordDays) * 86_400))
                    if removed > 0 { logger.notice("old records removed", metadata: ["rows": "\(removed)"]) }
                } catch {
                    logger.error("could not remove old records", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: .seconds(3600))
            }
        }
    }
}

/// The store is still where it was before the cloud had a state directory of its own.
public struct StoreMoved: Error, CustomStringConvertible {
    let from: String
    let to: String

    public var description: String {
        "the cloud's store is now \(to), and one from before is at \(from): stop the cloud, move it (with its -wal and "
            + "-shm files and the self-signed certificate pair) to /var/lib/gridside-cloud/, owned by gridside-cloud, and "
            + "start again"
    }
}
