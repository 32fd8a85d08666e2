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
///   below what the old store reached, which would make its news look older than the old store's: the site's
///   stations' seq guards are then reset so that they apply).
struct SiteEpochs {
    struct Site {
        var epoch: String?
        var lastSeq: Int64
        /// Messages applied without an epoch at or below this seq belong to `epoch` (adopted at its first message).
        var legacySeq: Int64?
    }

    /// How far below `last_seq` a message of a site's first epoch may be and still be taken for the same store
    /// (resends of what was not acknowledged before the upgrade; an outbox holds at most 100,000 messages).
    static let continuation: Int64 = 10_000_000

    private var sites: [String: Site] = [:]
    /// Epoch changes seen in this batch, to record once each.
    private(set) var replaced: [(site: String, previous: String?, epoch: String, lastSeq: Int64, seq: Int64, at: Date)] = []

    /// The key of `envelope` in `applied`: its epoch ('' without one). Notes an epoch the site had not used.
    mutating func epoch(of envelope: UpEnvelope, _ db: Database) throws -> String {
        guard let epoch = envelope.epoch else { return "" }
        var site = try load(envelope.site, db)
        guard site.epoch != epoch else { return epoch }
        if site.epoch == nil, site.lastSeq == 0 || envelope.seq > site.lastSeq - Self.continuation {
            site.legacySeq = site.lastSeq
        } else {
            replaced.append((envelope.site, site.epoch, epoch, site.lastSeq, envelope.seq, envelope.timestamp))
            site.legacySeq = nil
            site.lastSeq = 0
            if envelope.seq <= (sites[envelope.site]?.lastSeq ?? 0) {
                // The new store's news would look older than the old store's: let it apply.
                try db.execute(
                    sql: "UPDATE station SET boot_seq = 0, connection_seq = 0 WHERE site_id = ?", arguments: [envelope.site])
            }
        }
        site.epoch = epoch
        sites[envelope.site] = site
        try db.execute(
            sql: "UPDATE site SET epoch = ?, legacy_seq = ?, last_seq = ? WHERE id = ?",
            arguments: [epoch, site.legacySeq, site.lastSeq, envelope.site])
        return epoch
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
        let row = try Row.fetchOne(db, sql: "SELECT epoch, last_seq, legacy_seq FROM site WHERE id = ?", arguments: [id])
        let site = Site(epoch: row?["epoch"], lastSeq: row?["last_seq"] ?? 0, legacySeq: row?["legacy_seq"])
        sites[id] = site
        return site
    }
}
