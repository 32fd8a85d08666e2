import Foundation
import Logging
import OCPP

extension SimulatedCharger {
    /// Handles one frame from the central system: answers resolve our calls; calls get an answer, and what
    /// they ask for that takes longer (a remote start, a firmware update) happens afterwards.
    func receive(_ bytes: [UInt8], queue: OutgoingCallQueue, send: @Sendable ([UInt8]) async throws -> Void) async {
        let frame: OCPPFrame
        do {
            frame = try OCPPFrame.decode(bytes)
        } catch {
            logger.warning("central system sent an undecodable frame", metadata: ["error": "\(error)"])
            return
        }
        guard case .call(let call) = frame else {
            await queue.resolve(frame)
            return
        }
        let answer: OCPPFrame
        var followUp: (@Sendable () async -> Void)?
        do {
            let (payload, then) = try respond(to: call)
            answer = .callResult(.init(uniqueId: call.uniqueId, payload: payload))
            followUp = then
        } catch let error as OCPPError {
            answer = .callError(.init(uniqueId: call.uniqueId, error: error))
        } catch {
            answer = .callError(.init(uniqueId: call.uniqueId, error: OCPPError(.internalError, "\(error)")))
        }
        counters.callsAnswered += 1
        try? await send(answer.encoded())
        if let followUp { followUpSink.yield(followUp) }
    }

    private typealias Answer = (payload: [UInt8], then: (@Sendable () async -> Void)?)

    private func respond(to call: OCPPFrame.Call) throws -> Answer {
        if let answer = try answerCore(call) ?? answerManagement(call) ?? answerSmartCharging(call) { return answer }
        if OCPP16.requestType(forAction: call.action, direction: .fromStation) != nil {
            throw OCPPError(.notSupported, "\(call.action) is sent by a charger, not to one")
        }
        throw OCPPError(.notImplemented, "unknown action \(call.action)")
    }

    /// Decodes the call's payload as `Request`, and encodes what `body` answers.
    private func reply<Request: OCPPRequest>(
        _ call: OCPPFrame.Call, _: Request.Type, _ body: (Request) throws -> (Request.Response, (@Sendable () async -> Void)?)
    ) throws -> Answer {
        let coder = PayloadCoder()
        let request = try coder.decode(Request.self, from: call.payload)
        let (response, then) = try body(request)
        return (try coder.encode(response), then)
    }

    /// Core profile: sessions started and stopped remotely, availability, reset, unlock, configuration. Nil for another action.
    private func answerCore(_ call: OCPPFrame.Call) throws -> Answer? {
        switch call.action {
        case OCPP16.RemoteStartTransactionRequest.action:
            return try reply(call, OCPP16.RemoteStartTransactionRequest.self) { request in
                let id =
                    request.connectorId
                    ?? connectors.keys.sorted().first { connectors[$0]!.transactionId == nil && connectors[$0]!.operative }
                guard let id, let connector = connectors[id], connector.transactionId == nil, connector.operative else {
                    return (.init(status: .rejected), nil)
                }
                if let profile = request.chargingProfile { limits.set(profile, connectorId: id) }
                let idTag = request.idTag.value
                return (
                    .init(status: .accepted), { await self.startSession(connectorId: id, idTag: idTag, authorizeFirst: false) }
                )
            }
        case OCPP16.RemoteStopTransactionRequest.action:
            return try reply(call, OCPP16.RemoteStopTransactionRequest.self) { request in
                guard let id = connectors.first(where: { $0.value.transactionId == request.transactionId })?.key else {
                    return (.init(status: .rejected), nil)
                }
                return (.init(status: .accepted), { await self.stopSession(connectorId: id, reason: .remote) })
            }
        case OCPP16.ChangeAvailabilityRequest.action:
            return try reply(call, OCPP16.ChangeAvailabilityRequest.self) { request in
                let operative = request.type == .operative
                let targets = request.connectorId == 0 ? Array(connectors.keys) : [request.connectorId]
                guard targets.allSatisfy({ connectors[$0] != nil }) else { return (.init(status: .rejected), nil) }
                let busy = targets.contains { connectors[$0]!.transactionId != nil }
                for id in targets { connectors[id]!.operative = operative }
                return (
                    .init(status: busy && !operative ? .scheduled : .accepted),
                    {
                        for id in targets.sorted() where await self.isIdle(id) {
                            try? await self.sendStatus(connectorId: id, operative ? .available : .unavailable)
                        }
                    }
                )
            }
        case OCPP16.ResetRequest.action:
            return try reply(call, OCPP16.ResetRequest.self) { request in
                let reason: OCPP16.Reason = request.type == .hard ? .hardReset : .softReset
                return (.init(status: .accepted), { await self.reboot(reason: reason) })
            }
        case OCPP16.UnlockConnectorRequest.action:
            return try reply(call, OCPP16.UnlockConnectorRequest.self) { request in
                guard connectors[request.connectorId] != nil else { return (.init(status: .notSupported), nil) }
                return (.init(status: .unlocked), nil)
            }
        case OCPP16.ChangeConfigurationRequest.action:
            return try reply(call, OCPP16.ChangeConfigurationRequest.self) { request in
                guard let setting = settings[request.key.value] else { return (.init(status: .notSupported), nil) }
                guard !setting.readonly else { return (.init(status: .rejected), nil) }
                settings[request.key.value]?.value = request.value.value
                if request.key.value == "HeartbeatInterval", let seconds = Double(request.value.value) {
                    heartbeatInterval = seconds
                }
                return (.init(status: .accepted), nil)
            }
        case OCPP16.GetConfigurationRequest.action:
            return try reply(call, OCPP16.GetConfigurationRequest.self) { request in
                let wanted = request.key?.map(\.value) ?? settings.keys.sorted()
                let known = wanted.filter { settings[$0] != nil }
                let unknown = wanted.filter { settings[$0] == nil }
                let keys = try known.map { key in
                    OCPP16.KeyValue(
                        key: try CiString50(key), readonly: settings[key]!.readonly, value: try CiString500(settings[key]!.value))
                }
                return (
                    .init(configurationKey: keys, unknownKey: unknown.isEmpty ? nil : try unknown.map { try CiString50($0) }), nil
                )
            }
        default:
            return nil
        }
    }

    /// The cache and data transfer (core), remote trigger, firmware management, local authorization list and
    /// reservation profiles. Nil for another action.
    private func answerManagement(_ call: OCPPFrame.Call) throws -> Answer? {
        switch call.action {
        case OCPP16.TriggerMessageRequest.action:
            return try reply(call, OCPP16.TriggerMessageRequest.self) { request in
                let message = request.requestedMessage
                let connectorId = request.connectorId
                return (.init(status: .accepted), { await self.sendTriggered(message, connectorId: connectorId) })
            }
        case OCPP16.UpdateFirmwareRequest.action:
            return try reply(call, OCPP16.UpdateFirmwareRequest.self) { request in
                (.init(), { await self.updateFirmware(request) })
            }
        case OCPP16.GetDiagnosticsRequest.action:
            return try reply(call, OCPP16.GetDiagnosticsRequest.self) { request in
                let name = "diagnostics-\(profile.stationId)-\(Int(Date().timeIntervalSince1970)).log"
                return (.init(fileName: try CiString255(name)), { await self.uploadDiagnostics(request, fileName: name) })
            }
        case OCPP16.SendLocalListRequest.action:
            return try reply(call, OCPP16.SendLocalListRequest.self) { request in
                if request.updateType == .differential, request.listVersion <= localList.version {
                    return (.init(status: .versionMismatch), nil)
                }
                if request.updateType == .full { localList.entries = [:] }
                for entry in request.localAuthorizationList ?? [] {
                    localList.entries[entry.idTag.value] = entry.idTagInfo
                }
                localList.version = request.listVersion
                return (.init(status: .accepted), nil)
            }
        case OCPP16.GetLocalListVersionRequest.action:
            return try reply(call, OCPP16.GetLocalListVersionRequest.self) { _ in (.init(listVersion: localList.version), nil) }
        case OCPP16.ReserveNowRequest.action:
            return try reply(call, OCPP16.ReserveNowRequest.self) { request in
                guard let connector = connectors[request.connectorId] else { return (.init(status: .rejected), nil) }
                guard connector.operative else { return (.init(status: .unavailable), nil) }
                guard connector.transactionId == nil, connector.status == .available else {
                    return (.init(status: .occupied), nil)
                }
                reservations[request.reservationId] = Reservation(
                    connectorId: request.connectorId, idTag: request.idTag.value, expiry: request.expiryDate)
                let id = request.connectorId
                return (.init(status: .accepted), { try? await self.sendStatus(connectorId: id, .reserved) })
            }
        case OCPP16.CancelReservationRequest.action:
            return try reply(call, OCPP16.CancelReservationRequest.self) { request in
                guard let reservation = reservations.removeValue(forKey: request.reservationId) else {
                    return (.init(status: .rejected), nil)
                }
                return (
                    .init(status: .accepted), { try? await self.sendStatus(connectorId: reservation.connectorId, .available) }
                )
            }
        case OCPP16.ClearCacheRequest.action:
            return try reply(call, OCPP16.ClearCacheRequest.self) { _ in (.init(status: .accepted), nil) }
        case OCPP16.DataTransferRequest.action:
            return try reply(call, OCPP16.DataTransferRequest.self) { _ in (.init(status: .unknownVendorId), nil) }
        default:
            return nil
        }
    }

    /// Smart charging profile: limits set, cleared and reported. Nil for another action.
    private func answerSmartCharging(_ call: OCPPFrame.Call) throws -> Answer? {
        switch call.action {
        case OCPP16.SetChargingProfileRequest.action:
            return try reply(call, OCPP16.SetChargingProfileRequest.self) { request in
                let profile = request.csChargingProfiles
                guard request.connectorId == 0 || connectors[request.connectorId] != nil else {
                    return (.init(status: .rejected), nil)
                }
                if profile.chargingProfilePurpose == .txProfile, connectors[request.connectorId]?.transactionId == nil {
                    return (.init(status: .rejected), nil)
                }
                limits.set(profile, connectorId: request.connectorId)
                let ids = request.connectorId == 0 ? Array(connectors.keys) : [request.connectorId]
                let delay = self.profile.responseDelay
                return (
                    .init(status: .accepted),
                    {
                        // The car follows the new limit after a moment, as real ones do.
                        try? await Task.sleep(for: delay)
                        for id in ids { try? await self.adjustDraw(connectorId: id, now: Date()) }
                    }
                )
            }
        case OCPP16.ClearChargingProfileRequest.action:
            return try reply(call, OCPP16.ClearChargingProfileRequest.self) { request in
                let removed = limits.clear(
                    id: request.id, connectorId: request.connectorId, purpose: request.chargingProfilePurpose,
                    stackLevel: request.stackLevel)
                let ids = Array(connectors.keys)
                return (
                    .init(status: removed > 0 ? .accepted : .unknown),
                    { for id in ids { try? await self.adjustDraw(connectorId: id, now: Date()) } }
                )
            }
        case OCPP16.GetCompositeScheduleRequest.action:
            return try reply(call, OCPP16.GetCompositeScheduleRequest.self) { request in
                guard request.connectorId == 0 || connectors[request.connectorId] != nil else {
                    return (.init(status: .rejected), nil)
                }
                let active = connectors[request.connectorId]?.transactionId != nil
                let limit =
                    limits.limit(
                        connectorId: request.connectorId, transactionActive: active, at: Date(), voltage: profile.voltage,
                        phases: profile.phases) ?? profile.maxCurrent
                let schedule = OCPP16.ChargingSchedule(
                    duration: request.duration, startSchedule: Date(), chargingRateUnit: .a,
                    chargingSchedulePeriod: [.init(startPeriod: 0, limit: (limit * 10).rounded() / 10)])
                return (
                    .init(status: .accepted, connectorId: request.connectorId, scheduleStart: Date(), chargingSchedule: schedule),
                    nil
                )
            }
        default:
            return nil
        }
    }

    func isIdle(_ connectorId: Int) -> Bool { connectors[connectorId]?.transactionId == nil }

    private func sendTriggered(_ message: OCPP16.MessageTrigger, connectorId: Int?) async {
        do {
            switch message {
            case .bootNotification:
                _ = try await call(
                    OCPP16.BootNotificationRequest(
                        chargePointVendor: try CiString20(profile.vendor), chargePointModel: try CiString20(profile.model),
                        firmwareVersion: try CiString50(firmwareVersion)))
            case .heartbeat:
                _ = try await call(OCPP16.HeartbeatRequest())
            case .statusNotification:
                for id in connectorId.map({ [$0] }) ?? connectors.keys.sorted() {
                    if let status = connectors[id]?.status { try await sendStatus(connectorId: id, status) }
                }
            case .meterValues:
                for id in connectorId.map({ [$0] }) ?? connectors.keys.sorted() where connectors[id] != nil {
                    try await sendMeterValues(connectorId: id, context: .trigger, now: Date())
                }
            case .firmwareStatusNotification:
                _ = try await call(OCPP16.FirmwareStatusNotificationRequest(status: .idle))
            case .diagnosticsStatusNotification:
                _ = try await call(OCPP16.DiagnosticsStatusNotificationRequest(status: .idle))
            }
        } catch {
            logger.warning("triggered message failed", metadata: ["message": "\(message.rawValue)", "error": "\(error)"])
        }
    }

    /// Downloads the image (from its retrieve date, with the retries asked for), then installs it and reboots,
    /// reporting each step; a download that keeps failing ends in DownloadFailed and the old firmware stays.
    private func updateFirmware(_ request: OCPP16.UpdateFirmwareRequest) async {
        let wait = request.retrieveDate.timeIntervalSinceNow
        if wait > 0 { try? await Task.sleep(for: .seconds(min(wait, 86_400))) }
        let attempts = 1 + max(0, min(request.retries ?? 2, 10))
        var size: Int?
        for attempt in 1...attempts {
            _ = try? await call(OCPP16.FirmwareStatusNotificationRequest(status: .downloading))
            do {
                size = try await profile.firmware.download(request.location)
                break
            } catch {
                logger.warning(
                    "firmware download failed",
                    metadata: ["location": "\(request.location)", "attempt": "\(attempt)", "error": "\(error)"])
                if attempt < attempts { try? await Task.sleep(for: .seconds(max(1, min(request.retryInterval ?? 5, 3600)))) }
            }
        }
        guard let size else {
            _ = try? await call(OCPP16.FirmwareStatusNotificationRequest(status: .downloadFailed))
            return
        }
        logger.info("firmware downloaded", metadata: ["location": "\(request.location)", "bytes": "\(size)"])
        for status: OCPP16.FirmwareStatus in [.downloaded, .installing, .installed] {
            try? await Task.sleep(for: .milliseconds(200))
            _ = try? await call(OCPP16.FirmwareStatusNotificationRequest(status: status))
        }
        let version = request.location.split(separator: "/").last.map(String.init) ?? "updated"
        firmwareVersion = String(version.prefix(50))
        logger.info("firmware installed; rebooting", metadata: ["version": "\(firmwareVersion)"])
        await reboot(reason: .reboot)
    }

    /// Writes a log of what this simulated charger is doing and uploads it where the request says, with the retries
    /// asked for, reporting Uploading, then Uploaded or UploadFailed.
    private func uploadDiagnostics(_ request: OCPP16.GetDiagnosticsRequest, fileName: String) async {
        var lines = [
            "\(Date().ISO8601Format()) diagnostics of \(profile.stationId): \(profile.vendor) \(profile.model), firmware \(firmwareVersion)"
        ]
        for id in connectors.keys.sorted() {
            guard let connector = connectors[id] else { continue }
            lines.append(
                "connector \(id): \(connector.status.rawValue), transaction \(connector.transactionId.map(String.init) ?? "none")"
            )
        }
        let content = Array((lines.joined(separator: "\n") + "\n").utf8)
        let attempts = 1 + max(0, min(request.retries ?? 2, 10))
        _ = try? await call(OCPP16.DiagnosticsStatusNotificationRequest(status: .uploading))
        for attempt in 1...attempts {
            do {
                try await profile.firmware.upload(content, to: request.location, fileName: fileName)
                logger.info("diagnostics uploaded", metadata: ["bytes": "\(content.count)"])
                _ = try? await call(OCPP16.DiagnosticsStatusNotificationRequest(status: .uploaded))
                return
            } catch {
                logger.warning(
                    "diagnostics upload failed", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                if attempt < attempts { try? await Task.sleep(for: .seconds(max(1, min(request.retryInterval ?? 5, 3600)))) }
            }
        }
        _ = try? await call(OCPP16.DiagnosticsStatusNotificationRequest(status: .uploadFailed))
    }

    /// Stops running sessions and reconnects, as a charger does after a reset.
    func reboot(reason: OCPP16.Reason) async {
        for id in connectors.keys.sorted() where connectors[id]?.transactionId != nil {
            await stopSession(connectorId: id, reason: reason)
        }
        rebootRequested = true
    }
}
