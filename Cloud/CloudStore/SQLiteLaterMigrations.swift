import GRDB

extension CloudSchema {
    /// The migrations from v30 on (issues 17 and 18), after the earlier ones in ``migrator``.
    static func registerLaterMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v30-station-registration") { db in
            // Issue 17: what the edge registered for a station added from the cloud (its wiring, whether it has a
            // password), for the station page's edit form.
            try db.execute(sql: "ALTER TABLE station ADD COLUMN registration TEXT")
        }
        migrator.registerMigration("v31-diagnostics") { db in
            // Issue 17: diagnostics asked of stations (GetDiagnostics) and the files they upload to the cloud.
            try db.execute(sql: SQLiteRepository.diagnosticsSchema)
        }
        migrator.registerMigration("v32-two-factor") { db in
            // Issue 17: TOTP two-factor sign-in, required per role.
            try db.execute(
                sql: """
                    ALTER TABLE app_user ADD COLUMN totp_secret TEXT;
                    ALTER TABLE app_user ADD COLUMN totp_pending TEXT;
                    ALTER TABLE app_user ADD COLUMN totp_last_step BIGINT;
                    ALTER TABLE web_session ADD COLUMN pending TEXT;
                    CREATE TABLE two_factor_role (role TEXT PRIMARY KEY NOT NULL);
                    """)
        }
        migrator.registerMigration("v33-ocpi-partners") { db in
            // Issue 18: OCPI roaming partners, their tokens and the calls exchanged with them.
            try db.execute(sql: SQLiteRepository.ocpiSchema)
        }
        migrator.registerMigration("v34-site-postal-address") { db in
            // Issue 18: the rest of a site's postal address, for roaming partners (OCPI's Location), and which sites
            // each partner is given.
            try db.execute(
                sql: """
                    ALTER TABLE site ADD COLUMN city TEXT;
                    ALTER TABLE site ADD COLUMN postal_code TEXT;
                    ALTER TABLE site ADD COLUMN country TEXT;
                    ALTER TABLE ocpi_partner ADD COLUMN sites TEXT NOT NULL DEFAULT '[]';
                    """)
        }
        migrator.registerMigration("v35-ocpi-tokens") { db in
            // Issue 18: drivers' tokens pushed by eMSPs, for the edges' lists.
            try db.execute(sql: SQLiteRepository.ocpiTokenSchema)
        }
        migrator.registerMigration("v36-ocpi-push") { db in
            // Issue 18: objects pushed to partners, CDRs, and which instance pushes.
            try db.execute(sql: SQLiteRepository.ocpiPushSchema)
        }
        migrator.registerMigration("v37-ocpi-authorizations") { db in
            // Issue 18: how partners' drivers were let charge (a command, a real-time authorization), for their
            // sessions' and CDRs' auth_method and authorization_reference; and when a site's own details last
            // changed (its Location's last_updated); and which partners an administrator marked hubs.
            try db.execute(
                sql: """
                    CREATE TABLE ocpi_authorization (
                        site_id TEXT NOT NULL, id_tag TEXT NOT NULL, method TEXT NOT NULL, reference TEXT, at BIGINT NOT NULL,
                        transaction_id BIGINT
                    );
                    CREATE INDEX ocpi_authorization_tag ON ocpi_authorization(site_id, id_tag, at);
                    ALTER TABLE site ADD COLUMN details_updated_at BIGINT;
                    ALTER TABLE ocpi_partner ADD COLUMN hub INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        migrator.registerMigration("v38-connector-types") { db in
            // Issue 18: what each station's connectors are (standard, format, power type, ratings), for Locations.
            try db.execute(
                sql: """
                    ALTER TABLE station ADD COLUMN connector_types TEXT;
                    ALTER TABLE station ADD COLUMN connector_types_updated_at BIGINT;
                    """)
        }
        migrator.registerMigration("v39-session-corrections") { db in
            // Issue 18: corrections of billed sessions (re-priced), and which roaming partners were sent credit CDRs.
            try db.execute(sql: SQLiteRepository.sessionCorrectionSchema)
        }
    }
}
