import Foundation
import GRDB
import SyncContract

/// What the cloud knows of each site's edge store while it applies a batch (security review, finding 5): which epoch
/// (store) the site speaks from, and which seqs of that store may have been applied before epochs existed.
///
/// - A site's first epoch, arriving with seqs that continue the site's (the same store, its edge upgraded), adopts
///   the messages applied without an epoch up to `last_seq`: a resend of one of them is a repeat.
/// - Another epoch is another store (one that replaced a lost one): its messages are applied, never taken for
///   repeats of the old store's, and the change is kept as a `store_replaced` event (an error when its seqs start
///   at or below what the old store reached: a replacement box whose clock was wrong, though plausible, when its
///   store was made). The old store's sessions are marked as its own, so the new store cannot overwrite one whose
///   transaction id it reuses.
/// - Where a message's seq is kept (events, samples, the seq guards of live values), it is kept as `seq + seqOffset`:
///   0, unless the new store's seqs start at or below what the old store reached; then the offset puts them above,
///   so they neither collide with the old store's rows nor look older than its news.
struct SiteEpochs {
    struct Site {
        var epoch: String?
        var lastSeq: Int64
        /// Messages applied without an epoch at or below this seq belong to `epoch` (adopted at its first message).
        var legacySeq: Int64?
        /// Added to this epoch's seqs where they are kept.
        var seqOffset: Int64
        /// Whether this batch moved `lastSeq`.
        var touched = false
    }

    /// How far below `last_seq` a message of a site's first epoch may be and still be taken for the same store
    /// (resends of what was not acknowledged before the upgrade; an outbox holds at most 100,000 messages).
    static let continuation: Int64 = 10_000_000

    private var sites: [String: Site] = [:]
    /// Epoch changes seen in this batch, to record once each.
    private(set) var replaced: [(site: String, previous: String?, epoch: String, lastSeq: Int64, seq: Int64, at: Date)] = []

    /// The key of `envelope` in `applied`: its epoch ('' without one), and the offset its seq is kept with. Notes an
    /// epoch the site had not used.
    mutating func epoch(of envelope: UpEnvelope, _ db: Database) throws -> (epoch: String, seqOffset: Int64) {
        var site = try load(envelope.site, db)
        // Messages of an edge before epochs: its store's seqs were always kept as they are.
        guard let epoch = envelope.epoch else { return ("", 0) }
        guard site.epoch != epoch else { return (epoch, site.seqOffset) }
        if site.epoch == nil, site.lastSeq == 0 || envelope.seq > site.lastSeq - Self.continuation {
            site.legacySeq = site.lastSeq
        } else {
            replaced.append((envelope.site, site.epoch, epoch, site.lastSeq, envelope.seq, envelope.timestamp))
            // Where the old store's seqs reached as kept; the new store's are kept above if they start below. Seqs are
            // at most 2^53 (ingest refuses more), and offsets saturate, so no arithmetic here can overflow.
            let reached = Self.saturating(site.lastSeq, site.seqOffset)
            site.seqOffset = envelope.seq <= reached ? min(reached - envelope.seq + 1, Self.maxOffset) : 0
            site.legacySeq = nil
            site.lastSeq = 0
            // The old store's sessions are its own from now on (those of an edge before epochs had none).
            try db.execute(
                sql: "UPDATE session SET epoch = ? WHERE site_id = ? AND epoch IS NULL",
                arguments: [site.epoch ?? "", envelope.site])
        }
        site.epoch = epoch
        sites[envelope.site] = site
        try db.execute(
            sql: "UPDATE site SET epoch = ?, legacy_seq = ?, last_seq = ?, seq_offset = ? WHERE id = ?",
            arguments: [epoch, site.legacySeq, site.lastSeq, site.seqOffset, envelope.site])
        return (epoch, site.seqOffset)
    }

    /// The largest offset kept: far beyond any real store (2^62), so that seq plus offset stays an Int64.
    static let maxOffset: Int64 = 1 << 62

    /// `a + b`, or `Int64.max` where that would overflow.
    static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// Notes that `envelope` of `epoch` was applied: the site's `last_seq` is the highest seq of the store it speaks
    /// from now, kept as messages apply, so a replacement later in the same batch starts from the right place.
    mutating func applied(_ envelope: UpEnvelope, epoch: String) {
        guard var site = sites[envelope.site], (site.epoch ?? "") == epoch, envelope.seq > site.lastSeq else { return }
        site.lastSeq = envelope.seq
        site.touched = true
        sites[envelope.site] = site
    }

    /// Writes each site's `last_seq` that this batch moved, with the time it was heard from.
    func save(receivedAt received: Int64, _ db: Database) throws {
        for (id, site) in sites where site.touched {
            try db.cachedStatement(sql: "UPDATE site SET last_seq = ?, last_seen_at = ? WHERE id = ?")
                .execute(arguments: [site.lastSeq, received, id])
        }
    }

    /// Whether a message of `epoch` new to `applied` was applied before epochs existed (adopted by this epoch).
    func appliedWithoutEpoch(_ envelope: UpEnvelope, epoch: String, _ db: Database) throws -> Bool {
        guard !epoch.isEmpty, let legacy = sites[envelope.site]?.legacySeq, envelope.seq <= legacy else { return false }
        return try Bool.fetchOne(
            db, sql: "SELECT 1 FROM applied WHERE site_id = ? AND epoch = '' AND seq = ?",
            arguments: [envelope.site, envelope.seq]) != nil
    }

    private mutating func load(_ id: String, _ db: Database) throws -> Site {
        if let site = sites[id] { return site }
        let row = try Row.fetchOne(
            db, sql: "SELECT epoch, last_seq, legacy_seq, seq_offset FROM site WHERE id = ?", arguments: [id])
        let site = Site(
            epoch: row?["epoch"], lastSeq: row?["last_seq"] ?? 0, legacySeq: row?["legacy_seq"],
            seqOffset: row?["seq_offset"] ?? 0)
        sites[id] = site
        return site
    }
}
