import BatchTransaction
public import Foundation
import GRDB
public import SiteModel
public import SyncContract

/// The cloud's storage in one SQLite file (WAL, `synchronous=FULL`: acknowledged means on disk).
public final class SQLiteRepository: CloudRepository {
    let pool: DatabasePool
    /// The clock and plausibility limit of the sessions' day sums (`session_day`).
    let sessionDays: SessionDayClock

    /// Opens (creating when needed) the database at `path` and brings its schema up to date. Reports sum days on
    /// `reportClock`'s wall clock and flag energy above `maxPowerW` over a session's duration; the day sums are
    /// rebuilt when either differs from the last time.
    public init(path: String, reportClock: TimeZone = .gmt, maxPowerW: Double = 350_000) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A batch of thousands of messages dirties many pages; with the default 2 MB cache SQLite spills
            // them to the WAL in the middle of the transaction, rewriting the same pages over and over.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            // After a checkpoint the WAL shrinks back to 64 MiB, instead of keeping its largest size for ever.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            // The writer keeps statement journals (a write that fires the day sums' triggers needs one) in memory, not
            // in temporary files: a session's stop otherwise cost three file writes instead of one. Readers keep
            // large sorts in files, so a report's memory stays bounded.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA temp_store = MEMORY") }
        }
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        try CloudSchema.migrator.migrate(pool)
        sessionDays = try Self.setSessionDays(SessionDayClock(timeZone: reportClock, maxPowerW: maxPowerW), in: pool)
    }

    public func close() throws { try pool.close() }

    // MARK: Sites

    public func addSite(id: String, name: String, at time: Date) async throws -> SiteRecord {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM site WHERE id = ?", arguments: [id]) != nil {
                throw CloudStoreError.siteExists(id)
            }
            // A card for every site is on the new site's list from the start.
            let cards = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM card WHERE sites = '')") ?? false
            try db.execute(
                sql: "INSERT INTO site (id, name, created_at, token_list_version) VALUES (?, ?, ?, ?)",
                arguments: [id, name, time.milliseconds, cards ? 1 : 0])
            return SiteRecord(
                id: id, name: name, createdAt: Date(milliseconds: time.milliseconds), tokenListVersion: cards ? 1 : 0)
        }
    }

    public func retireSite(id: String, at time: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE site SET retired_at = ?, online = FALSE WHERE id = ? AND retired_at IS NULL",
                arguments: [time.milliseconds, id])
            guard db.changesCount == 1 else { return false }
            // What pointed at the site from outside its history goes: grants, groups' members, home-page choices.
            for table in ["organization_site", "organization_station", "station_group_member", "user_site_view"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE site_id = ?", arguments: [id])
            }
            return true
        }
    }

    public func sites(in scope: Scope?) async throws -> [SiteRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM site WHERE retired_at IS NULL ORDER BY id").map(Self.site(from:)).filter {
                scope.sees(site: $0.id)
            }
        }
    }

    public func site(id: String) async throws -> SiteRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM site WHERE id = ? AND retired_at IS NULL", arguments: [id]).map(
                Self.site(from:))
        }
    }

    public func setPresence(site: String, online: Bool, at time: Date) async throws {
        try await pool.write { db in
            let before = try Bool.fetchOne(
                db, sql: "SELECT online FROM site WHERE id = ? AND retired_at IS NULL", arguments: [site])
            // A retired site stays offline, whatever a last message says.
            try db.execute(
                sql: "UPDATE site SET online = ?, last_seen_at = ? WHERE id = ? AND retired_at IS NULL",
                arguments: [online, time.milliseconds, site])
            // A change (not the same word again, as a retained message repeats it) goes into the site's history:
            // availability counts a site's stations offline while it is, and people read when it was.
            guard db.changesCount == 1, before != online else { return }
            try db.execute(
                sql: """
                    INSERT INTO event (site_id, seq, at, station_id, connector_id, kind, severity, code, detail)
                    VALUES (?, ?, ?, NULL, NULL, ?, ?, NULL, ?) ON CONFLICT DO NOTHING
                    """,
                arguments: [
                    site, try Self.cloudSeq(site: site, band: 50, time, db), time.milliseconds,
                    online ? "site_online" : "site_offline",
                    online ? "info" : "warning", online ? #"{"online":true}"# : #"{"online":false}"#,
                ])
        }
    }

    /// Events the cloud itself records have negative seqs (the edges' are positive): a store replaced at `-ms`, a
    /// site's presence changed 2⁵⁰ below, its statement made 2⁵¹ below, a session priced 2⁵² below (35,000 years of
    /// milliseconds apart, so they never meet), and below the band's last one when two share a millisecond.
    static func cloudSeq(site: String, band: Int, _ time: Date, _ db: Database) throws -> Int64 {
        let seq = -(Int64(1) << band) - time.milliseconds
        // Within the band only: the bands below are other kinds of line.
        let lowest =
            try Int64.fetchOne(
                db, sql: "SELECT MIN(seq) FROM event WHERE site_id = ? AND seq <= ? AND seq > ?",
                arguments: [site, seq, -(Int64(1) << (band + 1))]) ?? seq + 1
        return min(seq, lowest - 1)
    }

    public func updateSite(
        id: String, name: String?, address: String?, latitude: Double?, longitude: Double?, timeZone: String?
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE site SET name = COALESCE(?, name), address = COALESCE(?, address), latitude = COALESCE(?, latitude),
                        longitude = COALESCE(?, longitude), time_zone = COALESCE(?, time_zone), details_updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [name, address, latitude, longitude, timeZone, Date().milliseconds, id])
            guard db.changesCount == 1 else { throw CloudStoreError.unknownSite(id) }
        }
    }

    static func site(from row: Row) -> SiteRecord {
        SiteRecord(
            id: row["id"], name: row["name"], createdAt: Date(milliseconds: row["created_at"]), online: row["online"],
            lastSeenAt: (row["last_seen_at"] as Int64?).map(Date.init(milliseconds:)), lastSeq: row["last_seq"],
            tokenListVersion: row["token_list_version"], address: row["address"], latitude: row["latitude"],
            longitude: row["longitude"], timeZone: row["time_zone"], city: row["city"], postalCode: row["postal_code"],
            country: row["country"],
            detailsUpdatedAt: (row["details_updated_at"] as Int64?).map(Date.init(milliseconds:)))
    }

    public func updateSitePostal(id: String, city: String?, postalCode: String?, country: String?) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE site SET city = COALESCE(?, city), postal_code = COALESCE(?, postal_code),
                        country = COALESCE(?, country), details_updated_at = ?
                    WHERE id = ?
                    """, arguments: [city, postalCode, country, Date().milliseconds, id])
            guard db.changesCount == 1 else { throw CloudStoreError.unknownSite(id) }
        }
    }

    // MARK: Ingest

    public func apply(_ envelopes: [UpEnvelope], receivedAt: Date) async throws -> ApplyOutcome {
        let received = receivedAt.milliseconds
        // A message that cannot be applied is redone in a savepoint of its own, so that the others apply and it is kept
        // as an event. (A savepoint per message costs ingest a tenth of its speed, and such messages are rare.)
        return try await BatchTransaction.write(to: pool, isolating: Self.isTheMessagesFault) { db, writes in
            try Self.apply(envelopes, received: received, db, writes)
        }
    }

    /// Whether `error` comes from what the message says (a constraint it breaks, a value the store refuses), so
    /// that it would fail again on every resend; a busy, full or failing database is not, and fails the batch,
    /// which is then not acknowledged and comes again.
    @Sendable private static func isTheMessagesFault(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return true }
        return [.SQLITE_CONSTRAINT, .SQLITE_MISMATCH, .SQLITE_RANGE, .SQLITE_TOOBIG].contains(error.resultCode)
    }

    private static func apply(
        _ envelopes: [UpEnvelope], received: Int64, _ db: Database, _ writes: BatchTransaction.Writes
    ) throws -> ApplyOutcome {
        var outcome = ApplyOutcome()
        var epochs = SiteEpochs()
        for envelope in envelopes {
            let (epoch, seqOffset) = try epochs.epoch(of: envelope, db)
            let kept = Ingest.Kept(
                seq: SiteEpochs.saturating(envelope.seq, seqOffset), epoch: envelope.epoch == nil ? nil : epoch)
            try db.cachedStatement(
                sql: "INSERT INTO applied (site_id, epoch, seq, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
            )
            .execute(arguments: [envelope.site, epoch, envelope.seq, received])
            outcome.acknowledged[envelope.site, default: []].append(envelope.seq)
            guard db.changesCount > 0, try !epochs.appliedWithoutEpoch(envelope, epoch: epoch, db) else {
                outcome.duplicates += 1
                continue
            }
            outcome.applied += 1
            epochs.applied(envelope, epoch: epoch)
            if case .failure(let error) = try writes.run(db, { try Ingest.apply(envelope, kept, db, &outcome) }) {
                // A message that cannot be applied will not apply on a resend either: it is kept as an event, so it
                // is visible, and acknowledged, so the edge does not resend it forever.
                try Ingest.recordFailure(envelope, kept, error: error, db)
            }
        }
        try epochs.save(receivedAt: received, db)
        for change in epochs.replaced {
            try Ingest.storeReplaced(
                db, site: change.site, previous: change.previous, epoch: change.epoch, lastSeq: change.lastSeq,
                seq: change.seq, at: change.at)
            outcome.storesReplaced.append(change.site)
        }
        return outcome
    }

    // MARK: Tokens of drivers

    public func siteTokens(site: String) async throws -> (version: Int, tokens: [SiteToken]) {
        try await pool.read { db in
            let version = try Int.fetchOne(db, sql: "SELECT token_list_version FROM site WHERE id = ?", arguments: [site]) ?? 0
            let tokens = try Row.fetchAll(
                db, sql: "SELECT * FROM site_token WHERE site_id = ? ORDER BY id_tag", arguments: [site]
            ).map(Self.token(from:))
            return (version, tokens)
        }
    }

    public func replaceSiteTokens(site: String, with tokens: [SiteToken]) async throws -> Int {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM site WHERE id = ?", arguments: [site]) != nil else {
                throw CloudStoreError.unknownSite(site)
            }
            try db.execute(sql: "DELETE FROM site_token WHERE site_id = ?", arguments: [site])
            for token in tokens {
                try db.execute(
                    sql: "INSERT INTO site_token (site_id, id_tag, status, expiry, parent_id_tag) VALUES (?, ?, ?, ?, ?)",
                    arguments: [site, token.idTag, token.status.rawValue, token.expiry?.milliseconds, token.parentIdTag])
            }
            try db.execute(sql: "UPDATE site SET token_list_version = token_list_version + 1 WHERE id = ?", arguments: [site])
            return try Int.fetchOne(db, sql: "SELECT token_list_version FROM site WHERE id = ?", arguments: [site]) ?? 0
        }
    }

    public func siteToken(site: String, idTag: String) async throws -> SiteToken? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM site_token WHERE site_id = ? AND id_tag = ?", arguments: [site, idTag]
            ).map(Self.token(from:))
        }
    }

    static func token(from row: Row) -> SiteToken {
        SiteToken(
            idTag: row["id_tag"], status: OpenEnum(rawValue: row["status"]),
            expiry: (row["expiry"] as Int64?).map(Date.init(milliseconds:)),
            parentIdTag: row["parent_id_tag"])
    }

    // MARK: API tokens

    public func addAPIToken(_ token: APITokenRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_token (id, name, secret_hash, role, created_at, revoked, user_id, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.id, token.name, token.secretHash, token.role, token.createdAt.milliseconds, token.revoked, token.user,
                    token.expiresAt?.milliseconds,
                ])
        }
    }

    public func apiToken(id: String) async throws -> APITokenRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE id = ?", arguments: [id]).map(Self.apiToken(from:))
        }
    }

    public func apiTokens() async throws -> [APITokenRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_token ORDER BY created_at, id").map(Self.apiToken(from:))
        }
    }

    public func revokeAPIToken(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE api_token SET revoked = TRUE WHERE id = ? AND NOT revoked", arguments: [id])
            return db.changesCount == 1
        }
    }

    public func tokenUsed(id: String, at time: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE api_token SET last_used_at = ? WHERE id = ?", arguments: [time.milliseconds, id])
        }
    }

    static func apiToken(from row: Row) -> APITokenRecord {
        APITokenRecord(
            id: row["id"], name: row["name"], secretHash: row["secret_hash"], role: row["role"],
            createdAt: Date(milliseconds: row["created_at"]), revoked: row["revoked"], user: row["user_id"],
            expiresAt: (row["expires_at"] as Int64?).map(Date.init(milliseconds:)),
            lastUsedAt: (row["last_used_at"] as Int64?).map(Date.init(milliseconds:)))
    }

    // MARK: Commands

    public func recordCommand(
        id: String, site: String, station: String, action: String, payload: String, user: String?, at time: Date
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO command (id, site_id, station_id, action, payload, created_at, user_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, site, station, action, payload, time.milliseconds, user])
        }
    }

    public func commandOutcome(id: String) async throws -> CommandResultRecord? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM command WHERE id = ?", arguments: [id]),
                let outcome = row["outcome"] as String?
            else { return nil }
            return CommandResultRecord(
                site: row["site_id"], id: id, outcome: CommandOutcome(rawValue: outcome), response: row["response"],
                error: row["error"])
        }
    }
}

extension Date {
    /// How the cloud stores time: integer milliseconds since 1970 (portable to PostgreSQL's BIGINT).
    var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
