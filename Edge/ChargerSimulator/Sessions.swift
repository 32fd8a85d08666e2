import Foundation
import Logging
import OCPP

extension SimulatedCharger {
    /// A car arrives: authorize (unless the central system started it remotely), start the transaction, charge.
    func startSession(connectorId: Int, idTag: String, authorizeFirst: Bool) async {
        guard var connector = connectors[connectorId], connector.transactionId == nil, connector.operative else { return }
        do {
            connector.car = ElectricVehicle.random(using: &rng)
            connector.idTag = idTag
            connectors[connectorId] = connector
            try await sendStatus(connectorId: connectorId, .preparing)
            let tag = try CiString20(idTag)
            if authorizeFirst, localList.entries[idTag]?.status != .accepted {
                let answer = try await call(OCPP16.AuthorizeRequest(idTag: tag))
                guard answer.idTagInfo.status == .accepted else {
                    logger.info(
                        "token refused", metadata: ["idTag": "\(idTag)", "status": "\(answer.idTagInfo.status.rawValue)"])
                    try await endVisit(connectorId: connectorId)
                    return
                }
            }
            let reservation = reservations.first { $0.value.connectorId == connectorId && $0.value.idTag == idTag }?.key
            if let reservation { reservations[reservation] = nil }
            let start = try await call(
                OCPP16.StartTransactionRequest(
                    connectorId: connectorId, idTag: tag, meterStart: Int(connectors[connectorId]!.meterWh),
                    reservationId: reservation, timestamp: Date()))
            guard start.idTagInfo.status == .accepted else {
                connectors[connectorId]?.transactionId = start.transactionId
                await stopSession(connectorId: connectorId, reason: .deAuthorized)
                return
            }
            connectors[connectorId]?.transactionId = start.transactionId
            connectors[connectorId]?.lastMeterValues = Date()
            counters.sessionsStarted += 1
            logger.info("session started", metadata: ["connector": "\(connectorId)", "transactionId": "\(start.transactionId)"])
            try await adjustDraw(connectorId: connectorId, now: Date())
        } catch {
            logger.warning("session start failed", metadata: ["connector": "\(connectorId)", "error": "\(error)"])
            connectors[connectorId]?.car = nil
            connectors[connectorId]?.transactionId = nil
        }
    }

    /// The session ends: stop the transaction with its final readings, and the car leaves.
    func stopSession(connectorId: Int, reason: OCPP16.Reason) async {
        guard let connector = connectors[connectorId], let transactionId = connector.transactionId else { return }
        let now = Date()
        do {
            _ = try await call(
                OCPP16.StopTransactionRequest(
                    idTag: connector.idTag.flatMap { try? CiString20($0) }, meterStop: Int(connector.meterWh), timestamp: now,
                    transactionId: transactionId, reason: reason,
                    transactionData: [meterValue(connectorId: connectorId, context: .transactionEnd, now: now)]))
            counters.sessionsStopped += 1
            logger.info("session stopped", metadata: ["transactionId": "\(transactionId)", "reason": "\(reason.rawValue)"])
        } catch {
            logger.warning("session stop not acknowledged", metadata: ["transactionId": "\(transactionId)", "error": "\(error)"])
        }
        connectors[connectorId]?.transactionId = nil
        limits.endTransaction(connectorId: connectorId)
        try? await endVisit(connectorId: connectorId)
    }

    private func endVisit(connectorId: Int) async throws {
        connectors[connectorId]?.car = nil
        connectors[connectorId]?.idTag = nil
        connectors[connectorId]?.drawn = 0
        publishDraw()
        connectors[connectorId]?.nextArrival = Date().addingTimeInterval(Double.random(in: profile.idleSeconds, using: &rng))
        try await sendStatus(connectorId: connectorId, .finishing)
        let operative = connectors[connectorId]?.operative ?? true
        try await sendStatus(connectorId: connectorId, operative ? .available : .unavailable)
    }

    /// Sets what the car draws from the limit the charging profiles allow now, and reports a state change.
    func adjustDraw(connectorId: Int, now: Date) async throws {
        guard var connector = connectors[connectorId], connector.transactionId != nil, let car = connector.car else { return }
        let limit =
            limits.limit(
                connectorId: connectorId, transactionActive: true, at: now, voltage: profile.voltage, phases: profile.phases)
            ?? profile.maxCurrent
        connector.offered = max(0, min(limit, profile.maxCurrent))
        connector.drawn = car.draw(offered: connector.offered)
        connectors[connectorId] = connector
        publishDraw()
        let status: OCPP16.ChargePointStatus =
            connector.offered < 6 ? .suspendedEVSE : (connector.drawn <= 0 ? .suspendedEV : .charging)
        // Offline, the charger keeps charging under its profiles; the central system hears of the state on reconnection.
        if status != connector.status, outgoing != nil { try await sendStatus(connectorId: connectorId, status) }
    }

    /// While the connection is down, cars go on charging and the charger keeps applying its charging profiles
    /// (a lease that runs out falls back to the default profile), as a real charger does.
    func offlineTick(now: Date) async {
        guard outgoing == nil else { return }
        for id in connectors.keys.sorted() {
            guard var connector = connectors[id], connector.transactionId != nil, var car = connector.car else { continue }
            let elapsed = now.timeIntervalSince(connector.lastTick) * profile.speed
            connector.lastTick = now
            connector.meterWh += car.charge(current: connector.drawn, voltage: profile.voltage, seconds: elapsed)
            connector.car = car
            connectors[id] = connector
            try? await adjustDraw(connectorId: id, now: now)
        }
    }

    /// Tells the site what this charger draws on each grid phase, through its phase rotation.
    func publishDraw() {
        guard let siteLoad else { return }
        var grid = [0.0, 0.0, 0.0]
        for connector in connectors.values where connector.transactionId != nil {
            let phases = min(connector.car?.phases ?? profile.phases, profile.phases, profile.gridPhases.count)
            for index in 0..<phases { grid[profile.gridPhases[index]] += connector.drawn }
        }
        siteLoad.set(grid, station: profile.stationId)
    }

    func sendStatus(connectorId: Int, _ status: OCPP16.ChargePointStatus) async throws {
        if connectorId > 0 { connectors[connectorId]?.status = status }
        _ = try await call(
            OCPP16.StatusNotificationRequest(connectorId: connectorId, errorCode: .noError, status: status, timestamp: Date()))
    }

    func sendMeterValues(connectorId: Int, context: OCPP16.ReadingContext, now: Date) async throws {
        guard let connector = connectors[connectorId] else { return }
        connectors[connectorId]?.lastMeterValues = now
        _ = try await call(
            OCPP16.MeterValuesRequest(
                connectorId: connectorId, transactionId: connector.transactionId,
                meterValue: [meterValue(connectorId: connectorId, context: context, now: now)]))
        counters.meterValuesSent += 1
    }

    func meterValue(connectorId: Int, context: OCPP16.ReadingContext, now: Date) -> OCPP16.MeterValue {
        let connector = connectors[connectorId]!
        let phases = min(connector.car?.phases ?? profile.phases, profile.phases)
        var values: [OCPP16.SampledValue] = [
            .init(value: String(Int(connector.meterWh)), context: context, measurand: .energyActiveImportRegister, unit: .wh),
            .init(
                value: String(format: "%.0f", connector.drawn * profile.voltage * Double(phases)), context: context,
                measurand: .powerActiveImport, unit: .w),
            .init(value: String(format: "%.1f", connector.offered), context: context, measurand: .currentOffered, unit: .a),
        ]
        let phaseNames: [OCPP16.Phase] = [.l1, .l2, .l3]
        for index in 0..<min(phases, 3) {
            values.append(
                .init(
                    value: String(format: "%.2f", connector.drawn), context: context, measurand: .currentImport,
                    phase: phaseNames[index], unit: .a))
        }
        values.append(
            .init(value: String(format: "%.1f", profile.voltage), context: context, measurand: .voltage, phase: .l1N, unit: .v))
        if let car = connector.car {
            values.append(
                .init(
                    value: String(format: "%.1f", car.stateOfCharge), context: context, measurand: .soc, location: .ev,
                    unit: .percent))
        }
        return OCPP16.MeterValue(timestamp: now, sampledValue: values)
    }
}
