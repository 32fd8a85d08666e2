public import CloudStore
public import Foundation
public import Logging
public import ServiceLifecycle

/// How the notifier works: how often it looks, how a failed delivery is retried.
public struct NotifierSettings: Sendable, Equatable {
    public var interval: Duration
    /// A failed delivery is tried again after this, doubled each time (capped at an hour).
    public var retryBase: Duration
    /// Tries before a delivery is failed for good.
    public var maxAttempts: Int

    public init(interval: Duration = .seconds(1), retryBase: Duration = .seconds(30), maxAttempts: Int = 8) {
        self.interval = interval
        self.retryBase = retryBase
        self.maxAttempts = maxAttempts
    }
}

/// Turns the event history into notifications and delivers them. It reads the history after its place (kept in
/// the store), so it never slows ingest; the place is leased, so with several cloud instances one notifies, and the
/// notifications of a stretch are kept with the place moved past it, so each goes out once. Deliveries are leased
/// too, sent through their channel, and retried with backoff.
public struct Notifier: Service {
    let repository: any CloudRepository
    let settings: NotifierSettings
    let webhooks: any WebhookSending
    /// nil when no mail server is configured: mail deliveries fail, saying so.
    let mailer: (any MailSending)?
    /// Told of each notification as it becomes active, with its rule's client organization: the open dashboard pages.
    let announce: @Sendable (NotificationRecord, _ organization: String?) -> Void
    let logger: Logger
    /// This instance, for the leases.
    let holder = UUID().uuidString

    public init(
        repository: any CloudRepository, settings: NotifierSettings = NotifierSettings(), webhooks: any WebhookSending,
        mailer: (any MailSending)? = nil,
        announce: @escaping @Sendable (NotificationRecord, String?) -> Void = { _, _ in }, logger: Logger
    ) {
        self.announce = announce
        self.repository = repository
        self.settings = settings
        self.webhooks = webhooks
        self.mailer = mailer
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await tick(now: Date())
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("notifying failed, trying again", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: settings.interval)
            }
        }
    }

    /// One round: new history into notifications, pending ones settled, due deliveries sent.
    public func tick(now: Date) async throws {
        // Leases run on the clock as it goes on during the round, not as it stood at its start.
        let started = ContinuousClock.now
        func current() -> Date { now + TimeInterval((ContinuousClock.now - started).components.seconds) }
        while try await notifyHistory(now: current()) {}
        try await settleDue(now: current())
        // One delivery at a time, each leased as it is taken: a slow receiver never outlasts a lease taken earlier.
        for _ in 0..<20 {
            guard try await deliverNext(now: current(), retryFrom: now) else { break }
        }
    }

    /// Notifications for the next stretch of history; true when there may be more.
    func notifyHistory(now: Date) async throws -> Bool {
        guard let lines = try await repository.historyToNotify(holder: holder, now: now, lease: .seconds(30), limit: 500),
            let last = lines.last
        else { return false }
        let rules = try await repository.rules().filter(\.enabled)
        var outcome = NotifierOutcome()
        if !rules.isEmpty {
            var scopes: [String: Scope] = [:]
            for organization in Set(rules.compactMap(\.organization)) {
                scopes[organization] = try await repository.scope(ofOrganization: organization)
            }
            for line in lines {
                guard let classified = Classification.classify(line) else { continue }
                for rule in rules
                where Classification.concerns(rule, classified, scope: rule.organization.map { scopes[$0] ?? Scope() }) {
                    try await add(classified, of: rule, to: &outcome)
                }
            }
        }
        guard let ids = try await repository.recordNotifications(outcome, upTo: last.position, holder: holder, now: now)
        else { return false }
        for ((notification, _), id) in zip(outcome.new, ids) where notification.state == "active" {
            var kept = notification
            kept.id = id
            announce(kept, rules.first { $0.id == notification.rule }?.organization)
        }
        if !outcome.new.isEmpty { logger.info("notifications made", metadata: ["count": "\(outcome.new.count)"]) }
        return lines.count == 500
    }

    /// A notification of `classified` for `rule`, or one more event counted on the one of its quiet period.
    func add(_ classified: NotificationRecord, of rule: NotificationRule, to outcome: inout NotifierOutcome) async throws {
        let quiet = TimeInterval(rule.quietMinutes * 60)
        // The quiet period: one of this batch about the same thing, or one kept.
        if quiet > 0,
            let index = outcome.new.lastIndex(where: { new in
                Self.isAbout(new.0, rule: rule, event: classified.event, as: classified) && new.0.at >= classified.at - quiet
            })
        {
            outcome.new[index].0.count += 1
            return
        }
        if quiet > 0,
            let kept = try await repository.lastNotification(
                rule: rule.id, event: classified.event, site: classified.site, station: classified.station,
                since: classified.at - quiet, cleared: false)
        {
            outcome.counted[kept.id, default: 0] += 1
            return
        }
        if let offline = Classification.offline(answeredBy: classified.event),
            try await !answersToldOffline(classified, offline: offline, of: rule, outcome: outcome)
        {
            return
        }
        let wait = classified.event.lasts ? TimeInterval(rule.afterMinutes * 60) : 0
        var notification = classified
        notification.rule = rule.id
        notification.dueAt = classified.at + wait
        notification.state = wait > 0 ? "pending" : "active"
        outcome.new.append((notification, Self.channels(of: rule)))
    }

    /// Whether back online answers an offline that was told (not one still pending or cleared: a blip), and was not
    /// answered already.
    func answersToldOffline(
        _ online: NotificationRecord, offline: NotificationEvent, of rule: NotificationRule, outcome: NotifierOutcome
    ) async throws -> Bool {
        var last = outcome.new.last { Self.isAbout($0.0, rule: rule, event: offline, as: online) }?.0
        if last == nil {
            last = try await repository.lastNotification(
                rule: rule.id, event: offline, site: online.site, station: online.station, since: .distantPast,
                cleared: true)
        }
        guard let last, last.state == "active" else { return false }
        if outcome.new.contains(where: { Self.isAbout($0.0, rule: rule, event: online.event, as: online) && $0.0.at >= last.at })
        {
            return false
        }
        let answered = try await repository.lastNotification(
            rule: rule.id, event: online.event, site: online.site, station: online.station, since: last.at, cleared: false)
        return answered == nil
    }

    /// Whether `record` is `rule`'s notification of `event` about the same site and station as `other`.
    static func isAbout(
        _ record: NotificationRecord, rule: NotificationRule, event: NotificationEvent, as other: NotificationRecord
    ) -> Bool {
        record.rule == rule.id && record.event == event && record.site == other.site && record.station == other.station
    }

    static func channels(of rule: NotificationRule) -> [(channel: String, target: String)] {
        (rule.webhook.map { [("webhook", $0.url)] } ?? []) + (rule.emails ?? []).map { ("email", $0) }
    }

    /// Pending notifications whose time has come: told if the state still holds, cleared if it ended.
    func settleDue(now: Date) async throws {
        for notification in try await repository.dueNotifications(now: now) {
            let holds = try await stillHolds(notification)
            let rule = try await repository.rule(id: notification.rule)
            try await repository.settle(
                notification: notification.id, active: holds && rule?.enabled == true,
                deliveries: rule.map(Self.channels(of:)) ?? [], at: now)
            if holds, let rule, rule.enabled {
                var active = notification
                active.state = "active"
                announce(active, rule.organization)
            }
        }
    }

    func stillHolds(_ notification: NotificationRecord) async throws -> Bool {
        switch notification.event {
        case .siteOffline:
            return try await repository.site(id: notification.site)?.online == false
        case .stationOffline:
            guard let station = notification.station else { return false }
            return try await repository.station(site: notification.site, id: station)?.connected == false
        case .connectorUnavailable:
            guard let station = notification.station,
                let view = try await repository.station(site: notification.site, id: station)
            else { return false }
            return view.connectors.first { $0.connector == notification.connector }?.status == "Unavailable"
        default:
            return true
        }
    }

    /// Sends what is due, each delivery leased for a minute.
    /// Sends the next due delivery, if any (a failed one tried again `backoff` after `retryFrom`, the round's start);
    /// false when none was due.
    func deliverNext(now: Date, retryFrom: Date) async throws -> Bool {
        guard let (delivery, notification) = try await repository.claimDeliveries(now: now, lease: .seconds(60), limit: 1).first
        else { return false }
        let rule = try await repository.rule(id: notification.rule)
        var failure: DeliveryFailure?
        switch (delivery.channel, rule) {
        case ("webhook", let rule?):
            if let hook = rule.webhook, hook.url == delivery.target {
                failure = await webhooks.send(notification, delivery: delivery, to: hook).map { DeliveryFailure($0) }
            } else {
                failure = DeliveryFailure("the rule's webhook is gone", permanent: true)
            }
        case ("email", let rule?):
            failure =
                await mailer?.send(notification, rule: rule, to: delivery.target)
                ?? (mailer == nil ? DeliveryFailure("no mail server is configured (smtp: in cloud.yaml)") : nil)
        case (_, nil):
            failure = DeliveryFailure("the rule is gone", permanent: true)
        default:
            failure = DeliveryFailure("no channel '\(delivery.channel)'", permanent: true)
        }
        let attempts = delivery.attempts + 1
        let retryAt =
            failure.map { !$0.permanent && attempts < settings.maxAttempts } == true
            ? retryFrom + backoff(attempts: attempts) : nil
        try await repository.finishDelivery(id: delivery.id, error: failure?.reason, retryAt: retryAt, at: Date())
        if let failure {
            logger.warning(
                "a notification was not delivered",
                metadata: [
                    "channel": "\(delivery.channel)", "target": "\(delivery.target)", "error": "\(failure.reason)",
                    "attempts": "\(attempts)", "retry": "\(retryAt.map { "\($0)" } ?? "never")",
                ])
        }
        return true
    }

    /// `retryBase` doubled per attempt after the first, at most an hour.
    func backoff(attempts: Int) -> TimeInterval {
        let base = Double(settings.retryBase.components.seconds) + Double(settings.retryBase.components.attoseconds) / 1e18
        return min(3600, base * pow(2, Double(max(0, attempts - 1))))
    }
}
