import Foundation
import HTTPTypes
import HummingbirdWSClient
public import Logging
import NIOWebSocket
import OCPP

/// A virtual OCPP 1.6J charger: it connects to a central system over a real WebSocket, boots, reports its
/// connectors, runs sessions with simulated cars, reports meter values, obeys charging profiles, and answers
/// every call a central system can send. It reconnects when the connection drops.
public actor SimulatedCharger {
    public let profile: ChargerProfile
    let centralURL: String
    /// Where the charger reports its draw for the simulated building meter, if there is one.
    let siteLoad: SiteLoad?
    let logger: Logger
    var rng = SystemRandomNumberGenerator()

    var connectors: [Int: Connector]
    var limits = ChargingLimits()
    var settings: [String: Setting]
    var localList: (version: Int, entries: [String: OCPP16.IdTagInfo]) = (0, [:])
    var reservations: [Int: Reservation] = [:]
    var firmwareVersion: String
    var outgoing: OutgoingCallQueue?
    var sendText: (@Sendable ([UInt8]) async throws -> Void)?
    var heartbeatInterval: Double = 300
    var lastHeartbeat = Date.distantPast
    var rebootRequested = false
    var nextIdTag = 0
    let madeAt = Date()
    /// The fault of ``ChargerProfile/faultAfter``: when it began, and whether it is over.
    var faultedAt: Date?
    var faultOver = false
    /// What happened so far, for tests and the benchmark.
    public internal(set) var counters = Counters()

    /// Running totals of a simulated charger.
    public struct Counters: Sendable, Equatable {
        public var boots = 0
        public var sessionsStarted = 0
        public var sessionsStopped = 0
        public var meterValuesSent = 0
        public var callsAnswered = 0
        public var connections = 0
    }

    struct Connector {
        var status: OCPP16.ChargePointStatus = .available
        var operative = true
        var transactionId: Int?
        var idTag: String?
        var meterWh: Double = 0
        var car: ElectricVehicle?
        var nextArrival = Date()
        var lastMeterValues = Date.distantPast
        var lastTick = Date()
        var offered = 0.0
        var drawn = 0.0
    }

    struct Setting {
        var value: String
        var readonly: Bool
    }

    struct Reservation {
        var connectorId: Int
        var idTag: String
        var expiry: Date
    }

    /// What a call from the central system asks for that takes longer than its answer (a remote start, a firmware
    /// update, a car following a new limit): run under ``run()``, so none outlives the charger.
    let followUps: AsyncStream<@Sendable () async -> Void>
    let followUpSink: AsyncStream<@Sendable () async -> Void>.Continuation

    /// - Parameter centralURL: the central system's base URL; the station id is appended as the last segment.
    public init(profile: ChargerProfile, centralURL: String, logger: Logger, siteLoad: SiteLoad? = nil) {
        (followUps, followUpSink) = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)
        self.profile = profile
        self.siteLoad = siteLoad
        self.centralURL = centralURL.hasSuffix("/") ? String(centralURL.dropLast()) : centralURL
        var logger = logger
        logger[metadataKey: "station"] = .string(profile.stationId)
        self.logger = logger
        firmwareVersion = profile.firmwareVersion
        var connectors: [Int: Connector] = [:]
        var startMeter = SystemRandomNumberGenerator()
        for id in 1...max(1, profile.connectors) {
            var connector = Connector()
            connector.meterWh = Double(Int.random(in: 0...5_000_000, using: &startMeter))
            connector.nextArrival = Date().addingTimeInterval(Double.random(in: 0...3, using: &startMeter))
            connectors[id] = connector
        }
        self.connectors = connectors
        settings = [
            "HeartbeatInterval": Setting(value: "300", readonly: false),
            "MeterValueSampleInterval": Setting(value: "\(Int(profile.meterInterval.components.seconds))", readonly: false),
            "NumberOfConnectors": Setting(value: "\(profile.connectors)", readonly: true),
            "ChargeProfileMaxStackLevel": Setting(value: "8", readonly: true),
            "ChargingScheduleAllowedChargingRateUnit": Setting(value: "Current,Power", readonly: true),
            "AuthorizeRemoteTxRequests": Setting(value: "false", readonly: false),
            "LocalAuthListEnabled": Setting(value: "true", readonly: false),
            "WebSocketPingInterval": Setting(value: "60", readonly: false),
        ]
    }

    /// Connects and keeps connecting until the task is cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    await self.offlineTick(now: Date())
                }
            }
            group.addTask { await self.connectionLoop() }
            group.addTask {
                await withDiscardingTaskGroup { running in
                    for await followUp in self.followUps { running.addTask { await followUp() } }
                }
            }
        }
    }

    private func connectionLoop() async {
        var backoff = 0.5
        while !Task.isCancelled {
            do {
                try await connectOnce()
                backoff = 0.5
            } catch {
                logger.debug("connection failed", metadata: ["error": "\(error)"])
            }
            if Task.isCancelled { break }
            try? await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
            backoff = min(backoff * 2, 10)
        }
    }

    /// The state of each connector: status and transaction id.
    public func connectorStates() -> [Int: (status: String, transactionId: Int?)] {
        connectors.mapValues { ($0.status.rawValue, $0.transactionId) }
    }

    /// Lets a car arrive now at an available connector and start charging with `idTag`.
    public func plugIn(connectorId: Int, idTag: String) async {
        guard connectors[connectorId]?.transactionId == nil else { return }
        await startSession(connectorId: connectorId, idTag: idTag, authorizeFirst: true)
    }

    /// Ends the session on a connector as if the driver stopped it.
    public func unplug(connectorId: Int) async {
        await stopSession(connectorId: connectorId, reason: .evDisconnected)
    }

    private func connectOnce() async throws {
        var configuration = WebSocketClientConfiguration()
        configuration.maxFrameSize = 1 << 20
        configuration.additionalHeaders[.secWebSocketProtocol] = "ocpp1.6"
        if let password = profile.password {
            let credentials = Data("\(profile.stationId):\(password)".utf8).base64EncodedString()
            configuration.additionalHeaders[.authorization] = "Basic \(credentials)"
        }
        let identity =
            profile.stationId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"]))
            ?? profile.stationId
        try await WebSocketClient.connect(url: "\(centralURL)/\(identity)", configuration: configuration, logger: logger) {
            inbound, outbound, _ in
            let send: @Sendable ([UInt8]) async throws -> Void = { bytes in
                try await outbound.writeTextMessage(String(decoding: bytes, as: UTF8.self))
            }
            let queue = OutgoingCallQueue(idPrefix: "sim-") { frame in try await send(frame.encoded()) }
            await self.attach(queue: queue, send: send)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.operate() }
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        await self.receive(Array(text.utf8), queue: queue, send: send)
                    }
                }
                // The first to end (most often the connection, closed by the central system or lost) ends both:
                // the queue is closed first, so a call waiting for its answer fails now rather than at its timeout
                // (cancelling alone does not end that wait), and the charger is offline at once.
                var failure: (any Error)?
                do { _ = try await group.next() } catch { failure = error }
                await queue.close()
                group.cancelAll()
                if let failure { throw failure }
            }
            await queue.close()
            await self.detach()
            if await self.rebootRequested { try? await outbound.close(.normalClosure, reason: "rebooting") }
        }
    }

    private func attach(queue: OutgoingCallQueue, send: @escaping @Sendable ([UInt8]) async throws -> Void) {
        outgoing = queue
        sendText = send
        counters.connections += 1
    }

    private func detach() {
        outgoing = nil
        sendText = nil
    }

    func call<Request: OCPPRequest>(_ request: Request) async throws -> Request.Response {
        guard let outgoing else { throw CallFailure.connectionClosed(action: Request.action) }
        return try await outgoing.call(request, timeout: .seconds(30))
    }

    /// Boots, reports every connector, then ticks once a second until the connection ends or a reboot.
    private func operate() async throws {
        rebootRequested = false
        while true {
            let boot = try await call(
                OCPP16.BootNotificationRequest(
                    chargePointVendor: try CiString20(profile.vendor), chargePointModel: try CiString20(profile.model),
                    chargePointSerialNumber: try CiString25(String(profile.stationId.suffix(25))),
                    firmwareVersion: try CiString50(firmwareVersion), meterType: "SimMeter"))
            counters.boots += 1
            heartbeatInterval = Double(max(boot.interval, 1))
            if boot.status == .accepted { break }
            logger.info("boot not accepted yet", metadata: ["status": "\(boot.status.rawValue)"])
            try await Task.sleep(for: .seconds(min(heartbeatInterval, 5)))
        }
        lastHeartbeat = Date()
        try await sendStatus(connectorId: 0, .available)
        for id in connectors.keys.sorted() { try await sendStatus(connectorId: id, connectors[id]!.status) }
        while !rebootRequested {
            try await tick(now: Date())
            try await Task.sleep(for: .seconds(1))
        }
        throw CancellationError()
    }

    /// Seconds between periodic meter values: the MeterValueSampleInterval setting, which a central system may change
    /// (0: none).
    var meterValueSampleInterval: Double {
        let seconds =
            Double(settings["MeterValueSampleInterval"]?.value ?? "") ?? Double(profile.meterInterval.components.seconds)
        return seconds == 0 ? .infinity : seconds
    }

    private func tick(now: Date) async throws {
        try await simulateFault(now: now)
        if now.timeIntervalSince(lastHeartbeat) >= heartbeatInterval {
            _ = try await call(OCPP16.HeartbeatRequest())
            lastHeartbeat = now
        }
        reservations = reservations.filter { $0.value.expiry > now }
        for id in connectors.keys.sorted() {
            guard var connector = connectors[id] else { continue }
            let elapsed = now.timeIntervalSince(connector.lastTick) * profile.speed
            connector.lastTick = now
            if connector.transactionId != nil, var car = connector.car {
                connector.meterWh += car.charge(current: connector.drawn, voltage: profile.voltage, seconds: elapsed)
                connector.car = car
                connectors[id] = connector
                try await adjustDraw(connectorId: id, now: now)
                if car.isDone {
                    await stopSession(connectorId: id, reason: .evDisconnected)
                } else if now.timeIntervalSince(connector.lastMeterValues) >= meterValueSampleInterval {
                    try await sendMeterValues(connectorId: id, context: .samplePeriodic, now: now)
                }
            } else {
                connectors[id] = connector
                if profile.autoSessions, connector.operative, connector.status == .available, now >= connector.nextArrival,
                    reservations.values.allSatisfy({ $0.connectorId != id })
                {
                    let idTag = profile.idTags.isEmpty ? "04A1B2C3D4" : profile.idTags[nextIdTag % profile.idTags.count]
                    nextIdTag += 1
                    await startSession(connectorId: id, idTag: idTag, authorizeFirst: true)
                }
            }
        }
    }

    /// Connector 1 faults once, as ``ChargerProfile/faultAfter`` says (ending its session if one runs), and recovers
    /// two minutes later.
    private func simulateFault(now: Date) async throws {
        guard let after = profile.faultAfter, !faultOver, let connector = connectors[1] else { return }
        if let faultedAt {
            guard now.timeIntervalSince(faultedAt) >= 120 else { return }
            faultOver = true
            try await sendStatus(connectorId: 1, .available)
        } else if now.timeIntervalSince(madeAt) >= Double(after.components.seconds) {
            // A ground fault ends a running session at once, as a real charger's would.
            if connector.transactionId != nil { await stopSession(connectorId: 1, reason: .emergencyStop) }
            // Stamped after the stop's own status changes, so that it is the newest; told again on the next tick when
            // the call fails (the connection lost), so the central system hears the codes.
            connectors[1]?.status = .faulted
            _ = try await call(
                OCPP16.StatusNotificationRequest(
                    connectorId: 1, errorCode: .groundFailure, status: .faulted, timestamp: Date(),
                    vendorId: "Gridside", vendorErrorCode: "SIM-E42"))
            faultedAt = now
            logger.notice("connector 1 faulted, as asked (--fault-after)")
        }
    }
}
