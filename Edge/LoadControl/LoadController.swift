public import CentralSystem
public import EdgeConfig
public import Foundation
public import LoadManagement
public import Logging
public import MeterIO
import Meters
public import ServiceLifecycle
public import SyncContract
import Synchronization

/// The imperative shell around the load manager: every cycle (a new meter reading, or `interval` without one)
/// it gathers the site's state, lets the planner decide, and sends the chargers their limits with OCPP 1.6
/// SetChargingProfile. At each charger's first connection it reads what profiles the charger takes and installs
/// the failsafe as a default profile at the lowest stack level, so that a charger whose edge dies falls back
/// to it when the lease of its last limit runs out.
public final class LoadController: Service, Sendable {
    let configuration: EdgeConfiguration
    let central: CentralSystem
    /// How limits and configuration reach the chargers, in no protocol version's words (the central system's).
    let port: any StationPort
    let board: MeterBoard?
    let metrics: LoadMetrics
    let logger: Logger
    private let planner: Mutex<LoadPlanner>
    /// The grid and load-management settings in effect: edge.yaml's, as changed from the cloud.
    private let active: Mutex<ActiveLoadSettings>
    let stations = Mutex<[String: StationControl]>([:])
    let latest = Mutex<LoadStatus?>(nil)
    /// Each running session's requested limit (a roaming partner's charging profile), by connector.
    let sessionLimits = Mutex<[ConnectorKey: SessionLimit]>([:])
    /// The latest reaction times (meter reading → limit accepted), for `/status`.
    private let reactions = Mutex<ReactionTimes>(ReactionTimes())
    /// How each station is wired: edge.yaml's, and those the cloud registered since.
    private let stationsById: Mutex<[String: EdgeConfiguration.Station]>

    /// What the controller knows of one connected charger.
    struct StationControl: Sendable {
        var session: StationSession
        var ready = false
        var capabilities = ChargerCapabilities()
        /// The failsafe current last installed as the charger's default profile (nil before, or if refused).
        var failsafeInstalled: Double?
        /// After a failed attempt to install a new failsafe: not before this.
        var failsafeRetryAt: Date?
    }

    /// - Parameters:
    ///   - settings: the settings to start with, when the cloud changed edge.yaml's (see ``apply(_:)``).
    ///   - port: how requests reach the chargers; the central system's own when nil.
    public init(
        configuration: EdgeConfiguration, central: CentralSystem, board: MeterBoard?, metrics: LoadMetrics, logger: Logger,
        settings: ActiveLoadSettings? = nil, port: (any StationPort)? = nil
    ) {
        self.configuration = configuration
        self.central = central
        self.port = port ?? central
        self.board = board
        self.metrics = metrics
        self.logger = logger
        let active = settings ?? ActiveLoadSettings(grid: configuration.grid, loadManagement: configuration.loadManagement)
        self.active = Mutex(active)
        planner = Mutex(LoadPlanner(grid: active.grid ?? Self.noGrid, settings: active.loadManagement))
        stationsById = Mutex(
            Dictionary(configuration.stations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    private static let noGrid = EdgeConfiguration.Grid(phases: 3, voltage: 230, limit: 0, limitKW: nil, margin: 0)

    /// A station registered from the cloud: its wiring counts from the next allocation.
    public func register(_ station: EdgeConfiguration.Station) {
        stationsById.withLock { $0[station.id] = station }
    }

    /// A station retired from the cloud: no longer wired (a charger connecting with its id again is an unknown one).
    public func unregister(_ stationId: String) {
        stationsById.withLock { _ = $0.removeValue(forKey: stationId) }
    }

    /// The settings in effect.
    public var activeSettings: ActiveLoadSettings { active.withLock { $0 } }
    var settings: EdgeConfiguration.LoadManagement { activeSettings.loadManagement }
    var grid: EdgeConfiguration.Grid? { activeSettings.grid }

    /// What the settings would be with `change`, checked as edge.yaml is (and never above edge.yaml's fuse).
    public func check(_ change: LoadSettings) throws(LoadSettingsRejected) -> ActiveLoadSettings {
        try changing(activeSettings, by: change)
    }

    private func changing(
        _ settings: ActiveLoadSettings, by change: LoadSettings
    ) throws(LoadSettingsRejected) -> ActiveLoadSettings {
        try settings.applying(
            change, hasMeter: meter != nil, fuse: configuration.grid?.limit ?? 0,
            failsafe: configuration.loadManagement.failsafeCurrent
        ).get()
    }

    /// Changes the settings while running (from the cloud): checked as ``check(_:)`` does, then in effect from the
    /// next cycle; limits move from where they are with the usual ramps and cuts, and a new failsafe current is
    /// installed on every charger.
    public func apply(_ change: LoadSettings) throws(LoadSettingsRejected) -> ActiveLoadSettings {
        let next = try active.withLock { active throws(LoadSettingsRejected) in
            let next = try changing(active, by: change)
            active = next
            // Under the same lock: two changes in a row reach the planner in their order.
            planner.withLock { $0.update(grid: next.grid ?? Self.noGrid, settings: next.loadManagement) }
            return next
        }
        logger.notice(
            "load-management settings changed",
            metadata: [
                "mode": "\(next.loadManagement.mode)", "strategy": "\(next.loadManagement.strategy.rawValue)",
                "fuse_a": "\(next.grid?.limit ?? 0)", "failsafe_a": "\(next.loadManagement.failsafeCurrent)",
            ])
        return next
    }

    /// The latest cycle's decisions, for `/status`.
    public var status: LoadStatus? { latest.withLock { $0 } }

    /// The meter load management reads: the grid meter, or else the building meter.
    var meter: MeterSettings? {
        configuration.meters.first { $0.role == .grid } ?? configuration.meters.first { $0.role == .building }
    }

    public func run() async throws {
        guard settings.mode != .off else {
            try? await gracefulShutdown()
            return
        }
        logger.notice(
            "load management running",
            metadata: [
                "mode": "\(settings.mode)", "strategy": "\(settings.strategy.rawValue)",
                "fuse_a": "\(grid?.limit ?? 0)", "meter": "\(meter?.name ?? "-")",
            ])
        let (wake, waker) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.settings.interval)
                    waker.yield()
                }
            }
            if let board {
                let watched = meter?.name
                group.addTask {
                    for await name in board.updates where name == watched { waker.yield() }
                }
            }
            await withGracefulShutdownHandler {
                for await _ in wake {
                    if Task.isCancelled { break }
                    cycle(group: &group)
                }
            } onGracefulShutdown: {
                waker.finish()
            }
            group.cancelAll()
        }
        board?.finish()
    }

    /// One control cycle.
    func cycle(group: inout DiscardingTaskGroup) {
        let now = Date()
        let sessions = central.connectedSessions.filter(\.isAccepted)
        prepareNew(sessions, group: &group)
        renewFailsafes(group: &group)
        let ready = stations.withLock { $0 }
        let live = central.live.snapshot
        var connectors: [ConnectorInput] = []
        let reachable = Set(sessions.map(\.stationId))
        // Every charger seen, connected or not: one out of reach still draws under its last limit.
        for (stationId, states) in live.sorted(by: { $0.key < $1.key }) {
            let control = ready[stationId]
            let connected = reachable.contains(stationId) && control?.ready == true
            for (connectorId, state) in states.sorted(by: { $0.key < $1.key }) {
                var input = ConnectorInput(
                    key: ConnectorKey(stationId: stationId, connectorId: connectorId),
                    wiring: stationsById.withLock { $0[stationId] }?.wiring(connector: connectorId) ?? .init(),
                    transactionId: state.transactionId, startedAt: state.transactionStartedAt, measured: state.phaseCurrents,
                    measuredAt: state.measuredAt, controllable: control?.capabilities.takesProfiles ?? true)
                input.connected = connected
                input.requested = requestedLimit(input.key, transactionId: state.transactionId, at: now)
                connectors.append(input)
            }
        }
        let reading = meter.flatMap { board?.measurement($0.name) }
        let input = PlannerInput(now: now, meter: reading, meterRole: meter?.role ?? .grid, connectors: connectors)
        let plan = planner.withLock { $0.plan(input) }
        publish(plan, reading: reading, now: now)
        for order in plan.orders {
            guard let control = ready[order.key.stationId] else {
                planner.withLock { $0.failed(order) }
                continue
            }
            // The reaction time counts from a reading that called for the change; the failsafe has none.
            let takenAt = plan.failsafe ? nil : reading?.takenAt
            group.addTask { await self.send(order, capabilities: control.capabilities, meterTakenAt: takenAt) }
        }
    }

    /// Reads the capabilities of chargers seen for the first time (or reconnected) and installs their failsafe.
    private func prepareNew(_ sessions: [StationSession], group: inout DiscardingTaskGroup) {
        for session in sessions {
            let isNew = stations.withLock { stations in
                // By reference: a new session of a reconnected charger may sit at the old one's address.
                guard stations[session.stationId]?.session !== session else { return false }
                stations[session.stationId] = StationControl(session: session)
                return true
            }
            guard isNew else { continue }
            planner.withLock { $0.forget(stationId: session.stationId) }
            group.addTask { await self.prepare(session) }
        }
    }

    private func prepare(_ session: StationSession) async {
        let id = session.stationId
        var capabilities = ChargerCapabilities()
        do {
            capabilities.read(try await port.readConfiguration(stationId: id, keys: ChargerCapabilities.keys))
        } catch {
            session.logger.warning(
                "could not read the charger's charging profile limits; assuming current (A) at stack level 1",
                metadata: ["error": "\(error)"])
        }
        let current = settings.failsafeCurrent
        let installed = await installFailsafe(session, current: current, capabilities: &capabilities)
        if !capabilities.takesProfiles {
            session.logger.warning("charger does not take charging profiles; its cars are budgeted at its maximum current")
        }
        let final = capabilities
        stations.withLock { stations in
            if stations[id]?.session === session {
                stations[id]?.capabilities = final
                stations[id]?.ready = true
                stations[id]?.failsafeInstalled = installed ? current : nil
            }
        }
        // Once the charger is steered: a charger slow to answer does not hold up its first limits.
        if let interval = settings.meterValuesInterval {
            do {
                let entries = try await port.readConfiguration(stationId: id, keys: MeterValuesSetup.keys)
                await configureMeterValues(session, MeterValuesSetup.changes(entries, interval: interval))
            } catch {
                session.logger.notice("could not read the charger's meter values settings", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Asks the charger for the current per phase in its meter values and a shorter sample interval (see
    /// ``MeterValuesSetup``); a refusal is logged, and the charger's cars are then judged on what it does report.
    private func configureMeterValues(_ session: StationSession, _ changes: [(key: String, value: String)]) async {
        for change in changes {
            do {
                let answer = try await port.changeConfiguration(
                    stationId: session.stationId, key: change.key, value: change.value)
                if answer == .accepted {
                    session.logger.info(
                        "meter values set up for load management", metadata: ["key": "\(change.key)", "value": "\(change.value)"])
                } else {
                    session.logger.notice(
                        "charger kept its meter values setting; load management learns its cars' draw more slowly",
                        metadata: ["key": "\(change.key)", "wanted": "\(change.value)", "status": "\(answer.rawValue)"])
                }
            } catch {
                session.logger.notice(
                    "could not set up the charger's meter values", metadata: ["key": "\(change.key)", "error": "\(error)"])
            }
        }
    }

    /// Installs the failsafe current as the charger's default profile at the lowest stack level; whether the
    /// charger accepted it.
    private func installFailsafe(
        _ session: StationSession, current: Double, capabilities: inout ChargerCapabilities
    ) async -> Bool {
        do {
            // In W, for one phase: a single-phase car must not get three phases' worth on its one.
            let failsafe = capabilities.limit(
                connectorId: 0, id: ChargerCapabilities.failsafeProfileId, scope: .connectorDefault, stackLevel: 0,
                current: current, phases: capabilities.unit == .amperes ? 3 : 1, voltage: grid?.voltage ?? 230, validTo: nil)
            let answer = try await port.setChargingLimit(stationId: session.stationId, failsafe)
            switch answer {
            case .accepted:
                session.logger.info(
                    "failsafe default profile installed",
                    metadata: ["current_a": "\(current)", "unit": "\(capabilities.unit.rawValue)"])
                return true
            case .rejected, .notSupported:
                session.logger.warning(
                    "charger refused the failsafe default profile; it will not fall back by itself if the edge stops",
                    metadata: ["status": "\(answer.rawValue)"])
                if answer == .notSupported { capabilities.takesProfiles = false }
            }
        } catch CommandError.stationError(_, let code, _) where code == "NotSupported" || code == "NotImplemented" {
            capabilities.takesProfiles = false
        } catch {
            session.logger.warning("could not install the failsafe default profile", metadata: ["error": "\(error)"])
        }
        return false
    }

    /// After the failsafe current changed: installs the new one on every prepared charger that had the old one;
    /// a charger that did not take it is tried again every 30 s while it stays connected.
    private func renewFailsafes(group: inout DiscardingTaskGroup) {
        let current = settings.failsafeCurrent
        let now = Date()
        let outdated = stations.withLock { stations in
            let outdated = stations.values.filter { control in
                control.ready && control.failsafeInstalled.map { $0 != current } == true
                    && control.failsafeRetryAt.map { $0 <= now } != false
            }
            for control in outdated {
                // Marked as in hand at once, so the next cycles do not send it again meanwhile.
                stations[control.session.stationId]?.failsafeRetryAt = .distantFuture
            }
            return outdated.map { ($0.session, $0.capabilities) }
        }
        for (session, capabilities) in outdated {
            group.addTask {
                var capabilities = capabilities
                let installed = await self.installFailsafe(session, current: current, capabilities: &capabilities)
                self.stations.withLock { stations in
                    guard stations[session.stationId]?.session === session else { return }
                    if installed {
                        stations[session.stationId]?.failsafeInstalled = current
                        stations[session.stationId]?.failsafeRetryAt = nil
                    } else {
                        stations[session.stationId]?.failsafeRetryAt = Date().addingTimeInterval(30)
                    }
                }
            }
        }
    }

    /// Sends one limit and records the charger's answer.
    private func send(_ order: LimitOrder, capabilities: ChargerCapabilities, meterTakenAt: Date?) async {
        let station = order.key.stationId
        let useTx = order.transactionId != nil && !capabilities.txProfileRejected
        if !useTx, capabilities.maxStackLevel < 1 {
            // With one stack level, a TxDefaultProfile would replace the failsafe: idle connectors stay under it,
            // and a charger that also refuses TxProfiles cannot be steered.
            if order.transactionId != nil {
                stations.withLock { $0[station]?.capabilities.takesProfiles = false }
                logger.warning(
                    "charger has a single profile stack level and refuses TxProfiles; its cars are budgeted at its maximum",
                    metadata: ["station": "\(station)"])
                planner.withLock { $0.failed(order) }
            } else {
                planner.withLock { $0.accepted(order, at: Date()) }
            }
            return
        }
        let lease = Date().addingTimeInterval(settings.leaseDuration.seconds)
        let limit = capabilities.limit(
            connectorId: order.key.connectorId,
            id: (useTx ? ChargerCapabilities.txProfileId : ChargerCapabilities.defaultProfileId) + order.key.connectorId,
            scope: useTx ? .transaction(order.transactionId!) : .connectorDefault,
            stackLevel: capabilities.managedStackLevel, current: order.current, phases: order.phases,
            voltage: grid?.voltage ?? 230, validTo: lease)
        do {
            let answer = try await port.setChargingLimit(stationId: station, limit)
            switch answer {
            case .accepted:
                planner.withLock { $0.accepted(order, at: Date()) }
                metrics.limitSent(renewal: order.isRenewal)
                if let meterTakenAt, !order.isRenewal, order.isDecrease {
                    let seconds = Date().timeIntervalSince(meterTakenAt)
                    metrics.reaction(seconds)
                    reactions.withLock { $0.add(seconds) }
                }
                if !order.isRenewal {
                    logger.info(
                        "charging limit set",
                        metadata: [
                            "station": "\(station)", "connector": "\(order.key.connectorId)", "current_a": "\(order.current)",
                            "profile": useTx ? "TxProfile" : "TxDefaultProfile",
                        ])
                }
            case .rejected where useTx:
                stations.withLock { $0[station]?.capabilities.txProfileRejected = true }
                planner.withLock { $0.failed(order) }
                logger.warning(
                    "charger rejected a TxProfile; using TxDefaultProfile on the connector instead",
                    metadata: ["station": "\(station)", "connector": "\(order.key.connectorId)"])
            case .rejected, .notSupported:
                if answer == .notSupported { stations.withLock { $0[station]?.capabilities.takesProfiles = false } }
                planner.withLock { $0.failed(order) }
                metrics.limitRefused()
                logger.warning(
                    "charger refused a charging limit",
                    metadata: [
                        "station": "\(station)", "connector": "\(order.key.connectorId)", "status": "\(answer.rawValue)",
                    ])
            }
        } catch {
            if case .stationError(_, let code, _) = error, code == "NotSupported" || code == "NotImplemented" {
                stations.withLock { $0[station]?.capabilities.takesProfiles = false }
            }
            planner.withLock { $0.failed(order) }
            metrics.limitRefused()
            logger.warning(
                "charging limit not delivered",
                metadata: ["station": "\(station)", "connector": "\(order.key.connectorId)", "error": "\(error)"])
        }
    }

    private func publish(_ plan: CyclePlan, reading: MeterMeasurement?, now: Date) {
        let status = LoadStatus(
            mode: "\(settings.mode)", strategy: settings.strategy.rawValue, failsafe: plan.failsafe,
            meter: meter?.name, meterAgeSeconds: reading.map { now.timeIntervalSince($0.takenAt) },
            gridCurrents: reading?.phaseCurrents, buildingLoad: plan.buildingLoad, freeCapacity: plan.freeCapacity,
            connectors: plan.decisions, reaction: reactions.withLock { $0.summary }, updatedAt: now)
        latest.withLock { $0 = status }
        metrics.cycle(plan, meterAge: status.meterAgeSeconds)
    }
}

/// What load management decided last, for `/status`.
public struct LoadStatus: Sendable {
    public var mode: String
    public var strategy: String
    public var failsafe: Bool
    public var meter: String?
    public var meterAgeSeconds: Double?
    public var gridCurrents: [Double?]?
    public var buildingLoad: [Double]
    public var freeCapacity: [Double]
    public var connectors: [ConnectorDecision]
    /// Seconds from the meter reading that called for a lower limit to the charger accepting it.
    public var reaction: ReactionTimes.Summary?
    public var updatedAt: Date
}

/// The last 1,000 reaction times.
public struct ReactionTimes: Sendable {
    private var samples: [Double] = []
    private var next = 0
    private(set) var total = 0
    static let capacity = 1000

    mutating func add(_ seconds: Double) {
        total += 1
        if samples.count < Self.capacity {
            samples.append(seconds)
        } else {
            samples[next] = seconds
            next = (next + 1) % Self.capacity
        }
    }

    public struct Summary: Sendable {
        public var count: Int
        public var p50: Double
        public var p99: Double
        public var max: Double
    }

    var summary: Summary? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
        return Summary(count: total, p50: at(0.5), p99: at(0.99), max: sorted.last!)
    }
}
