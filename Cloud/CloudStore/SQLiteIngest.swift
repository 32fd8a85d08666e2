import Foundation
import GRDB
import SiteModel
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

    /// Keeps what `envelope` changes (``IngestRules``), in order; a session message of another store of the site
    /// stops there.
    static func apply(_ envelope: UpEnvelope, _ kept: Kept, _ db: Database, _ outcome: inout ApplyOutcome) throws {
        var previous: String?
        if case .connectorStatus(let status) = envelope.message {
            // What the connector was before (for the history's "Charging → Faulted"), if this change is newer.
            previous = try String.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT status FROM connector
                        WHERE site_id = ? AND station_id = ? AND connector_id = ? AND status_at <= ?
                        """),
                arguments: [envelope.site, status.station, status.connector, status.time.milliseconds])
        }
        for change in IngestRules.changes(envelope, previousStatus: previous) {
            guard try keep(change, of: envelope, kept, db, &outcome) else { return }
        }
        // Handed to the caller waiting for it only once everything the message changes is kept.
        if case .commandResult(let result) = envelope.message {
            outcome.commandResults.append(
                CommandResultRecord(
                    site: envelope.site, id: result.id, outcome: result.outcome, response: result.response, error: result.error))
        }
    }

    /// False when the change was not kept because its session belongs to another store of the site.
    private static func keep(
        _ change: IngestChange, of envelope: UpEnvelope, _ kept: Kept, _ db: Database, _ outcome: inout ApplyOutcome
    ) throws -> Bool {
        let site = envelope.site
        switch change {
        case .stationKnown(let station):
            try db.cachedStatement(sql: "INSERT INTO station (id, site_id) VALUES (?, ?) ON CONFLICT (site_id, id) DO NOTHING")
                .execute(arguments: [station, site])
        case .stationBooted(let boot):
            try keepBoot(boot, site: site, kept.seq, db)
        case .connection(let connection):
            try db.cachedStatement(
                sql: """
                    UPDATE station SET connected = ?, connection_changed_at = ?, connection_seq = ?,
                        protocol = COALESCE(?, protocol)
                    WHERE site_id = ? AND id = ? AND connection_seq < ?
                    """
            ).execute(arguments: [
                connection.connected, connection.time.milliseconds, kept.seq, connection.protocol.map { String($0.prefix(40)) },
                site, connection.station, kept.seq,
            ])
        case .connectorStatus(let status):
            try keepStatus(status, site: site, db)
        case .sessionStarted(let start, let sortAt):
            try keepStart(start, sortAt: sortAt, site: site, kept, db)
            return try notAnotherStoresSession(start.transactionId, envelope, kept, db, &outcome, keepingTheMessage: true)
        case .sessionProgress(let update):
            try keepProgress(update, site: site, kept, db)
            guard try notAnotherStoresSession(update.transactionId, envelope, kept, db, &outcome, keepingTheMessage: false)
            else { return false }
            try keepSample(update, site: site, kept.seq, db)
        case .sessionStopped(let stop, let sortAt):
            try keepStop(stop, sortAt: sortAt, site: site, kept, db)
            return try notAnotherStoresSession(stop.transactionId, envelope, kept, db, &outcome, keepingTheMessage: true)
        case .meterReadings(let sample):
            try keepMeterReadings(sample, site: site, kept.seq, db)
        case .loadDecided(let summary):
            try SQLiteRepository.keepLoad(summary, site: site, kept.seq, db)
        case .commandAnswered(let result, let time):
            try db.cachedStatement(
                sql: "UPDATE command SET outcome = ?, response = ?, error = ?, answered_at = ? WHERE id = ? AND site_id = ?"
            ).execute(arguments: [result.outcome.rawValue, result.response, result.error, time.milliseconds, result.id, site])
        case .approval(let station, let approval):
            try db.execute(
                sql: "UPDATE station SET approval = ? WHERE id = ? AND site_id = ?",
                arguments: [approval.rawValue, station, site])
        case .registered(let station, let registration):
            let view = StationRegistrationView(registration)
            try db.execute(
                sql: "UPDATE station SET registration = ? WHERE id = ? AND site_id = ?",
                arguments: [String(decoding: try SyncJSON.encoder().encode(view), as: UTF8.self), station, site])
        case .diagnosticsStatus(let station, let status, let time):
            try SQLiteRepository.diagnosticsStatus(site: site, station: station, status: status, at: time, db)
        case .stationRetired(let station, let time):
            try retire(station, site: site, at: time, db)
        case .history(let entry):
            try keep(entry, site: site, seq: kept.seq, db)
        case .authRequested(let request):
            outcome.authRequests.append(
                AuthRequestRecord(site: site, id: request.id, idTag: request.idTag, station: request.station))
        }
        return true
    }

    /// After a session change: true when it was kept, or left unchanged by an older message of the same store;
    /// false when the session is another store's (a start or stop is then kept as an `ingest_failed` line, progress
    /// only counted, as it is frequent and the start and stop of that session are kept).
    private static func notAnotherStoresSession(
        _ transaction: Int, _ envelope: UpEnvelope, _ kept: Kept, _ db: Database, _ outcome: inout ApplyOutcome,
        keepingTheMessage: Bool
    ) throws -> Bool {
        guard db.changesCount == 0, let other = try sessionOfAnotherStore(db, site: envelope.site, transaction: transaction, kept)
        else { return true }
        outcome.sessionCollisions += 1
        if keepingTheMessage {
            try recordFailure(envelope, kept, error: SessionOfAnotherStore(transactionId: transaction, epoch: other), db)
        }
        return false
    }

    private static func keepBoot(_ boot: StationBoot, site: String, _ seq: Int64, _ db: Database) throws {
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
            boot.station, site, boot.vendor, boot.model, boot.serialNumber, boot.firmwareVersion, boot.approval.rawValue,
            boot.time.milliseconds, seq,
        ])
    }

    private static func keepStatus(_ status: ConnectorStatusChange, site: String, _ db: Database) throws {
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
            status.station, status.connector, site, status.status.rawValue, status.errorCode, status.info, status.vendorId,
            status.vendorErrorCode, status.time.milliseconds,
        ])
    }

    private static func keepStart(_ start: SessionStarted, sortAt: Date, site: String, _ kept: Kept, _ db: Database) throws {
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
            site, start.transactionId, start.station, start.connector, start.idTag, start.authStatus?.rawValue,
            start.meterStartWh,
            start.startTime?.milliseconds, sortAt.milliseconds, kept.epoch,
        ])
    }

    private static func keepProgress(_ update: SessionProgress, site: String, _ kept: Kept, _ db: Database) throws {
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
            update.soc, at, kept.seq, at, kept.epoch,
        ])
    }

    private static func keepSample(_ update: SessionProgress, site: String, _ seq: Int64, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO session_sample (site_id, seq, transaction_id, at, energy_register_wh, power_w, current_a, soc)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            site, seq, update.transactionId, update.time.milliseconds, update.energyWh, update.powerW, update.currentA,
            update.soc,
        ])
    }

    private static func keepStop(_ stop: SessionStopped, sortAt: Date, site: String, _ kept: Kept, _ db: Database) throws {
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
            stop.startTime?.milliseconds, stop.meterStopWh, stop.stopTime.milliseconds, stop.reason, sortAt.milliseconds,
            kept.epoch,
        ])
    }

    private static func keepMeterReadings(_ sample: SiteMeterSample, site: String, _ seq: Int64, _ db: Database) throws {
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
    }

    /// Keeps a message that could not be applied as an error line, with the message itself.
    static func recordFailure(_ envelope: UpEnvelope, _ kept: Kept, error: any Error, _ db: Database) throws {
        try keep(IngestRules.failure(envelope, error: error), site: envelope.site, seq: kept.seq, db)
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

    /// A line of a site's history (also the cloud's own lines, with their seqs).
    static func keep(_ entry: HistoryEntry, site: String, seq: Int64, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO event (site_id, seq, at, station_id, connector_id, kind, severity, code, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """
        ).execute(arguments: [
            site, seq, entry.at.milliseconds, entry.station, entry.connector, entry.kind, entry.severity.rawValue, entry.code,
            entry.detail,
        ])
    }

    /// A station the edge forgot: its state, grants, groups and share of load go; its open tariff assignments end at
    /// `time` (costs already made keep the tariff they were made with); sessions, samples and history stay.
    private static func retire(_ station: String, site: String, at time: Date, _ db: Database) throws {
        let key: StatementArguments = [site, station]
        for table in ["connector", "organization_station", "station_group_member", "load_share"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE site_id = ? AND station_id = ?", arguments: key)
        }
        try db.execute(sql: "DELETE FROM station WHERE site_id = ? AND id = ?", arguments: key)
        try db.execute(
            sql: """
                UPDATE tariff_assignment SET valid_to = ?
                WHERE site_id = ? AND station_id = ? AND (valid_to IS NULL OR valid_to > ?)
                """, arguments: [time.milliseconds, site, station, time.milliseconds])
    }
}
