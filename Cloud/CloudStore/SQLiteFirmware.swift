public import Foundation
import GRDB

extension SQLiteRepository {
    public func addFirmwareImage(_ image: FirmwareImage, data: Data?) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO firmware_image (id, name, version, file_name, size, sha256, url, created_at, created_by,
                        organization_id, allow_unencrypted)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    image.id, image.name, image.version, image.fileName, image.size, image.sha256, image.url,
                    image.createdAt.milliseconds, image.createdBy, image.organization, image.allowUnencrypted,
                ])
            if let data { try Self.insertChunks(db, image: image.id, data: data) }
        }
    }

    public func firmwareImages() async throws -> [FirmwareImage] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM firmware_image ORDER BY created_at DESC, id").map(Self.image(from:))
        }
    }

    public func firmwareImage(id: String) async throws -> FirmwareImage? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM firmware_image WHERE id = ?", arguments: [id]).map(Self.image(from:))
        }
    }

    public func firmwareChunk(image: String, index: Int) async throws -> Data? {
        try await pool.read { db in
            try Data.fetchOne(
                db, sql: "SELECT data FROM firmware_chunk WHERE image_id = ? AND n = ?", arguments: [image, index])
        }
    }

    /// Keeps an uploaded image as chunks of ``FirmwareImage/chunkBytes``.
    static func insertChunks(_ db: Database, image: String, data: Data) throws {
        var index = 0
        var offset = data.startIndex
        while offset < data.endIndex {
            let end = data.index(offset, offsetBy: FirmwareImage.chunkBytes, limitedBy: data.endIndex) ?? data.endIndex
            try db.execute(
                sql: "INSERT INTO firmware_chunk (image_id, n, data) VALUES (?, ?, ?)",
                arguments: [image, index, data[offset..<end]])
            index += 1
            offset = end
        }
    }

    static func image(from row: Row) -> FirmwareImage {
        FirmwareImage(
            id: row["id"], name: row["name"], version: row["version"], fileName: row["file_name"], size: row["size"],
            sha256: row["sha256"], url: row["url"], createdAt: Date(milliseconds: row["created_at"]),
            createdBy: row["created_by"], organization: row["organization_id"], allowUnencrypted: row["allow_unencrypted"],
            signature: row["signature"], signingCertificate: row["signing_certificate"])
    }

    public func setFirmwareSignature(image: String, signature: String?, signingCertificate: String?) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE firmware_image SET signature = ?, signing_certificate = ? WHERE id = ?",
                arguments: [signature, signingCertificate, image])
        }
    }

    public func addCampaign(_ campaign: FirmwareCampaign, targets: [(station: String, site: String)]) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO firmware_campaign (id, name, image_id, location, start_at, rate_per_minute, state, created_at,
                        created_by, organization_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    campaign.id, campaign.name, campaign.image, campaign.location, campaign.startAt.milliseconds,
                    campaign.ratePerMinute, campaign.state, campaign.createdAt.milliseconds, campaign.createdBy,
                    campaign.organization,
                ])
            for target in targets {
                try db.execute(
                    sql: """
                        INSERT INTO firmware_target (campaign_id, station_id, site_id, state, updated_at) VALUES (?, ?, ?, 'pending', ?)
                        ON CONFLICT DO NOTHING
                        """,
                    arguments: [campaign.id, target.station, target.site, campaign.createdAt.milliseconds])
            }
        }
    }

    public func campaigns() async throws -> [FirmwareCampaign] {
        try await pool.read { db in
            var progress: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT campaign_id, state, COUNT(*) AS n FROM firmware_target GROUP BY campaign_id, state")
            {
                progress[row["campaign_id"], default: [:]][row["state"]] = row["n"]
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM firmware_campaign ORDER BY created_at DESC, id").map { row in
                var campaign = Self.campaign(from: row)
                campaign.progress = progress[campaign.id] ?? [:]
                return campaign
            }
        }
    }

    public func campaign(id: String) async throws -> FirmwareCampaign? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM firmware_campaign WHERE id = ?", arguments: [id]) else {
                return nil
            }
            var campaign = Self.campaign(from: row)
            let targets = try Row.fetchAll(
                db, sql: "SELECT * FROM firmware_target WHERE campaign_id = ? ORDER BY site_id, station_id", arguments: [id]
            ).map { row in
                FirmwareTarget(
                    station: row["station_id"], site: row["site_id"], state: row["state"],
                    sentAt: (row["sent_at"] as Int64?).map(Date.init(milliseconds:)),
                    updatedAt: (row["updated_at"] as Int64?).map(Date.init(milliseconds:)), detail: row["detail"])
            }
            campaign.targets = targets
            campaign.progress = Dictionary(grouping: targets, by: \.state).mapValues(\.count)
            return campaign
        }
    }

    static func campaign(from row: Row) -> FirmwareCampaign {
        FirmwareCampaign(
            id: row["id"], name: row["name"], image: row["image_id"], location: row["location"],
            startAt: Date(milliseconds: row["start_at"]), ratePerMinute: row["rate_per_minute"], state: row["state"],
            createdAt: Date(milliseconds: row["created_at"]), createdBy: row["created_by"],
            organization: row["organization_id"], finishedAt: (row["finished_at"] as Int64?).map(Date.init(milliseconds:)))
    }

    public func setCampaignState(id: String, state: String, at time: Date) async throws {
        try await pool.write { db in
            let finished = state == "stopped" || state == "finished"
            try db.execute(
                sql: "UPDATE firmware_campaign SET state = ?, finished_at = CASE WHEN ? THEN ? ELSE finished_at END WHERE id = ?",
                arguments: [state, finished, time.milliseconds, id])
            if state == "stopped" {
                try db.execute(
                    sql: """
                        UPDATE firmware_target SET state = 'skipped', updated_at = ?, detail = 'campaign stopped'
                        WHERE campaign_id = ? AND state = 'pending'
                        """,
                    arguments: [time.milliseconds, id])
            }
        }
    }

    public func claimTarget(campaign: String, station: StationKey, at time: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE firmware_target SET state = 'sending', claimed_at = ?
                    WHERE campaign_id = ? AND site_id = ? AND station_id = ? AND state = 'pending'
                    """,
                arguments: [time.milliseconds, campaign, station.site, station.station])
            return db.changesCount == 1
        }
    }

    public func updateTarget(
        campaign: String, station: StationKey, state: String, sentAt: Date?, detail: String?, at time: Date
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE firmware_target SET state = ?, sent_at = COALESCE(?, sent_at), detail = ?, updated_at = ?
                    WHERE campaign_id = ? AND site_id = ? AND station_id = ?
                    """,
                arguments: [state, sentAt?.milliseconds, detail, time.milliseconds, campaign, station.site, station.station])
        }
    }

    public func releaseStaleClaims(claimedBefore: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE firmware_target SET state = 'pending', detail = 'claimed by an instance that stopped; sent again'
                    WHERE state = 'sending' AND (claimed_at IS NULL OR claimed_at < ?)
                    """, arguments: [claimedBefore.milliseconds])
            return db.changesCount
        }
    }

    public func firmwareStatus(station: StationKey, since: Date) async throws -> (status: String, time: Date)? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT e.detail, e.at FROM event e
                        JOIN site s ON s.id = e.site_id
                        JOIN applied a ON a.site_id = e.site_id AND (
                            (a.epoch = '' AND a.seq = e.seq)
                            OR (a.epoch = COALESCE(s.epoch, '') AND a.seq = e.seq - s.seq_offset))
                        WHERE e.site_id = ? AND e.station_id = ? AND e.kind = 'firmware_status' AND a.received_at >= ?
                        ORDER BY e.at DESC, e.seq DESC LIMIT 1
                        """,
                    arguments: [station.site, station.station, since.milliseconds])
            else { return nil }
            let detail: String = row["detail"]
            let object = try? JSONSerialization.jsonObject(with: Data(detail.utf8)) as? [String: Any]
            guard let status = object?["status"] as? String else { return nil }
            return (status, Date(milliseconds: row["at"]))
        }
    }
}
