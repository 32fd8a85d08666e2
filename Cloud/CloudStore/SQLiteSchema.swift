import Foundation
import GRDB

/// The cloud database's versioned schema; migrations are only ever appended. Portable SQL: the same
/// statements are meant to run on PostgreSQL (times are integer milliseconds since 1970, UTC).
enum CloudSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-sites-ingest") { db in
            try db.execute(
                sql: """
                    CREATE TABLE site (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        created_at BIGINT NOT NULL,
                        online BOOLEAN NOT NULL DEFAULT FALSE,
                        last_seen_at BIGINT,
                        last_seq BIGINT NOT NULL DEFAULT 0,
                        token_list_version INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE applied (
                        site_id TEXT NOT NULL, seq BIGINT NOT NULL, received_at BIGINT NOT NULL,
                        PRIMARY KEY (site_id, seq)
                    );
                    CREATE TABLE station (
                        id TEXT PRIMARY KEY NOT NULL,
                        site_id TEXT NOT NULL,
                        vendor TEXT, model TEXT, serial_number TEXT, firmware_version TEXT, approval TEXT,
                        last_boot_at BIGINT, boot_seq BIGINT NOT NULL DEFAULT 0,
                        connected BOOLEAN NOT NULL DEFAULT FALSE, connection_changed_at BIGINT,
                        connection_seq BIGINT NOT NULL DEFAULT 0
                    );
                    CREATE INDEX station_site ON station(site_id, id);
                    CREATE TABLE connector (
                        station_id TEXT NOT NULL, connector_id INTEGER NOT NULL, site_id TEXT NOT NULL,
                        status TEXT NOT NULL, error_code TEXT, info TEXT, vendor_id TEXT, vendor_error_code TEXT,
                        status_at BIGINT NOT NULL,
                        PRIMARY KEY (station_id, connector_id)
                    );
                    CREATE TABLE session (
                        site_id TEXT NOT NULL, transaction_id BIGINT NOT NULL,
                        station_id TEXT NOT NULL, connector_id INTEGER NOT NULL,
                        id_tag TEXT, auth_status TEXT,
                        meter_start_wh DOUBLE PRECISION, start_at BIGINT,
                        meter_stop_wh DOUBLE PRECISION, stop_at BIGINT, stop_reason TEXT,
                        energy_register_wh DOUBLE PRECISION, power_w DOUBLE PRECISION, current_a DOUBLE PRECISION,
                        soc DOUBLE PRECISION, updated_at BIGINT, update_seq BIGINT NOT NULL DEFAULT 0,
                        sort_at BIGINT NOT NULL,
                        PRIMARY KEY (site_id, transaction_id)
                    );
                    CREATE INDEX session_recent ON session(sort_at, site_id, transaction_id);
                    CREATE INDEX session_site ON session(site_id, sort_at);
                    CREATE INDEX session_station ON session(station_id, sort_at);
                    CREATE INDEX session_token ON session(id_tag, sort_at);
                    CREATE INDEX session_active ON session(sort_at) WHERE stop_at IS NULL;
                    CREATE TABLE session_sample (
                        site_id TEXT NOT NULL, seq BIGINT NOT NULL, transaction_id BIGINT NOT NULL, at BIGINT NOT NULL,
                        energy_register_wh DOUBLE PRECISION, power_w DOUBLE PRECISION, current_a DOUBLE PRECISION,
                        soc DOUBLE PRECISION,
                        PRIMARY KEY (site_id, seq)
                    );
                    CREATE INDEX session_sample_session ON session_sample(site_id, transaction_id, at);
                    CREATE TABLE meter_sample (
                        site_id TEXT NOT NULL, seq BIGINT NOT NULL, meter TEXT NOT NULL, role TEXT NOT NULL,
                        at BIGINT NOT NULL,
                        l1_a DOUBLE PRECISION, l2_a DOUBLE PRECISION, l3_a DOUBLE PRECISION,
                        power_w DOUBLE PRECISION, energy_import_wh DOUBLE PRECISION,
                        PRIMARY KEY (site_id, seq, meter)
                    );
                    CREATE INDEX meter_sample_time ON meter_sample(site_id, at);
                    CREATE TABLE event (
                        site_id TEXT NOT NULL, seq BIGINT NOT NULL, at BIGINT NOT NULL,
                        station_id TEXT, connector_id INTEGER,
                        kind TEXT NOT NULL, severity TEXT NOT NULL, code TEXT, detail TEXT NOT NULL,
                        PRIMARY KEY (site_id, seq)
                    );
                    CREATE INDEX event_time ON event(at);
                    CREATE INDEX event_site ON event(site_id, at);
                    CREATE INDEX event_station ON event(station_id, at);
                    CREATE TABLE site_token (
                        site_id TEXT NOT NULL, id_tag TEXT NOT NULL, status TEXT NOT NULL, expiry BIGINT,
                        parent_id_tag TEXT,
                        PRIMARY KEY (site_id, id_tag)
                    );
                    CREATE TABLE api_token (
                        id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, secret_hash TEXT NOT NULL, role TEXT NOT NULL,
                        created_at BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE
                    );
                    CREATE TABLE command (
                        id TEXT PRIMARY KEY NOT NULL, site_id TEXT NOT NULL, station_id TEXT NOT NULL, action TEXT NOT NULL,
                        payload TEXT NOT NULL, created_at BIGINT NOT NULL,
                        outcome TEXT, response TEXT, error TEXT, answered_at BIGINT
                    );
                    """)
        }
        migrator.registerMigration("v2-users-organizations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE organization (
                        id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, created_at BIGINT NOT NULL
                    );
                    CREATE TABLE organization_site (
                        organization_id TEXT NOT NULL, site_id TEXT NOT NULL,
                        PRIMARY KEY (organization_id, site_id)
                    );
                    CREATE TABLE app_user (
                        id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, password_hash TEXT NOT NULL, role TEXT NOT NULL,
                        organization_id TEXT, language TEXT, failed_logins INTEGER NOT NULL DEFAULT 0,
                        locked_until BIGINT, created_at BIGINT NOT NULL
                    );
                    CREATE TABLE web_session (
                        id_hash TEXT PRIMARY KEY NOT NULL, user_id TEXT NOT NULL, csrf TEXT NOT NULL,
                        created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL
                    );
                    CREATE INDEX web_session_user ON web_session(user_id);
                    ALTER TABLE api_token ADD COLUMN user_id TEXT;
                    ALTER TABLE command ADD COLUMN user_id TEXT;
                    CREATE INDEX command_time ON command(created_at);
                    CREATE INDEX connector_summary ON connector(site_id, status, connector_id, station_id);
                    CREATE INDEX station_disconnected ON station(id) WHERE NOT connected;
                    CREATE INDEX event_recent ON event(at, site_id, seq);
                    """)
        }
        migrator.registerMigration("v3-firmware") { db in
            try db.execute(
                sql: """
                    CREATE TABLE firmware_image (
                        id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, file_name TEXT,
                        size BIGINT, sha256 TEXT, url TEXT, created_at BIGINT NOT NULL, created_by TEXT
                    );
                    CREATE TABLE firmware_file (image_id TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL);
                    CREATE TABLE firmware_campaign (
                        id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, image_id TEXT NOT NULL, location TEXT NOT NULL,
                        start_at BIGINT NOT NULL, rate_per_minute INTEGER NOT NULL, state TEXT NOT NULL,
                        created_at BIGINT NOT NULL, created_by TEXT, finished_at BIGINT
                    );
                    CREATE TABLE firmware_target (
                        campaign_id TEXT NOT NULL, station_id TEXT NOT NULL, site_id TEXT NOT NULL, state TEXT NOT NULL,
                        sent_at BIGINT, updated_at BIGINT, detail TEXT,
                        PRIMARY KEY (campaign_id, station_id)
                    );
                    CREATE INDEX firmware_target_state ON firmware_target(campaign_id, state);
                    CREATE INDEX event_station_kind ON event(station_id, kind, at);
                    """)
        }
        migrator.registerMigration("v4-vehicles") { db in
            try db.execute(
                sql: """
                    CREATE TABLE vehicle (
                        id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, plate TEXT, fleet TEXT, organization_id TEXT,
                        created_at BIGINT NOT NULL
                    );
                    CREATE TABLE vehicle_token (
                        id_tag TEXT PRIMARY KEY NOT NULL, vehicle_id TEXT NOT NULL
                    );
                    CREATE INDEX vehicle_token_vehicle ON vehicle_token(vehicle_id);
                    """)
        }
        migrator.registerMigration("v5-locations-views") { db in
            try db.execute(
                sql: """
                    ALTER TABLE site ADD COLUMN address TEXT;
                    ALTER TABLE site ADD COLUMN latitude DOUBLE PRECISION;
                    ALTER TABLE site ADD COLUMN longitude DOUBLE PRECISION;
                    ALTER TABLE site ADD COLUMN time_zone TEXT;
                    CREATE TABLE user_site_view (
                        user_id TEXT NOT NULL, site_id TEXT NOT NULL, PRIMARY KEY (user_id, site_id)
                    );
                    """)
        }
        migrator.registerMigration("v6-groups") { db in
            try db.execute(
                sql: """
                    CREATE TABLE station_group (id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, created_at BIGINT NOT NULL);
                    CREATE TABLE station_group_member (
                        group_id TEXT NOT NULL, station_id TEXT NOT NULL, PRIMARY KEY (group_id, station_id)
                    );
                    CREATE INDEX station_group_member_station ON station_group_member(station_id);
                    """)
        }
        migrator.registerMigration("v7-group-views") { db in
            try db.execute(
                sql: """
                    CREATE TABLE user_group_view (
                        user_id TEXT NOT NULL, group_id TEXT NOT NULL, PRIMARY KEY (user_id, group_id)
                    );
                    """)
        }
        migrator.registerMigration("v8-station-group-grants") { db in
            try db.execute(
                sql: """
                    CREATE TABLE organization_station (
                        organization_id TEXT NOT NULL, station_id TEXT NOT NULL, PRIMARY KEY (organization_id, station_id)
                    );
                    CREATE TABLE organization_group (
                        organization_id TEXT NOT NULL, group_id TEXT NOT NULL, PRIMARY KEY (organization_id, group_id)
                    );
                    """)
        }
        migrator.registerMigration("v9-stations-by-site") { db in
            // Security review, finding 1: a station is (site, id), not a global id. Every table that named a station
            // by id alone is rebuilt with its site; rows keep their data. A group member never seen at any site takes
            // the site of the last command sent to it (a station registered ahead of its first connection); one with
            // neither names no station anywhere and is left out.
            try db.execute(
                sql: """
                    CREATE TABLE station_v9 (
                        site_id TEXT NOT NULL, id TEXT NOT NULL,
                        vendor TEXT, model TEXT, serial_number TEXT, firmware_version TEXT, approval TEXT,
                        last_boot_at BIGINT, boot_seq BIGINT NOT NULL DEFAULT 0,
                        connected BOOLEAN NOT NULL DEFAULT FALSE, connection_changed_at BIGINT,
                        connection_seq BIGINT NOT NULL DEFAULT 0,
                        PRIMARY KEY (site_id, id)
                    );
                    INSERT INTO station_v9 (site_id, id, vendor, model, serial_number, firmware_version, approval, last_boot_at,
                        boot_seq, connected, connection_changed_at, connection_seq)
                    SELECT site_id, id, vendor, model, serial_number, firmware_version, approval, last_boot_at, boot_seq,
                        connected, connection_changed_at, connection_seq FROM station;
                    DROP TABLE station;
                    ALTER TABLE station_v9 RENAME TO station;
                    CREATE INDEX station_id ON station(id);
                    CREATE INDEX station_disconnected ON station(site_id, id) WHERE NOT connected;

                    CREATE TABLE connector_v9 (
                        site_id TEXT NOT NULL, station_id TEXT NOT NULL, connector_id INTEGER NOT NULL,
                        status TEXT NOT NULL, error_code TEXT, info TEXT, vendor_id TEXT, vendor_error_code TEXT,
                        status_at BIGINT NOT NULL,
                        PRIMARY KEY (site_id, station_id, connector_id)
                    );
                    INSERT INTO connector_v9 SELECT site_id, station_id, connector_id, status, error_code, info, vendor_id,
                        vendor_error_code, status_at FROM connector;
                    DROP TABLE connector;
                    ALTER TABLE connector_v9 RENAME TO connector;
                    CREATE INDEX connector_summary ON connector(site_id, status, connector_id, station_id);

                    CREATE TABLE station_group_member_v9 (
                        group_id TEXT NOT NULL, site_id TEXT NOT NULL, station_id TEXT NOT NULL,
                        PRIMARY KEY (group_id, site_id, station_id)
                    );
                    INSERT INTO station_group_member_v9 (group_id, site_id, station_id)
                    SELECT group_id, site, station_id FROM (
                        SELECT m.group_id, m.station_id, COALESCE(
                            (SELECT st.site_id FROM station st WHERE st.id = m.station_id),
                            (SELECT c.site_id FROM command c WHERE c.station_id = m.station_id ORDER BY c.created_at DESC LIMIT 1)
                        ) AS site FROM station_group_member m
                    ) AS resolved WHERE site IS NOT NULL;
                    DROP TABLE station_group_member;
                    ALTER TABLE station_group_member_v9 RENAME TO station_group_member;
                    CREATE INDEX station_group_member_station ON station_group_member(site_id, station_id);

                    CREATE TABLE organization_station_v9 (
                        organization_id TEXT NOT NULL, site_id TEXT NOT NULL, station_id TEXT NOT NULL,
                        PRIMARY KEY (organization_id, site_id, station_id)
                    );
                    INSERT INTO organization_station_v9 (organization_id, site_id, station_id)
                    SELECT g.organization_id, st.site_id, g.station_id FROM organization_station g
                    JOIN station st ON st.id = g.station_id;
                    DROP TABLE organization_station;
                    ALTER TABLE organization_station_v9 RENAME TO organization_station;

                    CREATE TABLE firmware_target_v9 (
                        campaign_id TEXT NOT NULL, site_id TEXT NOT NULL, station_id TEXT NOT NULL, state TEXT NOT NULL,
                        sent_at BIGINT, updated_at BIGINT, detail TEXT,
                        PRIMARY KEY (campaign_id, site_id, station_id)
                    );
                    INSERT INTO firmware_target_v9 SELECT campaign_id, site_id, station_id, state, sent_at, updated_at, detail
                        FROM firmware_target;
                    DROP TABLE firmware_target;
                    ALTER TABLE firmware_target_v9 RENAME TO firmware_target;
                    CREATE INDEX firmware_target_state ON firmware_target(campaign_id, state);

                    DROP INDEX session_station;
                    CREATE INDEX session_station ON session(site_id, station_id, sort_at);
                    DROP INDEX event_station;
                    CREATE INDEX event_station ON event(site_id, station_id, at);
                    DROP INDEX event_station_kind;
                    CREATE INDEX event_station_kind ON event(site_id, station_id, kind, at);
                    """)
        }
        migrator.registerMigration("v10-firmware-owners") { db in
            // Security review, finding 2: images and campaigns belong to a client organization or (NULL) to the
            // fleet's own staff; what existed before was the staff's.
            try db.execute(
                sql: """
                    ALTER TABLE firmware_image ADD COLUMN organization_id TEXT;
                    ALTER TABLE firmware_campaign ADD COLUMN organization_id TEXT;
                    """)
        }
        migrator.registerMigration("v11-firmware-chunks") { db in
            // Security review, finding 3: an image was read whole for every download. Kept in chunks, a download holds
            // one chunk at a time and a range starts at the chunk it needs; the SQL stays portable (no blob I/O).
            try db.execute(
                sql: """
                    CREATE TABLE firmware_chunk (
                        image_id TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (image_id, n)
                    )
                    """)
            for id in try String.fetchAll(db, sql: "SELECT image_id FROM firmware_file") {
                guard let data = try Data.fetchOne(db, sql: "SELECT data FROM firmware_file WHERE image_id = ?", arguments: [id])
                else { continue }
                try SQLiteRepository.insertChunks(db, image: id, data: data)
            }
            try db.execute(sql: "DROP TABLE firmware_file")
        }
        migrator.registerMigration("v12-token-expiry") { db in
            // Security review, finding 14: tokens expire, their last use is known, and they can be revoked. Tokens
            // made before keep working until revoked (no expiry).
            try db.execute(
                sql: """
                    ALTER TABLE api_token ADD COLUMN expires_at BIGINT;
                    ALTER TABLE api_token ADD COLUMN last_used_at BIGINT;
                    """)
        }
        migrator.registerMigration("v13-store-epochs") { db in
            // Security review, finding 5: a message is applied once per (site, epoch, seq), the epoch naming the
            // edge's store; what was applied before carries none ('').
            try db.execute(
                sql: """
                    ALTER TABLE site ADD COLUMN epoch TEXT;
                    ALTER TABLE site ADD COLUMN legacy_seq BIGINT;
                    CREATE TABLE applied_v13 (
                        site_id TEXT NOT NULL, epoch TEXT NOT NULL, seq BIGINT NOT NULL, received_at BIGINT NOT NULL,
                        PRIMARY KEY (site_id, epoch, seq)
                    );
                    INSERT INTO applied_v13 (site_id, epoch, seq, received_at) SELECT site_id, '', seq, received_at FROM applied;
                    DROP TABLE applied;
                    ALTER TABLE applied_v13 RENAME TO applied;
                    """)
        }
        migrator.registerMigration("v14-firmware-claims") { db in
            // Security review, finding 21: when a target was claimed, so a claim whose instance stopped is released.
            try db.execute(sql: "ALTER TABLE firmware_target ADD COLUMN claimed_at BIGINT")
        }
        migrator.registerMigration("v15-vehicle-tokens-per-owner") { db in
            // Security review, finding 36: a token is unique among one owner's vehicles (an organization's, or the
            // operator's own when it has none), so one organization learns nothing of the tags another registered.
            try db.execute(
                sql: """
                    CREATE TABLE vehicle_token_v15 (
                        owner TEXT NOT NULL, id_tag TEXT NOT NULL, vehicle_id TEXT NOT NULL,
                        PRIMARY KEY (owner, id_tag)
                    );
                    INSERT INTO vehicle_token_v15 (owner, id_tag, vehicle_id)
                        SELECT COALESCE(v.organization_id, ''), t.id_tag, t.vehicle_id
                        FROM vehicle_token t JOIN vehicle v ON v.id = t.vehicle_id;
                    DROP TABLE vehicle_token;
                    ALTER TABLE vehicle_token_v15 RENAME TO vehicle_token;
                    CREATE INDEX vehicle_token_vehicle ON vehicle_token(vehicle_id);
                    """)
        }
        migrator.registerMigration("v16-firmware-plain-urls") { db in
            // Security review, finding 20: a plain http:// or ftp:// image URL is used only when allowed explicitly.
            // Images registered before that have it false, so they must be registered again to be rolled out.
            try db.execute(sql: "ALTER TABLE firmware_image ADD COLUMN allow_unencrypted BOOLEAN NOT NULL DEFAULT FALSE")
        }
        migrator.registerMigration("v17-store-replacement-guards") { db in
            // Security review, finding 5: a store that replaced a lost one on a wrong (though plausible) clock starts
            // its seqs and transaction ids below the old store's. Its seqs are kept above the old store's
            // (site.seq_offset), and a session remembers its store, so the new one cannot overwrite it.
            try db.execute(
                sql: """
                    ALTER TABLE site ADD COLUMN seq_offset BIGINT NOT NULL DEFAULT 0;
                    ALTER TABLE session ADD COLUMN epoch TEXT;
                    """)
        }
        migrator.registerMigration("v18-firmware-signatures") { db in
            // Security review, finding 20: signed firmware updates (the OCPP 1.6 security extension).
            try db.execute(
                sql: """
                    ALTER TABLE firmware_image ADD COLUMN signature TEXT;
                    ALTER TABLE firmware_image ADD COLUMN signing_certificate TEXT;
                    """)
        }
        migrator.registerMigration("v19-tariffs-and-costs") { db in
            // Issue 15: tariffs (OCPI 2.2.1 objects) kept in every version they had, assigned to a site, a group or a
            // station (and optionally a token group) for a span of time, so the tariff in force at a session's start
            // is known later; each finished session's cost, in units of 10⁻⁴ of its currency (exact, summable).
            try db.execute(
                sql: """
                    CREATE TABLE tariff (
                        id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, deleted_at BIGINT
                    );
                    CREATE TABLE tariff_version (
                        tariff_id TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, currency TEXT NOT NULL,
                        body TEXT NOT NULL, valid_from BIGINT NOT NULL, created_by TEXT,
                        PRIMARY KEY (tariff_id, version)
                    );
                    CREATE TABLE tariff_assignment (
                        id TEXT PRIMARY KEY NOT NULL, tariff_id TEXT NOT NULL,
                        site_id TEXT, group_id TEXT, station_id TEXT, token_group TEXT,
                        valid_from BIGINT NOT NULL, valid_to BIGINT
                    );
                    CREATE INDEX tariff_assignment_open ON tariff_assignment(valid_to);
                    ALTER TABLE session ADD COLUMN currency TEXT;
                    ALTER TABLE session ADD COLUMN cost_excl_e4 BIGINT;
                    ALTER TABLE session ADD COLUMN cost_incl_e4 BIGINT;
                    ALTER TABLE session ADD COLUMN tariff_id TEXT;
                    ALTER TABLE session ADD COLUMN tariff_version INTEGER;
                    ALTER TABLE session ADD COLUMN priced_at BIGINT;
                    ALTER TABLE session ADD COLUMN idle_ms BIGINT;
                    UPDATE session SET priced_at = stop_at WHERE stop_at IS NOT NULL;
                    CREATE INDEX session_unpriced ON session(stop_at) WHERE stop_at IS NOT NULL AND priced_at IS NULL;
                    CREATE TABLE statement (
                        id TEXT PRIMARY KEY NOT NULL, month TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,
                        created_at BIGINT NOT NULL, summary TEXT NOT NULL, csv TEXT NOT NULL,
                        UNIQUE (month, kind, subject)
                    );
                    """)
        }
        migrator.registerMigration("v20-cards") { db in
            // Issue 15: drivers' cards, from which the edges' token lists are derived beside each site's own list.
            try db.execute(
                sql: """
                    CREATE TABLE card (
                        id_tag TEXT PRIMARY KEY NOT NULL, holder TEXT, organization_id TEXT, vehicle_id TEXT, token_group TEXT,
                        valid_until BIGINT, blocked BOOLEAN NOT NULL DEFAULT FALSE, sites TEXT NOT NULL DEFAULT '',
                        updated_at BIGINT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v21-session-days") { db in
            // Issue 15: finished sessions summed per site and day, kept by triggers, for reports of a year in a blink.
            try db.execute(sql: SessionDayClock.schemaSQL)
        }
        migrator.registerMigration("v22-billing-details") { db in
            // Issue 15: a customer's address, VAT id and the addresses its statements go to (one a line).
            try db.execute(
                sql: """
                    ALTER TABLE organization ADD COLUMN billing_address TEXT;
                    ALTER TABLE organization ADD COLUMN vat_id TEXT;
                    ALTER TABLE organization ADD COLUMN billing_emails TEXT NOT NULL DEFAULT '';
                    """)
        }
        migrator.registerMigration("v23-notifications") { db in
            // Issue 16: notification rules, the notifier's place in the event history, notifications, deliveries.
            try db.execute(sql: SQLiteRepository.notificationSchema)
        }
        migrator.registerMigration("v24-notifications-seen") { db in
            // Issue 16: how far each user has read the notification list (its unread count).
            try db.execute(
                sql: "CREATE TABLE notification_seen (user_id TEXT PRIMARY KEY NOT NULL, last_id BIGINT NOT NULL)")
        }
        migrator.registerMigration("v25-notification-recipients") { db in
            // Issue 16: users as recipients (their e-mail), mutes and unsubscribes, Web Push subscriptions, secrets.
            try db.execute(sql: SQLiteRepository.recipientSchema)
        }
        migrator.registerMigration("v26-station-protocol") { db in
            // Issue 17: the OCPP version each station connected with, for the fleet list.
            try db.execute(sql: "ALTER TABLE station ADD COLUMN protocol TEXT")
        }
        migrator.registerMigration("v27-load-samples") { db in
            // Issue 17: what load management decided, kept over time (the site page's chart), and each connector's
            // share now.
            try db.execute(sql: SQLiteRepository.loadSchema)
        }
        migrator.registerMigration("v28-site-retired") { db in
            // Issue 17: a retired site keeps its history; it is listed nowhere and its messages are refused.
            try db.execute(sql: "ALTER TABLE site ADD COLUMN retired_at BIGINT")
        }
        migrator.registerMigration("v29-password-reset") { db in
            // Issue 17: password-reset links mailed to users (only each token's SHA-256 is kept).
            try db.execute(
                sql: """
                    CREATE TABLE password_reset (
                        token_hash TEXT PRIMARY KEY NOT NULL, user_id TEXT NOT NULL, expires_at BIGINT NOT NULL
                    );
                    CREATE INDEX password_reset_user ON password_reset(user_id);
                    """)
        }
        registerLaterMigrations(&migrator)
        return migrator
    }
}
