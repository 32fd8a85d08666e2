public import Foundation
import GRDB
public import SiteModel
import SyncContract

extension EdgeStore {
    /// Records a session start and returns its transaction id.
    ///
    /// A start identical to one already recorded (same station, connector, token, meter reading and time) is
    /// a charger retrying after a lost answer: it gets the same transaction id, and no second session exists.
    public func startSession(_ start: SessionStart, receivedAt: Date) async throws -> SessionStartOutcome {
        try await write { db in
            if let existing = try Int.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT id FROM session WHERE recorded_from = 'start' AND station_id = ? AND connector_id = ?
                            AND id_tag = ? AND start_time = ? AND meter_start_wh = ?
                        """),
                arguments: [start.stationId, start.connectorId, start.idTag, start.timestamp.stored, start.meterStartWh])
            {
                return SessionStartOutcome(transactionId: existing, wasRetry: true)
            }
            // A connector charges one car at a time: an older session still open there lost its stop (a charger
            // reboot, a full offline queue). Close it at its last reading, so it does not count as charging;
            // a StopTransaction that arrives for it later still replaces these values.
            let superseded = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM session
                        WHERE station_id = ? AND connector_id = ? AND stop_time IS NULL AND start_time < ?
                        """),
                arguments: [start.stationId, start.connectorId, start.timestamp.stored]
            ).map(Self.session(from:))
            try db.cachedStatement(
                sql: """
                    UPDATE session SET stop_time = ?, meter_stop_wh = last_energy_wh, stop_reason = ?
                    WHERE station_id = ? AND connector_id = ? AND stop_time IS NULL AND start_time < ?
                    """
            ).execute(arguments: [
                start.timestamp.stored, SessionRecord.supersededReason, start.stationId, start.connectorId,
                start.timestamp.stored,
            ])
            try db.cachedStatement(
                sql: """
                    INSERT INTO session (station_id, connector_id, id_tag, auth_status, reservation_id,
                        meter_start_wh, start_time, last_energy_wh, recorded_from, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'start', ?)
                    """
            ).execute(arguments: [
                start.stationId, start.connectorId, start.idTag, start.authStatus.rawValue, start.reservationId,
                start.meterStartWh, start.timestamp.stored, start.meterStartWh, receivedAt.stored,
            ])
            let transactionId = Int(db.lastInsertedRowID)
            for old in superseded {
                try self.enqueue(
                    db,
                    .sessionStop(
                        SessionStopped(
                            station: old.stationId, connector: old.connectorId, transactionId: old.id, idTag: old.idTag,
                            meterStartWh: old.meterStartWh, startTime: old.startTime,
                            meterStopWh: old.lastEnergyWh ?? old.meterStartWh ?? 0, stopTime: start.timestamp,
                            reason: SessionRecord.supersededReason)),
                    at: receivedAt)
            }
            try self.enqueue(
                db,
                .sessionStart(
                    SessionStarted(
                        station: start.stationId, connector: start.connectorId, transactionId: transactionId,
                        idTag: start.idTag, authStatus: .known(start.authStatus), meterStartWh: start.meterStartWh,
                        startTime: start.timestamp)),
                at: receivedAt)
            return SessionStartOutcome(transactionId: transactionId, wasRetry: false)
        }
    }

    /// Records a session stop with its attached samples.
    ///
    /// A stop for a transaction the edge never saw (a charger that queued it while the edge was away, or
    /// whose start was lost) is recorded as a session of its own; a repeated stop changes nothing.
    public func stopSession(_ stop: SessionStop, receivedAt: Date) async throws -> SessionStopOutcome {
        let prepared = stop.samples.map(PreparedSample.init)
        return try await write { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT id, station_id, stop_time, stop_reason FROM session WHERE id = ?",
                arguments: [stop.transactionId])
            let ownSession = row.flatMap { ($0["station_id"] as String) == stop.stationId ? $0 : nil }
            if let ownSession {
                let sessionId: Int = ownSession["id"]
                let superseded = (ownSession["stop_reason"] as String?) == SessionRecord.supersededReason
                if (ownSession["stop_time"] as Date?) != nil, !superseded {
                    return SessionStopOutcome(sessionId: sessionId, wasKnown: true, wasRetry: true)
                }
                try self.insertSamples(db, stationId: stop.stationId, connectorId: nil, sessionId: sessionId, prepared)
                try db.execute(
                    sql: """
                        UPDATE session SET meter_stop_wh = ?, stop_time = ?, stop_reason = ?, stop_id_tag = ?,
                            last_energy_wh = ? WHERE id = ?
                        """,
                    arguments: [stop.meterStopWh, stop.timestamp.stored, stop.reason, stop.idTag, stop.meterStopWh, sessionId])
                try self.enqueueStop(db, sessionId: sessionId, at: receivedAt)
                return SessionStopOutcome(sessionId: sessionId, wasKnown: true, wasRetry: false)
            }
            // Unknown to the edge. Keep the charger's id when it is free, so later messages still match.
            if let retried = try Int.fetchOne(
                db,
                sql: "SELECT id FROM session WHERE recorded_from = 'stop' AND station_id = ? AND charger_transaction_id = ?",
                arguments: [stop.stationId, stop.transactionId])
            {
                return SessionStopOutcome(sessionId: retried, wasKnown: false, wasRetry: true)
            }
            let begin = stop.samples.first { sample in
                sample.readings.contains { $0.context == "Transaction.Begin" }
            }?.energyImportWh
            let connectorId =
                try Int.fetchOne(
                    db, sql: "SELECT connector_id FROM meter_sample WHERE station_id = ? AND session_id = ? LIMIT 1",
                    arguments: [stop.stationId, stop.transactionId]) ?? 0
            // Reuse the charger's id only when no session has it and the id sequence already passed it: an id
            // above the sequence would move it (up to SQLite's maximum, which ends all new sessions), and
            // chargers keep transaction ids in 32 bits.
            let sequence = try Int.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'session'") ?? 0
            let id: Int? = row == nil && stop.transactionId >= 1 && stop.transactionId <= sequence ? stop.transactionId : nil
            try db.execute(
                sql: """
                    INSERT INTO session (id, station_id, connector_id, id_tag, meter_start_wh, start_time,
                        meter_stop_wh, stop_time, stop_reason, stop_id_tag, last_energy_wh, recorded_from,
                        charger_transaction_id, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'stop', ?, ?)
                    """,
                arguments: [
                    id, stop.stationId, connectorId, stop.idTag, begin, stop.samples.first?.timestamp.stored,
                    stop.meterStopWh, stop.timestamp.stored, stop.reason, stop.idTag, stop.meterStopWh, stop.transactionId,
                    receivedAt.stored,
                ])
            let sessionId = Int(db.lastInsertedRowID)
            try self.insertSamples(db, stationId: stop.stationId, connectorId: connectorId, sessionId: sessionId, prepared)
            try self.enqueueStop(db, sessionId: sessionId, at: receivedAt)
            return SessionStopOutcome(sessionId: sessionId, wasKnown: false, wasRetry: false)
        }
    }

    /// Records meter samples of a connector, tied to a session when the charger named one, and keeps the
    /// session's latest energy, power, current and state of charge.
    public func recordMeterValues(
        stationId: String, connectorId: Int, transactionId: Int?, samples: [MeterSample]
    ) async throws {
        // Prepared here, on the caller's task, so the single writer only runs SQL.
        let prepared = samples.map(PreparedSample.init)
        try await write { db in
            try self.insertSamples(db, stationId: stationId, connectorId: connectorId, sessionId: transactionId, prepared)
        }
    }

    /// The same, for a caller that is not a task: `completion` gets nil once the samples are durable, or the error.
    public func recordMeterValues(
        stationId: String, connectorId: Int, transactionId: Int?, samples: [MeterSample],
        completion: @escaping @Sendable ((any Error)?) -> Void
    ) {
        let prepared = samples.map(PreparedSample.init)
        writer.submit(
            { db in
                try self.insertSamples(db, stationId: stationId, connectorId: connectorId, sessionId: transactionId, prepared)
            },
            completion: { result in
                switch result {
                case .success: completion(nil)
                case .failure(let error): completion(error)
                }
            })
    }

    /// A sample with what its row needs computed ahead of the write.
    struct PreparedSample: Sendable {
        let timestamp: Double
        let energyWh: Double?
        let powerW: Double?
        let currentA: Double?
        let soc: Double?
        let readings: String

        init(_ sample: MeterSample) {
            timestamp = sample.timestamp.stored
            energyWh = sample.energyImportWh
            powerW = sample.powerImportW
            currentA = sample.currentImportA
            soc = sample.stateOfCharge
            readings = ReadingsJSON.encode(sample.readings)
        }
    }

    /// Tells the cloud a session ended, with what the store now holds of it.
    private func enqueueStop(_ db: Database, sessionId: Int, at time: Date) throws {
        guard syncsToCloud,
            let session = try Row.fetchOne(db, sql: "SELECT * FROM session WHERE id = ?", arguments: [sessionId]).map(
                Self.session(from:)),
            let stopTime = session.stopTime
        else { return }
        try enqueue(
            db,
            .sessionStop(
                SessionStopped(
                    station: session.stationId, connector: session.connectorId, transactionId: session.id, idTag: session.idTag,
                    meterStartWh: session.meterStartWh, startTime: session.startTime,
                    meterStopWh: session.meterStopWh ?? session.lastEnergyWh ?? 0, stopTime: stopTime,
                    reason: session.stopReason)),
            at: time)
    }

    func insertSamples(
        _ db: Database, stationId: String, connectorId: Int?, sessionId requestedSession: Int?, _ samples: [PreparedSample]
    ) throws {
        guard !samples.isEmpty else { return }
        // A sample joins a session only if that session is this station's (and, when the charger named one, on
        // this connector): an id the charger kept from before the store was replaced may now be another's.
        // An id with no session yet is kept, for a stop of that transaction that may still come.
        var sessionId = requestedSession
        if let requested = requestedSession,
            let owner = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT station_id, connector_id FROM session WHERE id = ?"), arguments: [requested]),
            (owner["station_id"] as String) != stationId || (connectorId.map { $0 != owner["connector_id"] as Int } ?? false)
        {
            sessionId = nil
        }
        let connector: Int =
            if let connectorId { connectorId } else {
                try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT connector_id FROM session WHERE id = ?"), arguments: [sessionId]) ?? 0
            }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO meter_sample (station_id, connector_id, session_id, timestamp, energy_wh, power_w,
                    current_a, soc, readings)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for sample in samples {
            try insert.execute(arguments: [
                stationId, connector, sessionId, sample.timestamp, sample.energyWh, sample.powerW, sample.currentA, sample.soc,
                sample.readings,
            ])
        }
        guard let sessionId, let latest = samples.max(by: { $0.timestamp < $1.timestamp }) else { return }
        // COALESCE keeps what a sample did not carry; the time check keeps late, queued samples from
        // overwriting newer ones.
        try db.cachedStatement(
            sql: """
                UPDATE session SET last_energy_wh = COALESCE(?, last_energy_wh), last_power_w = COALESCE(?, last_power_w),
                    last_current_a = COALESCE(?, last_current_a), last_soc = COALESCE(?, last_soc), last_sample_time = ?
                WHERE id = ? AND station_id = ? AND stop_time IS NULL
                    AND (last_sample_time IS NULL OR last_sample_time <= ?)
                """
        ).execute(arguments: [
            latest.energyWh, latest.powerW, latest.currentA, latest.soc, latest.timestamp, sessionId, stationId, latest.timestamp,
        ])
        guard syncsToCloud, db.changesCount > 0 else { return }
        try enqueue(
            db,
            .sessionUpdate(
                SessionProgress(
                    station: stationId, connector: connector, transactionId: sessionId,
                    time: Date(timeIntervalSince1970: latest.timestamp), energyWh: latest.energyWh, powerW: latest.powerW,
                    currentA: latest.currentA, soc: latest.soc)),
            at: Date())
    }

    /// Sessions, newest first (by transaction id): only running ones, only finished ones, or all; of one station or
    /// all; at most `limit`, and only those before transaction id `before` when given (the next page starts before the
    /// last transaction id of the previous one).
    public func sessions(
        active: Bool? = nil, stationId: String? = nil, before: Int? = nil, limit: Int = 100
    ) async throws -> [SessionRecord] {
        try await read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let before {
                conditions.append("id < ?")
                arguments += [before]
            }
            if let active { conditions.append(active ? "stop_time IS NULL" : "stop_time IS NOT NULL") }
            if let stationId {
                conditions.append("station_id = ?")
                arguments += [stationId]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments += [limit]
            return try Row.fetchAll(db, sql: "SELECT * FROM session \(filter) ORDER BY id DESC LIMIT ?", arguments: arguments)
                .map(Self.session(from:))
        }
    }

    /// One session by its transaction id.
    public func session(id: Int) async throws -> SessionRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM session WHERE id = ?", arguments: [id]).map(Self.session(from:))
        }
    }

    /// The meter samples of a session, oldest first.
    public func samples(sessionId: Int) async throws -> [MeterSample] {
        try await read { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(
                db, sql: "SELECT timestamp, readings FROM meter_sample WHERE session_id = ? ORDER BY timestamp, id",
                arguments: [sessionId]
            ).map { row in
                let readings = try decoder.decode([MeterReading].self, from: Data((row["readings"] as String).utf8))
                return MeterSample(timestamp: row["timestamp"], readings: readings)
            }
        }
    }

    static func session(from row: Row) -> SessionRecord {
        SessionRecord(
            id: row["id"], stationId: row["station_id"], connectorId: row["connector_id"], idTag: row["id_tag"],
            authStatus: row["auth_status"], reservationId: row["reservation_id"], meterStartWh: row["meter_start_wh"],
            startTime: row["start_time"], meterStopWh: row["meter_stop_wh"], stopTime: row["stop_time"],
            stopReason: row["stop_reason"], stopIdTag: row["stop_id_tag"], lastEnergyWh: row["last_energy_wh"],
            lastPowerW: row["last_power_w"], lastCurrentA: row["last_current_a"], lastSoC: row["last_soc"],
            lastSampleTime: row["last_sample_time"], recordedFrom: row["recorded_from"],
            chargerTransactionId: row["charger_transaction_id"])
    }
}
