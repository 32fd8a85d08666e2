public import Foundation

/// What a notification rule can be about, each read from the event history.
public enum NotificationEvent: String, Sendable, Codable, CaseIterable {
    /// A connector reported Faulted (with the charger's error and vendor codes).
    case stationFaulted = "station_faulted"
    /// A connector reported Unavailable.
    case connectorUnavailable = "connector_unavailable"
    /// A station lost its connection to the edge, or got it back.
    case stationOffline = "station_offline", stationOnline = "station_online"
    /// A site's edge lost its connection to the cloud, or got it back.
    case siteOffline = "site_offline", siteOnline = "site_online"
    /// The site's load management fell back to its failsafe.
    case loadFailsafe = "load_failsafe"
    /// A station reported a firmware update that failed.
    case firmwareFailed = "firmware_failed"
    /// A session ended and was priced (its energy and cost).
    case sessionEnded = "session_ended"
    /// A session whose meter readings are implausible (flagged energy).
    case suspiciousSession = "suspicious_session"
    /// A station the edge does not know booted and waits for approval.
    case stationPending = "station_pending"
    /// A site's monthly statement was made (its mails link it).
    case statementReady = "statement_ready"
    /// A meter of the site's edge stopped answering (its load management falls back to failsafe).
    case meterUnreadable = "meter_unreadable"

    /// Whether a rule's `afterMinutes` holds this one back until it has lasted that long.
    public var lasts: Bool { [.connectorUnavailable, .stationOffline, .siteOffline].contains(self) }

    /// Whether each is a thing of its own (a session), which a quiet period never counts on an earlier one.
    public var discrete: Bool { [.sessionEnded, .suspiciousSession, .statementReady].contains(self) }
}

/// Which events notify whom: the events, where (sites, groups and stations; none named: everywhere its owner sees), how
/// long a lasting state must last first, how long to keep quiet after a notification about the same thing, and the
/// channels (a webhook).
public struct NotificationRule: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var events: [NotificationEvent]
    public var sites: [String]
    public var stations: [StationKey]
    /// Groups of stations: each station in one when the event happens (a station added later is covered).
    public var groups: [String]?
    /// Offline and unavailable notify only once they have lasted this long (0: at once).
    public var afterMinutes: Int
    /// After a notification about a thing (a station, or a site), more of the same event about it within this time
    /// are counted on that notification instead of sent.
    public var quietMinutes: Int
    public var webhook: Webhook?
    /// Addresses each notification is mailed to.
    public var emails: [String]?
    /// The language of its mails to `emails`: en, de or fr (a user is mailed in the user's own).
    public var language: String?
    /// Users told (by mail to their address, by Web Push to their browsers), each of what the user may see.
    public var users: [String]?
    /// A client organization's rule sees what the organization is granted, and no more; nil: the fleet's own.
    public var organization: String?
    public var enabled: Bool
    public var createdBy: String?
    public var createdAt: Date

    /// An HTTPS endpoint each notification is POSTed to, signed with `secret`.
    public struct Webhook: Sendable, Equatable, Codable {
        public var url: String
        public var secret: String

        public init(url: String, secret: String) {
            self.url = url
            self.secret = secret
        }
    }

    public init(
        id: String, name: String, events: [NotificationEvent], sites: [String] = [], stations: [StationKey] = [],
        groups: [String]? = nil, afterMinutes: Int = 0, quietMinutes: Int = 15, webhook: Webhook? = nil, emails: [String]? = nil,
        language: String? = nil, users: [String]? = nil, organization: String? = nil, enabled: Bool = true,
        createdBy: String? = nil, createdAt: Date
    ) {
        self.users = users
        self.emails = emails
        self.language = language
        self.id = id
        self.name = name
        self.events = events
        self.sites = sites
        self.stations = stations
        self.groups = groups
        self.afterMinutes = afterMinutes
        self.quietMinutes = quietMinutes
        self.webhook = webhook
        self.organization = organization
        self.enabled = enabled
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// A notification: a rule's event about a site (and a station, a connector), with the words for people and the
/// facts as fields; `count` events stand behind it (the first and those of its quiet period).
public struct NotificationRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var rule: String
    public var event: NotificationEvent
    public var site: String
    public var station: String?
    public var connector: Int?
    public var at: Date
    public var severity: String
    public var summary: String
    public var fields: [String: String]
    public var count: Int
    /// Until then a lasting state is only pending: cleared if it ends first.
    public var dueAt: Date
    /// pending (waiting for `dueAt`), active, or cleared (the state ended before it was due).
    public var state: String

    public init(
        id: Int64 = 0, rule: String, event: NotificationEvent, site: String, station: String?, connector: Int?, at: Date,
        severity: String, summary: String, fields: [String: String], count: Int = 1, dueAt: Date, state: String
    ) {
        self.id = id
        self.rule = rule
        self.event = event
        self.site = site
        self.station = station
        self.connector = connector
        self.at = at
        self.severity = severity
        self.summary = summary
        self.fields = fields
        self.count = count
        self.dueAt = dueAt
        self.state = state
    }
}

/// One channel's delivery of a notification: pending (tried at `nextAt`), sent, or failed for good.
public struct DeliveryRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var notification: Int64
    public var channel: String
    public var target: String
    public var status: String
    public var attempts: Int
    public var nextAt: Date
    public var lastError: String?
    public var sentAt: Date?

    public init(
        id: Int64 = 0, notification: Int64, channel: String, target: String, status: String = "pending",
        attempts: Int = 0, nextAt: Date, lastError: String? = nil, sentAt: Date? = nil
    ) {
        self.id = id
        self.notification = notification
        self.channel = channel
        self.target = target
        self.status = status
        self.attempts = attempts
        self.nextAt = nextAt
        self.lastError = lastError
        self.sentAt = sentAt
    }
}

/// A line of the event history as the notifier reads it, in the order it was kept.
public struct HistoryEvent: Sendable, Equatable {
    public var position: Int64
    public var site: String
    public var at: Date
    public var station: String?
    public var connector: Int?
    public var kind: String
    public var severity: String
    public var code: String?
    public var detail: String

    public init(
        position: Int64, site: String, at: Date, station: String?, connector: Int?, kind: String, severity: String,
        code: String?, detail: String
    ) {
        self.position = position
        self.site = site
        self.at = at
        self.station = station
        self.connector = connector
        self.kind = kind
        self.severity = severity
        self.code = code
        self.detail = detail
    }
}

/// What the notifier decided for a stretch of the history: new notifications (with their deliveries' channels and
/// targets), and earlier ones that count one more event of their quiet period.
public struct NotifierOutcome: Sendable, Equatable {
    public var new: [(NotificationRecord, [(channel: String, target: String)])]
    public var counted: [Int64: Int]

    public init(new: [(NotificationRecord, [(channel: String, target: String)])] = [], counted: [Int64: Int] = [:]) {
        self.new = new
        self.counted = counted
    }

    public static func == (a: NotifierOutcome, b: NotifierOutcome) -> Bool {
        a.counted == b.counted
            && a.new.elementsEqual(b.new) { x, y in
                x.0 == y.0 && x.1.elementsEqual(y.1) { $0.channel == $1.channel && $0.target == $1.target }
            }
    }
}

/// Notification rules, the notifier's place in the history, notifications and their deliveries.
public protocol NotificationRepository: Sendable {
    func saveRule(_ rule: NotificationRule) async throws
    func rules() async throws -> [NotificationRule]
    func rule(id: String) async throws -> NotificationRule?
    func deleteRule(id: String) async throws -> Bool
    /// The history after the notifier's place, at most `limit` lines, once `holder` holds the place until `now +
    /// lease` (nil while another instance holds it).
    func historyToNotify(holder: String, now: Date, lease: Duration, limit: Int) async throws -> [HistoryEvent]?
    /// Keeps `outcome` and moves the place to `position`, in one transaction, if `holder` still holds it: the new
    /// notifications' ids, in order; nil if it does not hold the place any more.
    func recordNotifications(
        _ outcome: NotifierOutcome, upTo position: Int64, holder: String, now: Date
    ) async throws
        -> [Int64]?
    /// The latest notification of `rule` and `event` about a site (and station) at or after `since`; a cleared one (a
    /// lasting state that ended before it was due) only when `cleared`.
    func lastNotification(
        rule: String, event: NotificationEvent, site: String, station: String?, since: Date, cleared: Bool
    ) async throws -> NotificationRecord?
    /// Pending notifications due by `now`.
    func dueNotifications(now: Date) async throws -> [NotificationRecord]
    /// Makes a pending notification active with its deliveries, or cleared (no deliveries).
    func settle(
        notification id: Int64, active: Bool, deliveries: [(channel: String, target: String)], at: Date)
        async throws
    /// Deliveries due by `now`, each leased until `now + lease` so no other instance sends it meanwhile.
    func claimDeliveries(now: Date, lease: Duration, limit: Int) async throws -> [(DeliveryRecord, NotificationRecord)]
    /// A delivery sent (`error` nil), or failed: tried again at `retryAt`, or failed for good when that is nil.
    func finishDelivery(id: Int64, error: String?, retryAt: Date?, at: Date) async throws
    /// Active notifications newest first (before `before`), of the things `scope` sees and, for a client
    /// organization, of its own rules and of `alsoRules` (those naming the reader).
    func notifications(
        in scope: Scope?, organization: String?, alsoRules: [String], before: Int64?, limit: Int
    ) async throws
        -> [NotificationRecord]
    func deliveries(notification: Int64) async throws -> [DeliveryRecord]
    /// The newest notification a user has seen listed (0: none).
    func lastSeenNotification(user: String) async throws -> Int64
    /// Notes that `user` has seen the notifications up to `id` (never moves back).
    func markNotificationsSeen(user: String, upTo id: Int64) async throws
}
