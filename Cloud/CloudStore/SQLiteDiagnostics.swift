public import Foundation
import GRDB

extension SQLiteRepository {
    static let diagnosticsSchema = """
        CREATE TABLE diagnostics (
            id TEXT PRIMARY KEY NOT NULL, token_hash TEXT NOT NULL UNIQUE,
            site_id TEXT NOT NULL, station_id TEXT NOT NULL, requested_by TEXT, requested_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL, state TEXT NOT NULL, detail TEXT, file_name TEXT,
            station_status TEXT, station_status_at BIGINT,
            size INTEGER, content_type TEXT, content BLOB, uploaded_at BIGINT
        );
        CREATE INDEX diagnostics_station ON diagnostics(site_id, station_id, requested_at);
        """

    private static let diagnosticsColumns = """
        id, site_id, station_id, requested_by, requested_at, expires_at, state, detail, file_name, station_status,
        station_status_at, size, content_type, uploaded_at
        """

    public func addDiagnostics(_ record: DiagnosticsRecord, tokenHash: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO diagnostics (id, token_hash, site_id, station_id, requested_by, requested_at, expires_at, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, tokenHash, record.site, record.station, record.requestedBy, record.requestedAt.milliseconds,
                    record.expiresAt.milliseconds, record.state,
                ])
        }
    }

    public func diagnostics(id: String) async throws -> DiagnosticsRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.diagnosticsColumns) FROM diagnostics WHERE id = ?", arguments: [id])
                .map(Self.diagnostics(from:))
        }
    }

    public func diagnostics(site: String, station: String, limit: Int) async throws -> [DiagnosticsRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.diagnosticsColumns) FROM diagnostics WHERE site_id = ? AND station_id = ?
                    ORDER BY requested_at DESC, id DESC LIMIT ?
                    """, arguments: [site, station, limit]
            ).map(Self.diagnostics(from:))
        }
    }

    public func diagnosticsAnswered(id: String, state: String, fileName: String?, detail: String?) async throws {
        try await pool.write { db in
            // A file that arrived before the answer stays the request's state, under its own name.
            try db.execute(
                sql: """
                    UPDATE diagnostics SET state = CASE WHEN state = 'uploaded' THEN state ELSE ? END,
                        file_name = CASE WHEN state = 'uploaded' THEN file_name ELSE COALESCE(?, file_name) END,
                        detail = CASE WHEN state = 'uploaded' THEN NULL ELSE ? END
                    WHERE id = ?
                    """, arguments: [state, fileName, detail, id])
        }
    }

    public func storeDiagnosticsUpload(
        tokenHash: String, _ file: DiagnosticsFile, now: Date
    ) async throws -> DiagnosticsRecord? {
        try await pool.write { db in
            guard
                let id = try String.fetchOne(
                    db, sql: "SELECT id FROM diagnostics WHERE token_hash = ? AND expires_at > ?",
                    arguments: [tokenHash, now.milliseconds])
            else { return nil }
            try db.execute(
                sql: """
                    UPDATE diagnostics SET state = 'uploaded', detail = NULL, file_name = ?, content_type = ?, content = ?,
                        size = ?, uploaded_at = ?
                    WHERE id = ?
                    """,
                arguments: [file.name, file.contentType, file.content, file.content.count, now.milliseconds, id])
            return try Row.fetchOne(
                db, sql: "SELECT \(Self.diagnosticsColumns) FROM diagnostics WHERE id = ?", arguments: [id]
            ).map(Self.diagnostics(from:))
        }
    }

    public func diagnosticsExpected(tokenHash: String, now: Date) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM diagnostics WHERE token_hash = ? AND expires_at > ?",
                arguments: [tokenHash, now.milliseconds]) ?? false
        }
    }

    public func diagnosticsFile(id: String) async throws -> DiagnosticsFile? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT file_name, content_type, content FROM diagnostics WHERE id = ? AND content IS NOT NULL",
                    arguments: [id])
            else { return nil }
            return DiagnosticsFile(
                name: row["file_name"] ?? "diagnostics", contentType: row["content_type"] ?? "application/octet-stream",
                content: row["content"])
        }
    }

    /// The station's own word on its latest request (DiagnosticsStatusNotification, through the edge's history).
    static func diagnosticsStatus(site: String, station: String, status: String, at time: Date, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE diagnostics SET station_status = ?, station_status_at = ?
                WHERE id = (SELECT id FROM diagnostics WHERE site_id = ? AND station_id = ?
                            ORDER BY requested_at DESC, id DESC LIMIT 1)
                    AND (station_status_at IS NULL OR station_status_at <= ?)
                """, arguments: [status, time.milliseconds, site, station, time.milliseconds])
    }

    static func diagnostics(from row: Row) -> DiagnosticsRecord {
        var record = DiagnosticsRecord(
            id: row["id"], site: row["site_id"], station: row["station_id"], requestedBy: row["requested_by"],
            requestedAt: Date(milliseconds: row["requested_at"]), expiresAt: Date(milliseconds: row["expires_at"]),
            state: row["state"])
        record.detail = row["detail"]
        record.fileName = row["file_name"]
        record.stationStatus = row["station_status"]
        record.stationStatusAt = (row["station_status_at"] as Int64?).map(Date.init(milliseconds:))
        record.size = row["size"]
        record.contentType = row["content_type"]
        record.uploadedAt = (row["uploaded_at"] as Int64?).map(Date.init(milliseconds:))
        return record
    }
}
