public import Foundation
import GRDB
import SyncContract

extension SQLiteRepository {
    static let notificationSchema = """
        CREATE TABLE notification_rule (
            id TEXT PRIMARY KEY NOT NULL, body TEXT NOT NULL, organization_id TEXT, created_at BIGINT NOT NULL
        );
        CREATE TABLE notification (
            id INTEGER PRIMARY KEY AUTOINCREMENT, rule_id TEXT NOT NULL, event TEXT NOT NULL, site_id TEXT NOT NULL,
            station_id TEXT, connector_id INTEGER, at BIGINT NOT NULL, severity TEXT NOT NULL, summary TEXT NOT NULL,
            fields TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 1, due_at BIGINT NOT NULL, state TEXT NOT NULL
        );
        CREATE INDEX notification_about ON notification(rule_id, event, site_id, at);
        CREATE INDEX notification_pending ON notification(due_at) WHERE state = 'pending';
        CREATE TABLE delivery (
            id INTEGER PRIMARY KEY AUTOINCREMENT, notification_id INTEGER NOT NULL, channel TEXT NOT NULL,
            target TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at BIGINT NOT NULL,
            leased_until BIGINT, last_error TEXT, sent_at BIGINT
        );
        CREATE INDEX delivery_due ON delivery(next_at) WHERE status = 'pending';
        CREATE INDEX delivery_notification ON delivery(notification_id);
        CREATE TABLE notifier_place (
            id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1), position BIGINT NOT NULL, holder TEXT, leased_until BIGINT
        );
        INSERT INTO notifier_place (id, position) SELECT 1, COALESCE(MAX(rowid), 0) FROM event;
        """

    public func saveRule(_ rule: NotificationRule) async throws {
        let body = String(decoding: try SyncJSON.encoder().encode(rule), as: UTF8.self)
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO notification_rule (id, body, organization_id, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET body = excluded.body, organization_id = excluded.organization_id
                    """, arguments: [rule.id, body, rule.organization, rule.createdAt.milliseconds])
        }
    }

    public func rules() async throws -> [NotificationRule] {
        let bodies = try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM notification_rule ORDER BY id")
        }
        return try bodies.map { try SyncJSON.decoder().decode(NotificationRule.self, from: Data($0.utf8)) }
    }

    public func rule(id: String) async throws -> NotificationRule? {
        let body = try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM notification_rule WHERE id = ?", arguments: [id])
        }
        return try body.map { try SyncJSON.decoder().decode(NotificationRule.self, from: Data($0.utf8)) }
    }

    public func deleteRule(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM notification_rule WHERE id = ?", arguments: [id])
            let deleted = db.changesCount == 1
            // A rule made again under the same id starts with nobody opted out.
            try db.execute(sql: "DELETE FROM notification_optout WHERE rule_id = ?", arguments: [id])
            return deleted
        }
    }

    public func historyToNotify(holder: String, now: Date, lease: Duration, limit: Int) async throws -> [HistoryEvent]? {
        try await pool.write { db in
            guard let place = try Row.fetchOne(db, sql: "SELECT position, holder, leased_until FROM notifier_place")
            else { return nil }
            if let other = place[1] as String?, other != holder, let until = place[2] as Int64?, until > now.milliseconds {
                return nil
            }
            try db.execute(
                sql: "UPDATE notifier_place SET holder = ?, leased_until = ?",
                arguments: [holder, (now + TimeInterval(lease.components.seconds)).milliseconds])
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT rowid, site_id, at, station_id, connector_id, kind, severity, code, detail FROM event
                    WHERE rowid > ? ORDER BY rowid LIMIT ?
                    """, arguments: [place[0] as Int64, limit]
            ).map { row in
                HistoryEvent(
                    position: row[0], site: row[1], at: Date(milliseconds: row[2]), station: row[3], connector: row[4],
                    kind: row[5], severity: row[6], code: row[7], detail: row[8])
            }
        }
    }

    public func recordNotifications(
        _ outcome: NotifierOutcome, upTo position: Int64, holder: String, now: Date
    ) async throws -> [Int64]? {
        try await pool.write { db in
            guard try String.fetchOne(db, sql: "SELECT holder FROM notifier_place") == holder else { return nil }
            var ids: [Int64] = []
            for (notification, deliveries) in outcome.new {
                let id = try Self.insert(notification, db)
                ids.append(id)
                if notification.state == "active" { try Self.insert(deliveries, of: id, at: now, db) }
            }
            for (id, more) in outcome.counted {
                try db.execute(sql: "UPDATE notification SET count = count + ? WHERE id = ?", arguments: [more, id])
            }
            try db.execute(sql: "UPDATE notifier_place SET position = MAX(position, ?)", arguments: [position])
            return ids
        }
    }

    static func insert(_ notification: NotificationRecord, _ db: Database) throws -> Int64 {
        let fields = String(decoding: try SyncJSON.encoder().encode(notification.fields), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO notification (rule_id, event, site_id, station_id, connector_id, at, severity, summary, fields,
                    count, due_at, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                notification.rule, notification.event.rawValue, notification.site, notification.station,
                notification.connector, notification.at.milliseconds, notification.severity, notification.summary, fields,
                notification.count, notification.dueAt.milliseconds, notification.state,
            ])
        return db.lastInsertedRowID
    }

    static func insert(
        _ deliveries: [(channel: String, target: String)], of notification: Int64, at time: Date, _ db: Database
    )
        throws
    {
        for delivery in deliveries {
            try db.execute(
                sql: "INSERT INTO delivery (notification_id, channel, target, status, next_at) VALUES (?, ?, ?, 'pending', ?)",
                arguments: [notification, delivery.channel, delivery.target, time.milliseconds])
        }
    }

    public func lastNotification(
        rule: String, event: NotificationEvent, site: String, station: String?, since: Date, cleared: Bool
    ) async throws -> NotificationRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM notification WHERE rule_id = ? AND event = ? AND site_id = ? AND station_id IS ? AND at >= ?
                        AND (? OR state != 'cleared')
                    ORDER BY at DESC, id DESC LIMIT 1
                    """, arguments: [rule, event.rawValue, site, station, since.milliseconds, cleared]
            ).map(Self.notification(from:))
        }
    }

    public func dueNotifications(now: Date) async throws -> [NotificationRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM notification WHERE state = 'pending' AND due_at <= ? ORDER BY id",
                arguments: [now.milliseconds]
            ).map(Self.notification(from:))
        }
    }

    public func settle(
        notification id: Int64, active: Bool, deliveries: [(channel: String, target: String)], at time: Date
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE notification SET state = ? WHERE id = ? AND state = 'pending'",
                arguments: [active ? "active" : "cleared", id])
            if active, db.changesCount == 1 { try Self.insert(deliveries, of: id, at: time, db) }
        }
    }

    public func claimDeliveries(
        now: Date, lease: Duration, limit: Int
    ) async throws -> [(DeliveryRecord, NotificationRecord)] {
        try await pool.write { db in
            let due = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM delivery WHERE status = 'pending' AND next_at <= ?
                        AND (leased_until IS NULL OR leased_until <= ?)
                    ORDER BY next_at LIMIT ?
                    """, arguments: [now.milliseconds, now.milliseconds, limit]
            ).map(Self.delivery(from:))
            var claimed: [(DeliveryRecord, NotificationRecord)] = []
            for delivery in due {
                try db.execute(
                    sql: "UPDATE delivery SET leased_until = ? WHERE id = ?",
                    arguments: [(now + TimeInterval(lease.components.seconds)).milliseconds, delivery.id])
                if let notification = try Row.fetchOne(
                    db, sql: "SELECT * FROM notification WHERE id = ?", arguments: [delivery.notification]
                ).map(Self.notification(from:)) {
                    claimed.append((delivery, notification))
                }
            }
            return claimed
        }
    }

    public func finishDelivery(id: Int64, error: String?, retryAt: Date?, at time: Date) async throws {
        try await pool.write { db in
            if let error {
                try db.execute(
                    sql: """
                        UPDATE delivery SET attempts = attempts + 1, last_error = ?, leased_until = NULL,
                            status = ?, next_at = COALESCE(?, next_at)
                        WHERE id = ?
                        """,
                    arguments: [String(error.prefix(500)), retryAt == nil ? "failed" : "pending", retryAt?.milliseconds, id])
            } else {
                try db.execute(
                    sql: """
                        UPDATE delivery SET attempts = attempts + 1, status = 'sent', sent_at = ?, leased_until = NULL
                        WHERE id = ?
                        """, arguments: [time.milliseconds, id])
            }
        }
    }

    public func notifications(
        in scope: Scope?, organization: String?, alsoRules: [String], before: Int64?, limit: Int
    ) async throws -> [NotificationRecord] {
        var conditions = ["n.state = 'active'"]
        var arguments: StatementArguments = []
        if let scope {
            guard let visible = scope.condition(site: "n.site_id", station: "n.station_id") else { return [] }
            conditions.append(visible.sql)
            arguments += visible.arguments
        }
        if let organization {
            let named = alsoRules.isEmpty ? "" : " OR n.rule_id IN (\(alsoRules.map { _ in "?" }.joined(separator: ", ")))"
            conditions.append("(r.organization_id = ?\(named))")
            arguments += [organization]
            arguments += StatementArguments(alsoRules)
        }
        if let before {
            conditions.append("n.id < ?")
            arguments += [before]
        }
        arguments += [limit]
        let sql = """
            SELECT n.* FROM notification n LEFT JOIN notification_rule r ON r.id = n.rule_id
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY n.id DESC LIMIT ?
            """
        let bound = arguments
        return try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: bound).map(Self.notification(from:)) }
    }

    public func deliveries(notification: Int64) async throws -> [DeliveryRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM delivery WHERE notification_id = ? ORDER BY id", arguments: [notification]
            ).map(Self.delivery(from:))
        }
    }

    public func lastSeenNotification(user: String) async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT last_id FROM notification_seen WHERE user_id = ?", arguments: [user]) ?? 0
        }
    }

    public func markNotificationsSeen(user: String, upTo id: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO notification_seen (user_id, last_id) VALUES (?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET last_id = MAX(notification_seen.last_id, excluded.last_id)
                    """, arguments: [user, id])
        }
    }

    static func notification(from row: Row) -> NotificationRecord {
        let fields = (try? SyncJSON.decoder().decode([String: String].self, from: Data((row["fields"] as String).utf8))) ?? [:]
        return NotificationRecord(
            id: row["id"], rule: row["rule_id"],
            event: NotificationEvent(rawValue: row["event"]) ?? .stationFaulted, site: row["site_id"],
            station: row["station_id"], connector: row["connector_id"], at: Date(milliseconds: row["at"]),
            severity: row["severity"], summary: row["summary"], fields: fields, count: row["count"],
            dueAt: Date(milliseconds: row["due_at"]), state: row["state"])
    }

    static func delivery(from row: Row) -> DeliveryRecord {
        DeliveryRecord(
            id: row["id"], notification: row["notification_id"], channel: row["channel"], target: row["target"],
            status: row["status"], attempts: row["attempts"], nextAt: Date(milliseconds: row["next_at"]),
            lastError: row["last_error"], sentAt: (row["sent_at"] as Int64?).map(Date.init(milliseconds:)))
    }
}
