import Foundation
import GRDB

/// The edge database's versioned schema. Migrations only ever get appended.
enum Schema {
    /// Where a new store's transaction ids start: later for a store made later, so one that replaces a lost store
    /// does not hand out ids its chargers still hold, and always a valid int32 (chargers keep transactionId as one).
    /// Ten a second since 2023-11-14 (as stores made before 2027 were seeded), one a second from 2027 on: the seed
    /// keeps rising and stays 100 million below 2^31 until the 2060s.
    static func transactionIdSeed(at date: Date) -> Int {
        let seconds = Int(date.timeIntervalSince1970)
        let start = 1_700_000_000
        let knee = 1_798_761_600  // 2027-01-01
        let seed = seconds <= knee ? max(0, seconds - start) * 10 : (knee - start) * 10 + (seconds - knee)
        return min(seed, Int(Int32.max) - 100_000_000)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-stations-sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE station (
                        id TEXT PRIMARY KEY NOT NULL,
                        approval TEXT NOT NULL,
                        vendor TEXT, model TEXT, serial_number TEXT, charge_box_serial_number TEXT,
                        firmware_version TEXT, iccid TEXT, imsi TEXT, meter_type TEXT, meter_serial_number TEXT,
                        first_seen DATETIME NOT NULL, last_boot DATETIME, last_seen DATETIME
                    );
                    CREATE TABLE connector (
                        station_id TEXT NOT NULL, connector_id INTEGER NOT NULL,
                        status TEXT NOT NULL, error_code TEXT, info TEXT, vendor_id TEXT, vendor_error_code TEXT,
                        timestamp DATETIME NOT NULL,
                        PRIMARY KEY (station_id, connector_id)
                    );
                    CREATE TABLE status_log (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        station_id TEXT NOT NULL, connector_id INTEGER NOT NULL,
                        status TEXT NOT NULL, error_code TEXT, info TEXT, vendor_id TEXT, vendor_error_code TEXT,
                        timestamp DATETIME NOT NULL, received_at DATETIME NOT NULL
                    );
                    CREATE INDEX status_log_station ON status_log(station_id, timestamp);
                    CREATE TABLE session (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        station_id TEXT NOT NULL, connector_id INTEGER NOT NULL,
                        id_tag TEXT, auth_status TEXT, reservation_id INTEGER,
                        meter_start_wh REAL, start_time DATETIME,
                        meter_stop_wh REAL, stop_time DATETIME, stop_reason TEXT, stop_id_tag TEXT,
                        last_energy_wh REAL, last_power_w REAL, last_current_a REAL, last_soc REAL, last_sample_time DATETIME,
                        recorded_from TEXT NOT NULL,
                        charger_transaction_id INTEGER,
                        created_at DATETIME NOT NULL
                    );
                    CREATE UNIQUE INDEX session_start_key
                        ON session(station_id, connector_id, id_tag, start_time, meter_start_wh)
                        WHERE recorded_from = 'start';
                    CREATE INDEX session_active ON session(station_id, connector_id) WHERE stop_time IS NULL;
                    CREATE TABLE meter_sample (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        station_id TEXT NOT NULL, connector_id INTEGER NOT NULL, session_id INTEGER,
                        timestamp DATETIME NOT NULL,
                        energy_wh REAL, power_w REAL, current_a REAL, soc REAL,
                        readings TEXT NOT NULL
                    );
                    CREATE INDEX meter_sample_session ON meter_sample(session_id, timestamp);
                    CREATE TABLE event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        station_id TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL,
                        timestamp DATETIME NOT NULL
                    );
                    CREATE INDEX event_station ON event(station_id, timestamp);
                    CREATE TABLE token (
                        id_tag TEXT PRIMARY KEY NOT NULL,
                        status TEXT NOT NULL, expiry DATETIME, parent_id_tag TEXT,
                        source TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-seed-transaction-ids") { db in
            // Transaction ids start at a value taken from the clock (still within 32 bits), so a store that
            // replaces a lost one does not hand out ids its chargers still hold for old sessions.
            let sessions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM session") ?? 0
            guard sessions == 0 else { return }
            let seed = Schema.transactionIdSeed(at: Date())
            try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('session', ?)", arguments: [seed])
        }
        migrator.registerMigration("v3-outbox") { db in
            // Up messages for the cloud until it acknowledges them; seq never repeats (AUTOINCREMENT).
            try db.execute(
                sql: """
                    CREATE TABLE outbox (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        type TEXT NOT NULL,
                        sample BOOLEAN NOT NULL,
                        timestamp DATETIME NOT NULL,
                        data TEXT NOT NULL
                    );
                    CREATE INDEX outbox_samples ON outbox(seq) WHERE sample = 1;
                    """)
            // seq starts from the clock (milliseconds × 1000): an edge whose database was replaced (a new box, a
            // lost disk) sends seqs above every one it sent before, so the cloud does not take its new messages
            // for repeats of old ones.
            let seed = Int64(Date().timeIntervalSince1970 * 1000) * 1000
            try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)", arguments: [seed])
        }
        migrator.registerMigration("v4-settings") { db in
            // Settings changed from the cloud, which outlive a restart (edge.yaml stays as the installer wrote it).
            try db.execute(
                sql: """
                    CREATE TABLE setting (
                        key TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL,
                        updated DATETIME NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v5-commands-seen") { db in
            // The cloud's commands this edge has taken, with their results: one the broker delivers again (QoS 1
            // after a lost PUBACK) is answered from here, not carried out twice.
            try db.execute(
                sql: """
                    CREATE TABLE command_seen (
                        id TEXT PRIMARY KEY NOT NULL,
                        station TEXT NOT NULL,
                        action TEXT NOT NULL,
                        expires DATETIME NOT NULL,
                        result TEXT
                    );
                    """)
        }
        migrator.registerMigration("v6-store-epoch") { db in
            // The store's epoch: random, made once with the store and sent in every envelope, so the cloud tells a
            // store that replaced a lost one from the one before it, even when the clock the seqs were seeded from
            // was wrong (security review, finding 5).
            try db.execute(sql: "CREATE TABLE store_identity (epoch TEXT NOT NULL)")
            let epoch = (0..<2).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
            try db.execute(sql: "INSERT INTO store_identity (epoch) VALUES (?)", arguments: [epoch])
        }
        migrator.registerMigration("v7-retention-marks") { db in
            // Which ids each table had reached when (the edge's clock), so retention goes by when rows were recorded
            // and not by the times chargers put in them.
            try db.execute(
                sql: """
                    CREATE TABLE retention_mark (tbl TEXT NOT NULL, at DATETIME NOT NULL, last_id INTEGER NOT NULL);
                    CREATE INDEX retention_mark_tbl_at ON retention_mark(tbl, at);
                    """)
        }
        migrator.registerMigration("v8-token-ask-first") { db in
            // Tokens asked of the cloud first, taken from the list only when no answer comes (ALLOWED_OFFLINE).
            try db.execute(sql: "ALTER TABLE token ADD COLUMN ask_first BOOLEAN NOT NULL DEFAULT 0")
        }
        return migrator
    }
}
