import EdgeStore
import Foundation
import Logging
import OCPP
import SiteModel
import WireJSON

/// Answers the CALLs an OCPP 1.6 station sends, recording what they report before answering.
struct OCPP16Handler: Sendable {
    let store: EdgeStore
    let authorizer: Authorizer
    let heartbeatInterval: Int
    let live: LiveConnectors
    let metrics: EdgeMetrics
    let now: @Sendable () -> Date
    let coder = PayloadCoder()

    /// All a station that is not accepted may send (OCPP 1.6, 4.2.1: a Pending station is only to boot again); anything
    /// else would let an unknown device charge, write sessions or feed load management before an operator approved it.
    static let allowedBeforeAcceptance: Set<String> = [
        OCPP16.BootNotificationRequest.action, OCPP16.HeartbeatRequest.action,
    ]

    func handle(_ call: OCPPFrame.Call, session: StationSession) async -> OCPPFrame {
        do {
            let payload = try await dispatch(call, session: session)
            return .callResult(.init(uniqueId: call.uniqueId, payload: payload))
        } catch let error as OCPPError {
            return .callError(.init(uniqueId: call.uniqueId, error: error))
        } catch {
            session.logger.error(
                "could not record a station's message; it will retry",
                metadata: ["action": "\(call.action)", "error": "\(error)"])
            return .callError(
                .init(uniqueId: call.uniqueId, error: OCPPError(.internalError, "could not be stored; retry later")))
        }
    }

    private func dispatch(_ call: OCPPFrame.Call, session: StationSession) async throws -> [UInt8] {
        if session.approval != .accepted, !Self.allowedBeforeAcceptance.contains(call.action) {
            throw OCPPError(.securityError, "station is not accepted by the central system yet: only BootNotification")
        }
        if let kind = Self.quotaKind[call.action], !session.allow(kind, now: now()) {
            metrics.rateLimited(action: call.action)
            throw OCPPError(
                .genericError, "too many \(call.action) messages from this station; it is kept again in a moment")
        }
        switch call.action {
        case OCPP16.BootNotificationRequest.action: return try await run(call) { try await bootNotification($0, session) }
        case OCPP16.HeartbeatRequest.action:
            return try await run(call) { (_: OCPP16.HeartbeatRequest) in .init(currentTime: now()) }
        case OCPP16.StatusNotificationRequest.action: return try await run(call) { try await statusNotification($0, session) }
        case OCPP16.AuthorizeRequest.action: return try await run(call) { try await authorize($0, session) }
        case OCPP16.StartTransactionRequest.action: return try await run(call) { try await startTransaction($0, session) }
        case OCPP16.StopTransactionRequest.action:
            let request = try decodeStop(call.payload, session: session)
            return try coder.encode(try await stopTransaction(request, session))
        case OCPP16.MeterValuesRequest.action: return try await run(call) { try await meterValues($0, session) }
        case OCPP16.DataTransferRequest.action: return try await run(call) { try await dataTransfer($0, session) }
        case OCPP16.FirmwareStatusNotificationRequest.action:
            return try await run(call) { (request: OCPP16.FirmwareStatusNotificationRequest) in
                try await record(session, kind: "firmware_status", ["status": request.status.rawValue])
                return .init()
            }
        case OCPP16.SignedFirmwareStatusNotificationRequest.action:
            // Kept as the same kind as an unsigned update's status, with the update's request id.
            return try await run(call) { (request: OCPP16.SignedFirmwareStatusNotificationRequest) in
                var detail = ["status": request.status.rawValue, "signed": "true"]
                detail["requestId"] = request.requestId.map(String.init)
                try await record(session, kind: "firmware_status", detail)
                return .init()
            }
        case OCPP16.SecurityEventNotificationRequest.action:
            return try await run(call) { (request: OCPP16.SecurityEventNotificationRequest) in
                var detail = ["type": request.type.value, "time": RFC3339.format(request.timestamp)]
                detail["techInfo"] = request.techInfo?.value
                session.logger.notice("security event from the station", metadata: ["type": "\(request.type.value)"])
                try await record(session, kind: "security_event", detail)
                return .init()
            }
        case OCPP16.DiagnosticsStatusNotificationRequest.action:
            return try await run(call) { (request: OCPP16.DiagnosticsStatusNotificationRequest) in
                try await record(session, kind: "diagnostics_status", ["status": request.status.rawValue])
                return .init()
            }
        default:
            if OCPP16.requestType(forAction: call.action, direction: .toStation) != nil {
                throw OCPPError(.notSupported, "\(call.action) is sent by a central system, not to one")
            }
            throw OCPPError(.notImplemented, "action '\(call.action)' is not an OCPP 1.6 action")
        }
    }

    /// A stop whose optional meter data breaks the schema still closes its session: refusing it would make
    /// the charger resend it forever. Errors in the stop's own fields are refused as usual.
    private func decodeStop(_ payload: [UInt8], session: StationSession) throws -> OCPP16.StopTransactionRequest {
        do {
            return try coder.decode(OCPP16.StopTransactionRequest.self, from: payload)
        } catch {
            guard error.field?.hasPrefix("transactionData") == true else { throw error }
            let stop = try coder.decode(StopWithoutData.self, from: payload)
            session.logger.warning(
                "stop accepted without its transactionData, which breaks the schema",
                metadata: ["transactionId": "\(stop.transactionId)", "error": "\(error)"])
            return OCPP16.StopTransactionRequest(
                idTag: stop.idTag, meterStop: stop.meterStop, timestamp: stop.timestamp, transactionId: stop.transactionId,
                reason: stop.reason)
        }
    }

    /// The fields of StopTransaction without its meter data.
    private struct StopWithoutData: Decodable {
        let idTag: CiString20?
        let meterStop: Int
        let timestamp: Date
        let transactionId: Int
        let reason: OCPP16.Reason?
    }

    private func run<Request: OCPPRequest>(
        _ call: OCPPFrame.Call, _ body: (Request) async throws -> Request.Response
    ) async throws -> [UInt8] {
        let request = try coder.decode(Request.self, from: call.payload)
        return try coder.encode(try await body(request))
    }

    // MARK: Actions

    private func bootNotification(
        _ request: OCPP16.BootNotificationRequest, _ session: StationSession
    ) async throws -> OCPP16.BootNotificationResponse {
        let info = StationInfo(
            vendor: request.chargePointVendor.value, model: request.chargePointModel.value,
            serialNumber: request.chargePointSerialNumber?.value, chargeBoxSerialNumber: request.chargeBoxSerialNumber?.value,
            firmwareVersion: request.firmwareVersion?.value, iccid: request.iccid?.value, imsi: request.imsi?.value,
            meterType: request.meterType?.value, meterSerialNumber: request.meterSerialNumber?.value)
        let record = try await store.recordBoot(stationId: session.stationId, info: info, at: now())
        let status: OCPP16.RegistrationStatus
        switch record.approval {
        case .accepted: status = .accepted
        case .pending: status = .pending
        case .rejected: status = .rejected
        }
        session.approval = record.approval == .accepted ? .accepted : (record.approval == .pending ? .pending : .rejected)
        session.logger.info(
            "station booted",
            metadata: [
                "vendor": "\(info.vendor)", "model": "\(info.model)", "firmware": "\(info.firmwareVersion ?? "-")",
                "status": "\(status.rawValue)",
            ])
        // A pending station asks again sooner, so an approval takes effect quickly.
        let interval = status == .accepted ? heartbeatInterval : min(heartbeatInterval, 60)
        return .init(status: status, currentTime: now(), interval: interval)
    }

    private func statusNotification(
        _ request: OCPP16.StatusNotificationRequest, _ session: StationSession
    ) async throws -> OCPP16.StatusNotificationResponse {
        let state = ConnectorState(
            stationId: session.stationId, connectorId: request.connectorId,
            status: ConnectorStatus(rawValue: request.status.rawValue) ?? .unavailable,
            errorCode: request.errorCode.rawValue, info: request.info?.value, vendorId: request.vendorId?.value,
            vendorErrorCode: request.vendorErrorCode?.value, timestamp: chargerTime(request.timestamp ?? now(), session))
        try await store.recordStatus(state, receivedAt: now())
        live.status(state.status, station: session.stationId, connector: request.connectorId)
        if request.errorCode != .noError {
            session.logger.warning(
                "connector reports an error",
                metadata: [
                    "connector": "\(request.connectorId)", "errorCode": "\(request.errorCode.rawValue)",
                    "vendorErrorCode": "\(request.vendorErrorCode?.value ?? "-")", "info": "\(request.info?.value ?? "-")",
                ])
        }
        return .init()
    }

    private func authorize(_ request: OCPP16.AuthorizeRequest, _ session: StationSession) async throws -> OCPP16.AuthorizeResponse
    {
        let verdict = try await authorizer.verdict(for: request.idTag.value, station: session.stationId, now: now())
        session.logger.info("token authorized", metadata: ["idTag": "\(request.idTag)", "status": "\(verdict.status.rawValue)"])
        return .init(idTagInfo: Self.idTagInfo(verdict))
    }

    private func startTransaction(
        _ request: OCPP16.StartTransactionRequest, _ session: StationSession
    ) async throws -> OCPP16.StartTransactionResponse {
        let verdict = try await authorizer.verdict(for: request.idTag.value, station: session.stationId, now: now())
        let outcome = try await store.startSession(
            SessionStart(
                stationId: session.stationId, connectorId: request.connectorId, idTag: request.idTag.value,
                meterStartWh: Double(request.meterStart), timestamp: chargerTime(request.timestamp, session),
                reservationId: request.reservationId,
                authStatus: verdict.status),
            receivedAt: now())
        live.started(
            transactionId: outcome.transactionId, station: session.stationId, connector: request.connectorId,
            at: chargerTime(request.timestamp, session))
        session.logger.info(
            outcome.wasRetry ? "repeated session start answered with its transaction id" : "session started",
            metadata: [
                "connector": "\(request.connectorId)", "transactionId": "\(outcome.transactionId)", "idTag": "\(request.idTag)",
                "auth": "\(verdict.status.rawValue)",
            ])
        return .init(idTagInfo: Self.idTagInfo(verdict), transactionId: outcome.transactionId)
    }

    private func stopTransaction(
        _ request: OCPP16.StopTransactionRequest, _ session: StationSession
    ) async throws -> OCPP16.StopTransactionResponse {
        var dropped = 0
        let samples = (request.transactionData ?? []).map { Self.sample($0, dropped: &dropped) }.map { sample in
            var sample = sample
            sample.timestamp = chargerTime(sample.timestamp, session)
            return sample
        }
        if dropped > 0 {
            session.logger.warning("dropped unreadable values from a session's stop data", metadata: ["count": "\(dropped)"])
        }
        // The token's verdict is read before the stop is stored, so a failing read cannot turn an already
        // recorded stop into an error answer.
        var verdict: TokenVerdict?
        if let idTag = request.idTag {
            verdict = try await authorizer.verdict(for: idTag.value, station: session.stationId, now: now(), askRemote: false)
        }
        let outcome = try await store.stopSession(
            SessionStop(
                stationId: session.stationId, transactionId: request.transactionId, idTag: request.idTag?.value,
                meterStopWh: Double(request.meterStop), timestamp: chargerTime(request.timestamp, session),
                reason: request.reason?.rawValue,
                samples: samples),
            receivedAt: now())
        live.stopped(transactionId: request.transactionId, station: session.stationId)
        session.logger.info(
            outcome.wasRetry
                ? "repeated session stop acknowledged"
                : outcome.wasKnown ? "session stopped" : "stop of an unseen session recorded",
            metadata: ["transactionId": "\(request.transactionId)", "meterStop": "\(request.meterStop)"])
        return .init(idTagInfo: verdict.map(Self.idTagInfo))
    }

    private func meterValues(
        _ request: OCPP16.MeterValuesRequest, _ session: StationSession
    ) async throws -> OCPP16.MeterValuesResponse {
        let samples = try meterSamples(request, session)
        try await store.recordMeterValues(
            stationId: session.stationId, connectorId: request.connectorId, transactionId: request.transactionId, samples: samples
        )
        measured(samples, request, session)
        return .init()
    }

    /// MeterValues without a task, for the connection's event loop: decoded and checked here, recorded by the group
    /// commit, answered through `answer` once durable. False (nothing done) when the call is not a well-formed
    /// MeterValues: the task path then answers it, with the CALLERROR it deserves.
    func meterValuesAtOnce(
        _ call: OCPPFrame.Call, session: StationSession, answer: @escaping @Sendable (OCPPFrame) -> Void
    ) -> Bool {
        guard call.action == OCPP16.MeterValuesRequest.action, session.approval == .accepted,
            let request = try? coder.decode(OCPP16.MeterValuesRequest.self, from: call.payload),
            let samples = try? meterSamples(request, session), let response = try? coder.encode(OCPP16.MeterValuesResponse())
        else { return false }
        store.recordMeterValues(
            stationId: session.stationId, connectorId: request.connectorId, transactionId: request.transactionId,
            samples: samples
        ) { error in
            if let error {
                session.logger.error(
                    "could not record a station's message; it will retry",
                    metadata: ["action": "\(call.action)", "error": "\(error)"])
                answer(
                    .callError(
                        .init(uniqueId: call.uniqueId, error: OCPPError(.internalError, "could not be stored; retry later"))))
                return
            }
            measured(samples, request, session)
            answer(.callResult(.init(uniqueId: call.uniqueId, payload: response)))
        }
        return true
    }

    /// What load management learns from a MeterValues: the latest sample.
    private func measured(_ samples: [MeterSample], _ request: OCPP16.MeterValuesRequest, _ session: StationSession) {
        if let latest = samples.max(by: { $0.timestamp < $1.timestamp }) {
            live.measured(
                latest, transactionId: request.transactionId, station: session.stationId, connector: request.connectorId,
                now: now())
        }
    }

    /// A MeterValues' samples in base units, with charger times checked; the CALLERROR when it breaks the schema.
    private func meterSamples(_ request: OCPP16.MeterValuesRequest, _ session: StationSession) throws -> [MeterSample] {
        // The MeterValues schema wants at least one of each (StopTransaction's transactionData does not).
        guard !request.meterValue.isEmpty else {
            throw OCPPError(.occurenceConstraintViolation, "meterValue must hold at least one entry")
        }
        if let index = request.meterValue.firstIndex(where: { $0.sampledValue.isEmpty }) {
            throw OCPPError(.occurenceConstraintViolation, "meterValue[\(index)].sampledValue must hold at least one entry")
        }
        var samples: [MeterSample] = []
        for (index, value) in request.meterValue.enumerated() {
            var dropped = 0
            var sample = Self.sample(value, dropped: &dropped)
            sample.timestamp = chargerTime(sample.timestamp, session)
            samples.append(sample)
            if dropped > 0 {
                throw OCPPError(
                    .propertyConstraintViolation, "meterValue[\(index)] has a sampledValue whose value is not a number")
            }
        }
        return samples
    }

    /// What counts against a station's share of writes (security review, finding 7).
    static let quotaKind: [String: StationQuota.Kind] = [
        OCPP16.DataTransferRequest.action: .event, OCPP16.FirmwareStatusNotificationRequest.action: .event,
        OCPP16.SignedFirmwareStatusNotificationRequest.action: .event, OCPP16.SecurityEventNotificationRequest.action: .event,
        OCPP16.DiagnosticsStatusNotificationRequest.action: .event, OCPP16.StatusNotificationRequest.action: .status,
        OCPP16.AuthorizeRequest.action: .authorize, OCPP16.BootNotificationRequest.action: .boot,
    ]

    private func dataTransfer(
        _ request: OCPP16.DataTransferRequest, _ session: StationSession
    ) async throws -> OCPP16.DataTransferResponse {
        var detail = ["vendorId": request.vendorId.value]
        detail["messageId"] = request.messageId?.value
        if let data = request.data, data.utf8.count > StationQuota.maxDataTransferBytes {
            // Kept in part: a charger cannot make the edge store (and send the cloud) megabytes per message.
            detail["data"] = String(decoding: data.utf8.prefix(StationQuota.maxDataTransferBytes), as: UTF8.self)
            detail["dataTruncatedFrom"] = String(data.utf8.count)
        } else {
            detail["data"] = request.data
        }
        try await record(session, kind: "data_transfer", detail)
        // No vendor extensions are implemented; the spec's answer for that is UnknownVendorId.
        return .init(status: .unknownVendorId)
    }

    /// A charger's timestamp, unless its clock runs ahead of the edge's (a charger that booted before NTP):
    /// such a time would make its later, real reports look older, so the edge's own time is used instead.
    private func chargerTime(_ time: Date, _ session: StationSession) -> Date {
        let edgeTime = now()
        guard time.timeIntervalSince(edgeTime) > Self.clockTolerance else { return time }
        session.logger.warning(
            "station clock is ahead of the edge's; using the edge's time",
            metadata: ["station_time": "\(RFC3339.format(time))", "edge_time": "\(RFC3339.format(edgeTime))"])
        return edgeTime
    }

    /// How far a charger's clock may run ahead before its timestamps are not trusted for ordering.
    static let clockTolerance: TimeInterval = 300

    private func record(_ session: StationSession, kind: String, _ detail: [String: String]) async throws {
        let json = String(decoding: try JSONEncoder().encode(detail), as: UTF8.self)
        try await store.recordEvent(StationEvent(stationId: session.stationId, kind: kind, detail: json, timestamp: now()))
    }

    // MARK: Mapping to the version-neutral model

    static func idTagInfo(_ verdict: TokenVerdict) -> OCPP16.IdTagInfo {
        OCPP16.IdTagInfo(
            expiryDate: verdict.expiry, parentIdTag: verdict.parentIdTag.flatMap { try? CiString20($0) },
            status: OCPP16.AuthorizationStatus(rawValue: verdict.status.rawValue) ?? .invalid)
    }

    /// Converts a 1.6 meter value to base units; counts readings whose value is not a number.
    static func sample(_ value: OCPP16.MeterValue, dropped: inout Int) -> MeterSample {
        var readings: [MeterReading] = []
        for sampled in value.sampledValue {
            let measurand = sampled.measurand?.rawValue ?? Measurand.energyActiveImportRegister
            let unit = sampled.unit?.rawValue ?? UnitConversion.defaultUnit(for: measurand)
            if sampled.format == .signedData {
                readings.append(
                    MeterReading(
                        measurand: measurand, phase: sampled.phase?.rawValue, unit: unit, value: nil, signedData: sampled.value,
                        context: sampled.context?.rawValue, location: sampled.location?.rawValue))
                continue
            }
            guard let number = Double(sampled.value) ?? Double(sampled.value.trimmingCharacters(in: .whitespaces)) else {
                dropped += 1
                continue
            }
            // Checked after the conversion: 1e306 kWh is a number, but not in Wh.
            let base = UnitConversion.toBase(value: number, unit: unit)
            guard base.value.isFinite else {
                dropped += 1
                continue
            }
            readings.append(
                MeterReading(
                    measurand: measurand, phase: sampled.phase?.rawValue, unit: base.unit, value: base.value,
                    context: sampled.context?.rawValue, location: sampled.location?.rawValue))
        }
        return MeterSample(timestamp: value.timestamp, readings: readings)
    }
}
