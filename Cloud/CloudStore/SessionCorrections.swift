public import Foundation
import GRDB
import SyncContract

/// A correction of what a finished session was billed: the price before and after, who made it, and why. Kept for
/// good; roaming partners that had the session's CDR are sent a credit CDR and a new one.
public struct SessionCorrection: Sendable, Equatable, Codable {
    public var id: Int64
    public var site: String
    public var transactionId: Int
    public var at: Date
    public var user: String?
    public var reason: String
    /// Nil: it had no tariff (it cost nothing), or has none now.
    public var before: SessionPrice?
    public var after: SessionPrice?

    public init(
        id: Int64, site: String, transactionId: Int, at: Date, user: String?, reason: String, before: SessionPrice?,
        after: SessionPrice?
    ) {
        self.id = id
        self.site = site
        self.transactionId = transactionId
        self.at = at
        self.user = user
        self.reason = reason
        self.before = before
        self.after = after
    }
}

/// Why a session's price cannot be corrected.
public enum SessionCorrectionRefusal: Error, Equatable, Sendable {
    /// No such session, or it has not ended and been billed yet.
    case notBilled
    /// The new price is the one it has.
    case unchanged
    /// The amount is beyond what the store keeps (10⁻⁴ units in 64 bits).
    case tooLarge
}

/// Corrections of billed sessions.
public protocol SessionCorrectionRepository: Sendable {
    /// Replaces what a billed session costs with `price` (nil: nothing) and keeps the correction; throws
    /// ``SessionCorrectionRefusal`` when it is not billed or the price does not change.
    func correctSessionPrice(
        site: String, transactionId: Int, price: SessionPrice?, reason: String, user: String?, at time: Date
    ) async throws -> SessionCorrection
    /// A session's corrections, oldest first.
    func sessionCorrections(site: String, transactionId: Int) async throws -> [SessionCorrection]
    /// Corrections the roaming push has not handled yet, oldest first.
    func correctionsForOCPI() async throws -> [SessionCorrection]
    func markCorrectionSentToOCPI(id: Int64) async throws
}

extension SQLiteRepository {
    static let sessionCorrectionSchema = """
        CREATE TABLE session_correction (
            id INTEGER PRIMARY KEY AUTOINCREMENT, site_id TEXT NOT NULL, transaction_id BIGINT NOT NULL, at BIGINT NOT NULL,
            user_name TEXT, reason TEXT NOT NULL, before_price TEXT, after_price TEXT,
            ocpi_done INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX session_correction_session ON session_correction(site_id, transaction_id);
        CREATE INDEX session_correction_ocpi ON session_correction(id) WHERE ocpi_done = 0;
        """

    public func correctSessionPrice(
        site: String, transactionId: Int, price: SessionPrice?, reason: String, user: String?, at time: Date
    ) async throws -> SessionCorrection {
        if let price, Self.tenThousandths(price.exclVat) == nil || Self.tenThousandths(price.inclVat) == nil {
            throw SessionCorrectionRefusal.tooLarge
        }
        return try await pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM session WHERE site_id = ? AND transaction_id = ? AND priced_at IS NOT NULL",
                    arguments: [site, transactionId])
            else { throw SessionCorrectionRefusal.notBilled }
            let before = Self.price(from: row)
            guard before != price else { throw SessionCorrectionRefusal.unchanged }
            try db.execute(
                sql: """
                    UPDATE session SET currency = ?, cost_excl_e4 = ?, cost_incl_e4 = ?, tariff_id = ?, tariff_version = ?
                    WHERE site_id = ? AND transaction_id = ?
                    """,
                arguments: [
                    price?.currency, price.flatMap { Self.tenThousandths($0.exclVat) },
                    price.flatMap { Self.tenThousandths($0.inclVat) }, price?.tariff, price?.tariffVersion, site, transactionId,
                ])
            let encoder = SyncJSON.encoder()
            func json(_ price: SessionPrice?) throws -> String? {
                try price.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            }
            try db.execute(
                sql: """
                    INSERT INTO session_correction (site_id, transaction_id, at, user_name, reason, before_price, after_price)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [site, transactionId, time.milliseconds, user, reason, try json(before), try json(price)])
            return SessionCorrection(
                id: db.lastInsertedRowID, site: site, transactionId: transactionId, at: Date(milliseconds: time.milliseconds),
                user: user, reason: reason,
                before: before, after: price)
        }
    }

    public func sessionCorrections(site: String, transactionId: Int) async throws -> [SessionCorrection] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM session_correction WHERE site_id = ? AND transaction_id = ? ORDER BY id",
                arguments: [site, transactionId]
            ).map(Self.correction(from:))
        }
    }

    public func correctionsForOCPI() async throws -> [SessionCorrection] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM session_correction WHERE ocpi_done = 0 ORDER BY id LIMIT 1000")
                .map(Self.correction(from:))
        }
    }

    public func markCorrectionSentToOCPI(id: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE session_correction SET ocpi_done = 1 WHERE id = ?", arguments: [id])
        }
    }

    static func correction(from row: Row) -> SessionCorrection {
        let decoder = SyncJSON.decoder()
        func price(_ text: String?) -> SessionPrice? {
            text.flatMap { try? decoder.decode(SessionPrice.self, from: Data($0.utf8)) }
        }
        return SessionCorrection(
            id: row["id"], site: row["site_id"], transactionId: row["transaction_id"], at: Date(milliseconds: row["at"]),
            user: row["user_name"], reason: row["reason"], before: price(row["before_price"]), after: price(row["after_price"]))
    }
}
