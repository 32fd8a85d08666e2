public import Foundation
import GRDB

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
            return db.changesCount > 0
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
