public import Foundation
import GRDB
import SiteModel

extension SQLiteRepository {
    public func addStatement(_ statement: StatementRecord) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO statement (id, month, kind, subject, created_at, summary, csv) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (month, kind, subject) DO NOTHING
                    """,
                arguments: [
                    statement.id, statement.month, statement.kind.rawValue, statement.subject,
                    statement.createdAt.milliseconds, statement.summary, statement.csv,
                ])
            guard db.changesCount > 0 else { return false }
            // A site's statement of a month with sessions is a line of its history: people read when it came, rules
            // hear of it (an empty month's, as every new site has for the month before it, tells nobody anything).
            let summary = try? JSONSerialization.jsonObject(with: Data(statement.summary.utf8)) as? [String: Any]
            if statement.kind == .site, (summary?["sessions"] as? Int ?? 0) > 0 {
                let entry = HistoryEntry(
                    at: statement.createdAt, station: nil, kind: "statement_ready", severity: .info,
                    fields: ["statement": statement.id, "month": statement.month])
                try Ingest.keep(
                    entry, site: statement.subject,
                    seq: try Self.cloudSeq(site: statement.subject, band: 51, statement.createdAt, db), db)
            }
            return true
        }
    }

    public func hasStatement(month: String, kind: StatementRecord.Kind, subject: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM statement WHERE month = ? AND kind = ? AND subject = ?)",
                arguments: [month, kind.rawValue, subject]) ?? false
        }
    }

    public func statements() async throws -> [StatementRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, month, kind, subject, created_at, summary, '' AS csv FROM statement
                    ORDER BY month DESC, kind, subject
                    """
            ).map(Self.statement(from:))
        }
    }

    public func statement(id: String) async throws -> StatementRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM statement WHERE id = ?", arguments: [id]).map(Self.statement(from:))
        }
    }

    static func statement(from row: Row) -> StatementRecord {
        StatementRecord(
            id: row["id"], month: row["month"], kind: StatementRecord.Kind(rawValue: row["kind"]) ?? .site,
            subject: row["subject"], createdAt: Date(milliseconds: row["created_at"]), summary: row["summary"],
            csv: row["csv"])
    }
}
