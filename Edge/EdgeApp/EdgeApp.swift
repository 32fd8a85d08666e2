public import CentralSystem
public import ConfigReading
public import EdgeConfig
import EdgeServer
import EdgeStore
import EdgeSync
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import LoadControl
import LoadManagement
public import Logging
public import MeterIO
public import Meters
import Metrics
import NIOCore
import NIOPosix
import NIOSSL
import Prometheus
public import ServiceLifecycle
import SyncContract
import Synchronization
import UnixSignals

/// The edge daemon assembled from its configuration: the store, the central system, the OCPP WebSocket
/// server and the local HTTP interface, run as one service group that stops in reverse order on SIGTERM.
public struct EdgeApp: Sendable {
    /// The ports the servers listen on once they run (useful when the configuration asks for port 0).
    public struct BoundPorts: Sendable, Equatable {
        public var ocpp: Int
        public var http: Int
    }

    public let configuration: EdgeConfiguration
    let logger: Logger

    public init(configuration: EdgeConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Reads every configured meter once, for `gridside-edge check`.
    public static func probeMeters(
        _ configuration: EdgeConfiguration, logger: Logger
    ) async -> [(meter: MeterSettings, result: Result<(MeterMeasurement, String), MeterError>)] {
        let board = MeterBoard(meters: configuration.meters)
        let plausibility = Plausibility(fuse: configuration.grid?.limit ?? 63)
        var results: [(meter: MeterSettings, result: Result<(MeterMeasurement, String), MeterError>)] = []
        for bus in MeterBus.buses(for: configuration.meters, board: board, plausibility: plausibility, logger: logger) {
            results += await bus.probe()
        }
        return results
    }

    /// Builds the service group; `onReady` is called once both servers listen.
    public func makeServiceGroup(
        onReady: @escaping @Sendable (BoundPorts, CentralSystem) async -> Void = { _, _ in }
    ) async throws -> ServiceGroup {
        let registry = PrometheusCollectorRegistry()
        let metrics = EdgeMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let storeDirectory = URL(fileURLWithPath: configuration.store.path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: storeDirectory, withIntermediateDirectories: true)
        let (httpToken, tokenShared) = try LocalHTTPToken.loadOrCreate(path: configuration.http.tokenFile)
        if tokenShared {
            logger.warning(
                "http.token_file can be read by other users of this box, who can then send any OCPP command; chmod 600 it",
                metadata: ["path": "\(configuration.http.tokenFile)"])
        }
        let store = try EdgeStore(path: configuration.store.path, syncsToCloud: configuration.cloud != nil) {
            size, duration in metrics.storeCommitted(batch: size, duration: duration)
        }
        // Stations the cloud registered join edge.yaml's, as if listed there.
        var merged = self.configuration
        merged.stations = try await StationRegistrations.merged(merged, store: store)
        let configuration = merged
        let cloudAuthorization = configuration.cloud.map { CloudAuthorization(store: store, timeout: $0.authTimeout) }
        let central = CentralSystem(
            configuration: configuration, store: store, metrics: metrics, logger: logger, remoteAuthorizer: cloudAuthorization)
        try await central.prepare()
        let board = MeterBoard(meters: configuration.meters)
        let plausibility = Plausibility(fuse: configuration.grid?.limit ?? 63)
        let meterBuses = MeterBus.buses(for: configuration.meters, board: board, plausibility: plausibility, logger: logger)
        let fromTheCloud = await Self.settingsFromTheCloud(store: store, configuration: configuration, logger: logger)
        let loadController = LoadController(
            configuration: configuration, central: central, board: board,
            metrics: LoadMetrics(factory: PrometheusMetricsFactory(registry: registry)), logger: logger,
            settings: fromTheCloud.active)
        do {
            loadController.restoreSessionLimits(try await store.sessionLimits())
        } catch {
            logger.error("could not read the session limits kept", metadata: ["error": "\(error)"])
        }
        var cloudLink: CloudLink?
        if let cloudAuthorization {
            let samples = SiteSamples(configuration: configuration, board: board, load: loadController)
            let changes = LoadSettingsChanges(controller: loadController, store: store, fromTheCloud: fromTheCloud.stored)
            let registrations = StationRegistrations(
                central: central, load: loadController, store: store, fromTheFile: Set(self.configuration.stations.map(\.id)))
            let link = CloudLink(
                configuration: configuration, store: store, central: central, authorization: cloudAuthorization,
                metricsFactory: PrometheusMetricsFactory(registry: registry), logger: logger, samples: samples.messages(at:),
                changeLoadSettings: { change in try await changes.change(change) },
                stations: registrations,
                sessionLimits: { station, limit, set in
                    guard set else {
                        return try loadController.sessionLimit(
                            station: station, connectorId: limit.connectorId, transactionId: limit.transactionId)
                    }
                    let state = try loadController.setSessionLimit(station: station, limit)
                    // In force now; kept for a restart during the session (a store failure only loses that).
                    if let kept = loadController.keptSessionLimit(station: station, connectorId: limit.connectorId) {
                        do {
                            try await store.saveSessionLimit(station: station, kept, at: Date())
                        } catch {
                            self.logger.error("could not keep a session limit", metadata: ["error": "\(error)"])
                        }
                    }
                    return state
                })
            cloudLink = link
        }

        let notifier = SystemdNotifier()
        let ports = Mutex<(ocpp: Int?, http: Int?, reported: Bool)>((nil, nil, false))
        let logger = self.logger
        let reportIfReady: @Sendable () async -> Void = {
            // Both servers call this once running; only the call that completes the pair reports.
            let both = ports.withLock { ports -> BoundPorts? in
                guard let ocpp = ports.ocpp, let http = ports.http, !ports.reported else { return nil }
                ports.reported = true
                return BoundPorts(ocpp: ocpp, http: http)
            }
            guard let both else { return }
            let scheme = configuration.ocpp.tls == nil ? "ws" : "wss"
            logger.notice(
                "edge ready: chargers connect to \(scheme)://<this host>:\(both.ocpp)/ocpp/<stationId>",
                metadata: [
                    "site": "\(configuration.site.id)", "ocpp_port": "\(both.ocpp)", "http_port": "\(both.http)",
                    "store": "\(configuration.store.path)",
                ])
            notifier?.notify("READY=1")
            await onReady(both, central)
        }

        // Socket I/O gets all cores but one; decoding and the store run on Swift's cooperative pool, and on a
        // small edge box they need that core (measured: 1 event loop instead of 2 gives +6-11 % on 2 cores).
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount - 1))
        let ocppApp = Application(
            router: Router(),
            server: try EdgeServers.ocpp(central: central, settings: configuration.ocpp),
            configuration: .init(
                address: .hostname(configuration.ocpp.host, port: configuration.ocpp.port), serverName: "gridside-edge",
                backlog: 2048),
            onServerRunning: { channel in
                ports.withLock { $0.ocpp = channel.localAddress?.port }
                await reportIfReady()
            },
            eventLoopGroupProvider: .shared(eventLoops),
            logger: logger)
        let httpApp = Application(
            router: EdgeServers.localHTTP(
                central: central, registry: registry, board: board, load: loadController, token: httpToken),
            configuration: .init(
                address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "gridside-edge"),
            onServerRunning: { channel in
                ports.withLock { $0.http = channel.localAddress?.port }
                await reportIfReady()
            },
            eventLoopGroupProvider: .shared(eventLoops),
            logger: logger)
        return ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: EventLoopService(group: eventLoops)),
                    .init(service: StoreService(store: store, logger: logger)),
                    .init(
                        service: RetentionService(
                            store: store, path: configuration.store.path, days: configuration.store.retentionDays,
                            metrics: metrics, logger: logger)),
                ] + meterBuses.map { .init(service: $0) } + [
                    .init(service: ocppApp), .init(service: httpApp), .init(service: LivenessService(central: central)),
                    .init(service: loadController),
                ] + (cloudLink.map { [.init(service: $0)] } ?? [])
                    + (notifier.flatMap { notifier in
                        notifier.watchdogEvery.map {
                            [.init(service: SystemdWatchdog(notifier: notifier, every: $0, central: central))]
                        }
                    } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
    }

    /// The load-management settings the cloud set before this start (only the fields it set) and edge.yaml's with
    /// them applied; both nil (edge.yaml's as they are, and the next change from the cloud starts from them) when
    /// there are none or they no longer fit edge.yaml (a meter removed, a lower fuse, load management off).
    static func settingsFromTheCloud(
        store: EdgeStore, configuration: EdgeConfiguration, logger: Logger
    ) async -> (stored: LoadSettings?, active: ActiveLoadSettings?) {
        let stored: LoadSettings?
        do {
            stored = try await store.loadSettings()
        } catch {
            logger.error("could not read the load-management settings set from the cloud", metadata: ["error": "\(error)"])
            return (nil, nil)
        }
        guard let stored else { return (nil, nil) }
        let fromFile = ActiveLoadSettings(grid: configuration.grid, loadManagement: configuration.loadManagement)
        let hasMeter = !configuration.meters.isEmpty
        switch fromFile.applying(
            stored, hasMeter: hasMeter, fuse: configuration.grid?.limit ?? 0,
            failsafe: configuration.loadManagement.failsafeCurrent)
        {
        case .success(let settings):
            logger.notice(
                "load-management settings from the cloud apply over edge.yaml's",
                metadata: ["from_the_cloud": "\(stored)", "in_effect": "\(settings.described)"])
            return (stored, settings)
        case .failure(let rejected):
            logger.warning(
                "load-management settings from the cloud no longer fit edge.yaml; using edge.yaml's",
                metadata: ["reason": "\(rejected)"])
            return (nil, nil)
        }
    }

    /// What would stop a valid configuration from running on this machine: a store directory that cannot be
    /// written, TLS files that do not load, Basic auth required of stations that have no password.
    /// `gridside-edge check` reports these and `run` refuses to start on them.
    public static func problems(in configuration: EdgeConfiguration) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        var directory = URL(fileURLWithPath: configuration.store.path).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            problems.append(ConfigProblem(key: "store.path", reason: "directory \(directory.path) is not writable: it is a file"))
        } else if !FileManager.default.isWritableFile(atPath: directory.path) {
            problems.append(ConfigProblem(key: "store.path", reason: "directory \(directory.path) is not writable by this user"))
        }
        if FileManager.default.fileExists(atPath: configuration.http.tokenFile) {
            do {
                _ = try LocalHTTPToken.loadOrCreate(path: configuration.http.tokenFile)
            } catch {
                problems.append(ConfigProblem(key: "http.token_file", reason: error.reason))
            }
        }
        if let tls = configuration.ocpp.tls {
            do {
                _ = try EdgeServers.tlsConfiguration(tls)
            } catch {
                problems.append(ConfigProblem(key: "ocpp.tls", reason: "certificate or key cannot be loaded: \(error)"))
            }
        }
        return problems
    }
}

/// Keeps the store open while the servers run, and closes it after they stopped (services stop in reverse).
struct StoreService: Service {
    let store: EdgeStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await store.drain()
        try store.close()
        logger.notice("store closed; every acknowledged message is on disk")
    }
}

/// Once an hour removes what is older than `store.retention_days`, and every minute notes the disk space left
/// (`store_disk_free_bytes`) (security review, finding 7).
struct RetentionService: Service {
    let store: EdgeStore
    let path: String
    let days: Int
    let metrics: EdgeMetrics
    let logger: Logger

    func run() async throws {
        // Ends at once when the edge shuts down, not after the minute's sleep.
        try? await cancelWhenGracefulShutdown { try await loop() }
    }

    private func loop() async throws {
        var minutes = 0
        while !Task.isCancelled {
            if let free = store.freeDiskBytes(path: path) { metrics.diskFree(bytes: free) }
            if minutes % 60 == 0 {
                do {
                    let removed = try await store.prune(before: Date().addingTimeInterval(-Double(days) * 86_400))
                    if removed > 0 {
                        logger.notice("old records removed", metadata: ["rows": "\(removed)", "retention_days": "\(days)"])
                    }
                } catch {
                    logger.error("could not remove old records", metadata: ["error": "\(error)"])
                }
            }
            minutes += 1
            try await Task.sleep(for: .seconds(60))
        }
    }
}

/// Owns the servers' event loops and shuts them down once the servers have stopped.
struct EventLoopService: Service {
    let group: MultiThreadedEventLoopGroup

    func run() async throws {
        try? await gracefulShutdown()
        try await group.shutdownGracefully()
    }
}

/// Every half ping interval, asks the central system to ping quiet stations and drop silent ones. One task for
/// the whole site rather than a timer per connection.
struct LivenessService: Service {
    let central: CentralSystem

    func run() async throws {
        let seconds = central.configuration.ocpp.pingInterval
        guard seconds > 0 else { return try await gracefulShutdown() }
        while !Task.isShuttingDownGracefully {
            _ = try? await cancelOnGracefulShutdown { try await Task.sleep(for: .milliseconds(seconds * 500)) }
            if Task.isShuttingDownGracefully { return }
            await central.checkLiveness(now: Date())
        }
    }
}
