import Foundation
import GRDB
import SyncContract
import WireJSON

/// How each up message changes the cloud's state. Applied in any order, the result is the same: live values
/// carry the seq that set them and only a higher seq replaces them, and a session's start, progress and stop
/// fill separate columns.
enum Ingest {
    /// How a message is kept: its seq as kept (the site's ``SiteEpochs`` offset added) and its store's epoch (nil from an
    /// edge before epochs).
    struct Kept {
        var seq: Int64
        var epoch: String?
    }

    /// A session message of a store whose transaction id names a session of the site's previous store.
    struct SessionOfAnotherStore: Error, CustomStringConvertible {
        let transactionId: Int
        let epoch: String

        var description: String {
            "transaction \(transactionId) is a session of this site's previous edge store (\(epoch.isEmpty ? "before epochs" : epoch)); "
                + "the new store reused its id, so this message is kept here and not applied over it"
        }
    }

    static func apply(_ envelope: UpEnvelope, _ kept: Kept, _ db: Database, _ outcome: inout ApplyOutcome) throws {
        let site = envelope.site
        let seq = kept.seq
        switch envelope.message {
        case .presence:
            break  // Not sequenced; handled before the batch.
        case .stationBoot(let boot):
            try db.cachedStatement(
                sql: """
                    INSERT INTO station (id, site_id, vendor, model, serial_number, firmware_version, approval, last_boot_at, boot_seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (site_id, id) DO UPDATE SET vendor = excluded.vendor, model = excluded.model,
                        serial_number = excluded.serial_number, firmware_version = excluded.firmware_version,
                        approval = excluded.approval, last_boot_at = excluded.last_boot_at, boot_seq = excluded.boot_seq
                    WHERE station.boot_seq < excluded.boot_seq
                    """
            ).execute(arguments: [
                boot.station, site, boot.vendor, boot.model, boot.serialNumber, boot.firmwareVersion, boot.approval,
                boot.time.milliseconds, seq,
            ])
            try event(
                db, site: site, seq: seq, at: boot.time, station: boot.station, kind: "boot", severity: "info", code: nil,
                detail: ["vendor": boot.vendor, "model": boot.model, "firmware": boot.firmwareVersion ?? ""])
        case .stationConnection(let connection):
            try ensureStation(db, id: connection.station, site: site)
            try db.cachedStatement(
                sql: """
                    UPDATE station SET connected = ?, connection_changed_at = ?, connection_seq = ?
                    WHERE site_id = ? AND id = ? AND connection_seq < ?
                    """
            ).execute(arguments: [connection.connected, connection.time.milliseconds, seq, site, connection.station, seq])
            try event(
                db, site: site, seq: seq, at: connection.time, station: connection.station,
                kind: connection.connected ? "connected" : "disconnected", severity: connection.connected ? "info" : "warning",
                code: nil, detail: connection.reason.map { ["reason": $0] } ?? [:])
        case .connectorStatus(let status):
            try ensureStation(db, id: status.station, site: site)
            try db.cachedStatement(
                sql: """
                    INSERT INTO connector (station_id, connector_id, site_id, status, error_code, info, vendor_id,
                        vendor_error_code, status_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (site_id, station_id, connector_id) DO UPDATE SET status = excluded.status,
                        error_code = excluded.error_code, info = excluded.info, vendor_id = excluded.vendor_id,
                        vendor_error_code = excluded.vendor_error_code, status_at = excluded.status_at
                    WHERE connector.status_at <= excluded.status_at
                    """
            ).execute(arguments: [
                status.station, status.connector, site, status.status, status.errorCode, status.info, status.vendorId,
                status.vendorErrorCode, status.time.milliseconds,
            ])
            let faulted = status.status == "Faulted" || (status.errorCode.map { $0 != "NoError" } ?? false)
            var detail = ["status": status.status]
            detail["info"] = status.info
            detail["vendorId"] = status.vendorId
            detail["vendorErrorCode"] = status.vendorErrorCode
            try event(
                db, site: site, seq: seq, at: status.time, station: status.station, connector: status.connector,
                kind: "status", severity: status.status == "Faulted" ? "error" : faulted ? "warning" : "info",
                code: status.errorCode, detail: detail)
        case .sessionStart(let start):
            try ensureStation(db, id: start.station, site: site)
            let sortAt = (start.startTime ?? envelope.timestamp).milliseconds
            try db.cachedStatement(
                sql: """
                    INSERT INTO session (site_id, transaction_id, station_id, connector_id, id_tag, auth_status,
                        meter_start_wh, start_at, sort_at, epoch)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (site_id, transaction_id) DO UPDATE SET station_id = excluded.station_id,
                        connector_id = excluded.connector_id, id_tag = excluded.id_tag, auth_status = excluded.auth_status,
                        meter_start_wh = excluded.meter_start_wh, start_at = excluded.start_at, sort_at = excluded.sort_at,
                        epoch = COALESCE(excluded.epoch, session.epoch)
                    WHERE session.epoch IS NULL OR session.epoch = COALESCE(excluded.epoch, '')
                    """
            ).execute(arguments: [
                site, start.transactionId, start.station, start.connector, start.idTag, start.authStatus, start.meterStartWh,
                start.startTime?.milliseconds, sortAt, kept.epoch,
            ])
            if db.changesCount == 0, let other = try sessionOfAnotherStore(db, site: site, transaction: start.transactionId, kept)
            {
                outcome.sessionCollisions += 1
                try recordFailure(
                    envelope, kept, error: SessionOfAnotherStore(transactionId: start.transactionId, epoch: other), db)
                return
            }
        case .sessionUpdate(let update):
            try ensureStation(db, id: update.station, site: site)
            let at = update.time.milliseconds
            try db.cachedStatement(
                sql: """
                    INSERT INTO session (site_id, transaction_id, station_id, connector_id, energy_register_wh, power_w,
                        current_a, soc, updated_at, update_seq, sort_at, epoch)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (site_id, transaction_id) DO UPDATE SET
                        energy_register_wh = COALESCE(excluded.energy_register_wh, session.energy_register_wh),
                        power_w = COALESCE(excluded.power_w, session.power_w),
                        current_a = COALESCE(excluded.current_a, session.current_a),
                        soc = COALESCE(excluded.soc, session.soc),
                        updated_at = excluded.updated_at, update_seq = excluded.update_seq,
                        epoch = COALESCE(excluded.epoch, session.epoch)
                    WHERE session.update_seq < excluded.update_seq
                        AND (session.epoch IS NULL OR session.epoch = COALESCE(excluded.epoch, ''))
                    """
            ).execute(arguments: [
                site, update.transactionId, update.station, update.connector, update.energyWh, update.powerW, update.currentA,
                update.soc, at, seq, at, kept.epoch,
            ])
            if db.changesCount == 0, try sessionOfAnotherStore(db, site: site, transaction: update.transactionId, kept) != nil {
                // Progress is frequent: counted, not kept (the start and stop of that session are).
                outcome.sessionCollisions += 1
                return
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO session_sample (site_id, seq, transaction_id, at, energy_register_wh, power_w, current_a, soc)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                site, seq, update.transactionId, at, update.energyWh, update.powerW, update.currentA, update.soc,
            ])
        case .sessionStop(let stop):
            try ensureStation(db, id: stop.station, site: site)
            let sortAt = (stop.startTime ?? stop.stopTime).milliseconds
            try db.cachedStatement(
                sql: """
                    INSERT INTO session (site_id, transaction_id, station_id, connector_id, id_tag, meter_start_wh, start_at,
                        meter_stop_wh, stop_at, stop_reason, sort_at, epoch)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (site_id, transaction_id) DO UPDATE SET
                        id_tag = COALESCE(session.id_tag, excluded.id_tag),
                        meter_start_wh = COALESCE(session.meter_start_wh, excluded.meter_start_wh),
                        start_at = COALESCE(session.start_at, excluded.start_at),
                        sort_at = CASE WHEN session.start_at IS NULL THEN excluded.sort_at ELSE session.sort_at END,
                        meter_stop_wh = excluded.meter_stop_wh, stop_at = excluded.stop_at, stop_reason = excluded.stop_reason,
                        epoch = COALESCE(excluded.epoch, session.epoch)
                    WHERE session.epoch IS NULL OR session.epoch = COALESCE(excluded.epoch, '')
                    """
            ).execute(arguments: [
                site, stop.transactionId, stop.station, stop.connector, stop.idTag, stop.meterStartWh,
                stop.startTime?.milliseconds, stop.meterStopWh, stop.stopTime.milliseconds, stop.reason, sortAt, kept.epoch,
            ])
            if db.changesCount == 0, let other = try sessionOfAnotherStore(db, site: site, transaction: stop.transactionId, kept)
            {
                outcome.sessionCollisions += 1
                try recordFailure(
                    envelope, kept, error: SessionOfAnotherStore(transactionId: stop.transactionId, epoch: other), db)
                return
            }
        case .siteMeter(let sample):
            for reading in sample.meters {
                let phase = { (index: Int) in index < reading.currentA.count ? reading.currentA[index] : nil }
                try db.cachedStatement(
                    sql: """
                        INSERT INTO meter_sample (site_id, seq, meter, role, at, l1_a, l2_a, l3_a, power_w, energy_import_wh)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    site, seq, reading.name, reading.role, sample.time.milliseconds, phase(0), phase(1), phase(2),
                    reading.powerW, reading.energyImportWh,
                ])
            }
        case .loadSummary(let summary):
            // Kept only when something happened worth a line in the history: the failsafe.
            if summary.failsafe {
                try event(
                    db, site: site, seq: seq, at: summary.time, station: nil, kind: "load_failsafe", severity: "warning",
                    code: nil, detail: ["mode": summary.mode])
            }
        case .event(let siteEvent):
            try db.cachedStatement(
                sql: """
                    INSERT INTO event (site_id, seq, at, station_id, kind, severity, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                site, seq, siteEvent.time.milliseconds, siteEvent.station, siteEvent.kind, siteEvent.severity, siteEvent.detail,
            ])
        case .commandResult(let result):
            try db.cachedStatement(
                sql: """
                    UPDATE command SET outcome = ?, response = ?, error = ?, answered_at = ? WHERE id = ? AND site_id = ?
                    """
            ).execute(arguments: [
                result.outcome.rawValue, result.response, result.error, envelope.timestamp.milliseconds, result.id, site,
            ])
            if result.action == StationApprovalChange.action, result.outcome == .accepted, let response = result.response,
                let change = try? SyncJSON.decoder().decode(StationApprovalChange.self, from: Data(response.utf8))
            {
                // The edge has it in effect: the station's approval is known before its next boot says so.
                try db.execute(
                    sql: "UPDATE station SET approval = ? WHERE id = ? AND site_id = ?",
                    arguments: [change.approval, result.station, site])
            }
            if result.action == StationRegistration.action, result.outcome == .accepted {
                // Registered ahead of its first connection: listed (not connected) until it connects.
                try ensureStation(db, id: result.station, site: site)
                try db.execute(
                    sql: "UPDATE station SET approval = 'accepted' WHERE id = ? AND site_id = ?",
                    arguments: [result.station, site])
            }
            var detail = ["command": result.id, "action": result.action, "outcome": result.outcome.rawValue]
            detail["error"] = result.error
            try event(
                db, site: site, seq: seq, at: envelope.timestamp, station: result.station, kind: "command",
                severity: result.outcome == .accepted ? "info" : "warning", code: result.action, detail: detail)
            outcome.commandResults.append(
                CommandResultRecord(
                    site: site, id: result.id, outcome: result.outcome, response: result.response, error: result.error))
        case .authRequest(let request):
            outcome.authRequests.append(
                AuthRequestRecord(site: site, id: request.id, idTag: request.idTag, station: request.station))
        }
    }

    /// Keeps a message that could not be applied as an error event, with the message itself (up to 8 KiB).
    static func recordFailure(_ envelope: UpEnvelope, _ kept: Kept, error: any Error, _ db: Database) throws {
        var detail = ["error": "\(error)"]
        if let message = try? envelope.encoded() { detail["message"] = String(decoding: message.prefix(8192), as: UTF8.self) }
        try event(
            db, site: envelope.site, seq: kept.seq, at: envelope.timestamp, station: nil, kind: "ingest_failed",
            severity: "error", code: envelope.message.type, detail: detail)
    }

    /// The epoch of another store of the site whose session a message left unchanged, or nil when the session is this
    /// store's (a message of the same store may leave it unchanged: an update older than one applied). Recorded in
    /// place rather than thrown, so a batch is not applied again message by message for it.
    private static func sessionOfAnotherStore(_ db: Database, site: String, transaction: Int, _ kept: Kept) throws -> String? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT epoch FROM session WHERE site_id = ? AND transaction_id = ?", arguments: [site, transaction]),
            let epoch = row["epoch"] as String?, epoch != kept.epoch ?? ""
        else { return nil }
        return epoch
    }

    /// A site's edge now speaks from another store (security review, finding 5): an error when its seqs start at or
    /// below what the old store reached, a warning otherwise. Kept at minus the time it happened as its seq, which
    /// no message has.
    static func storeReplaced(
        _ db: Database, site: String, previous: String?, epoch: String, lastSeq: Int64, seq: Int64, at time: Date
    ) throws {
        let backwards = seq <= lastSeq
        var detail = [
            "epoch": epoch, "previousLastSeq": "\(lastSeq)", "firstSeq": "\(seq)",
            "meaning": backwards
                ? "the site's edge store was replaced and its message numbers start below the old store's: check its clock"
                : "the site's edge store was replaced",
        ]
        detail["previousEpoch"] = previous
        let json = String(decoding: try WireCoders.encoder(sortedKeys: true).encode(detail), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO event (site_id, seq, at, station_id, connector_id, kind, severity, code, detail)
                VALUES (?, ?, ?, NULL, NULL, 'store_replaced', ?, ?, ?)
                ON CONFLICT (site_id, seq) DO UPDATE SET at = excluded.at, severity = excluded.severity, code = excluded.code,
                    detail = excluded.detail
                """,
            arguments: [
                site, -time.milliseconds, time.milliseconds, backwards ? "error" : "warning",
                backwards ? "seq_backwards" : nil, json,
            ])
    }

    /// A station first heard of through something other than its boot.
    private static func ensureStation(_ db: Database, id: String, site: String) throws {
        try db.cachedStatement(sql: "INSERT INTO station (id, site_id) VALUES (?, ?) ON CONFLICT (site_id, id) DO NOTHING")
            .execute(arguments: [id, site])
    }

    private static func event(
        _ db: Database, site: String, seq: Int64, at time: Date, station: String?, connector: Int? = nil, kind: String,
        severity: String, code: String?, detail: [String: String]
    ) throws {
        let json = String(decoding: try WireCoders.encoder(sortedKeys: true).encode(detail), as: UTF8.self)
        try db.cachedStatement(
            sql: """
                INSERT INTO event (site_id, seq, at, station_id, connector_id, kind, severity, code, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """
        ).execute(arguments: [site, seq, time.milliseconds, station, connector, kind, severity, code, json])
    }
}
