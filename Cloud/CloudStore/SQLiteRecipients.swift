public import Foundation
import GRDB

/// A browser's Web Push subscription: where its push service takes messages for it, and its keys (base64url).
public struct PushSubscriptionRecord: Sendable, Equatable, Codable {
    public var endpoint: String
    public var user: String
    /// The browser's P-256 public key (65 bytes, uncompressed) and its 16-byte authentication secret.
    public var p256dh: String
    public var auth: String
    public var createdAt: Date

    public init(endpoint: String, user: String, p256dh: String, auth: String, createdAt: Date) {
        self.endpoint = endpoint
        self.user = user
        self.p256dh = p256dh
        self.auth = auth
        self.createdAt = createdAt
    }
}

/// Who hears of a rule's notifications besides its addresses: the opt-outs (a user's mute, an address's
/// unsubscribe), the users' browsers, and the cloud's own secrets (the VAPID key, the unsubscribe links' key).
public protocol RecipientRepository: Sendable {
    /// `recipient` (`user:<id>` or an address) hears no more of `rule` (muted when `muted`, else heard again).
    func setOptOut(rule: String, recipient: String, muted: Bool, at: Date) async throws
    /// Those who opted out of `rule`.
    func optOuts(rule: String) async throws -> Set<String>
    /// The rules `recipient` opted out of.
    func optOuts(recipient: String) async throws -> Set<String>
    /// Adds or replaces (by endpoint) a browser's subscription.
    func savePushSubscription(_ subscription: PushSubscriptionRecord) async throws
    func pushSubscriptions(user: String) async throws -> [PushSubscriptionRecord]
    /// Removes the subscription at `endpoint` (of `user` when given): whether there was one.
    func deletePushSubscription(endpoint: String, user: String?) async throws -> Bool
    /// The secret `name`: kept the first time it is asked for (`make`), the same for every instance after.
    func secret(named name: String, make: @Sendable () -> String) async throws -> String
}

extension SQLiteRepository {
    static let recipientSchema = """
        ALTER TABLE app_user ADD COLUMN email TEXT;
        CREATE TABLE notification_optout (
            rule_id TEXT NOT NULL, recipient TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (rule_id, recipient)
        );
        CREATE TABLE push_subscription (
            endpoint TEXT PRIMARY KEY NOT NULL, user_id TEXT NOT NULL, p256dh TEXT NOT NULL, auth TEXT NOT NULL,
            created_at BIGINT NOT NULL
        );
        CREATE INDEX push_subscription_user ON push_subscription(user_id);
        CREATE TABLE cloud_secret (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
        """

    public func setOptOut(rule: String, recipient: String, muted: Bool, at time: Date) async throws {
        try await pool.write { db in
            if muted {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO notification_optout (rule_id, recipient, at) VALUES (?, ?, ?)",
                    arguments: [rule, recipient, time.milliseconds])
            } else {
                try db.execute(
                    sql: "DELETE FROM notification_optout WHERE rule_id = ? AND recipient = ?", arguments: [rule, recipient])
            }
        }
    }

    public func optOuts(rule: String) async throws -> Set<String> {
        try await pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT recipient FROM notification_optout WHERE rule_id = ?", arguments: [rule]))
        }
    }

    public func optOuts(recipient: String) async throws -> Set<String> {
        try await pool.read { db in
            Set(
                try String.fetchAll(
                    db, sql: "SELECT rule_id FROM notification_optout WHERE recipient = ?", arguments: [recipient]))
        }
    }

    public func savePushSubscription(_ subscription: PushSubscriptionRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO push_subscription (endpoint, user_id, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh,
                        auth = excluded.auth, created_at = excluded.created_at
                    """,
                arguments: [
                    subscription.endpoint, subscription.user, subscription.p256dh, subscription.auth,
                    subscription.createdAt.milliseconds,
                ])
        }
    }

    public func pushSubscriptions(user: String) async throws -> [PushSubscriptionRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM push_subscription WHERE user_id = ? ORDER BY created_at", arguments: [user]
            )
            .map { row in
                PushSubscriptionRecord(
                    endpoint: row["endpoint"], user: row["user_id"], p256dh: row["p256dh"], auth: row["auth"],
                    createdAt: Date(milliseconds: row["created_at"]))
            }
        }
    }

    public func deletePushSubscription(endpoint: String, user: String?) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM push_subscription WHERE endpoint = ? AND (? IS NULL OR user_id = ?)",
                arguments: [endpoint, user, user])
            return db.changesCount > 0
        }
    }

    public func secret(named name: String, make: @Sendable () -> String) async throws -> String {
        if let kept = try await pool.read({ db in
            try String.fetchOne(db, sql: "SELECT value FROM cloud_secret WHERE name = ?", arguments: [name])
        }) {
            return kept
        }
        let made = make()
        return try await pool.write { db in
            // Another instance may have made it meanwhile: the first kept wins.
            try db.execute(sql: "INSERT OR IGNORE INTO cloud_secret (name, value) VALUES (?, ?)", arguments: [name, made])
            return try String.fetchOne(db, sql: "SELECT value FROM cloud_secret WHERE name = ?", arguments: [name]) ?? made
        }
    }
}
