import CloudCore
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
    /// Where the cloud's pages are reached (`https://cloud.example.com`): the base of the mails' unsubscribe links.
    public var linkBase: String

    public init(
        interval: Duration = .seconds(1), retryBase: Duration = .seconds(30), maxAttempts: Int = 8,
        linkBase: String = "https://localhost"
    ) {
        self.linkBase = linkBase
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
    /// Web Push to users' browsers.
    let pusher: (any PushSending)?
    /// Told of each notification as it becomes active, with its rule: the open dashboard pages.
    let announce: @Sendable (NotificationRecord, NotificationRule) -> Void
    let logger: Logger
    /// This instance, for the leases.
    let holder = UUID().uuidString

    public init(
        repository: any CloudRepository, settings: NotifierSettings = NotifierSettings(), webhooks: any WebhookSending,
        mailer: (any MailSending)? = nil, pusher: (any PushSending)? = nil,
        announce: @escaping @Sendable (NotificationRecord, NotificationRule) -> Void = { _, _ in }, logger: Logger
    ) {
        self.announce = announce
        self.repository = repository
        self.settings = settings
        self.webhooks = webhooks
        self.mailer = mailer
        self.pusher = pusher
        self.logger = logger
    }

    public func run() async throws {
        // The VAPID key is made on first start, before any browser asks for it.
        if (try? await VAPIDKey.load(repository, subject: settings.linkBase)) == nil {
            logger.error("the VAPID key could not be read or made: Web Push will fail")
        }
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
        var audience = Audience(repository: repository)
        if !rules.isEmpty {
            var scopes: [String: Scope] = [:]
            for organization in Set(rules.compactMap(\.organization)) {
                scopes[organization] = try await repository.scope(ofOrganization: organization)
            }
            let named = Set(rules.flatMap { $0.groups ?? [] })
            let members = named.isEmpty ? [:] : try await repository.groupMembers(of: named)
            for line in lines {
                for classified in Classification.classify(line) {
                    for rule in rules
                    where Classification.concerns(
                        rule, classified, scope: rule.organization.map { scopes[$0] ?? Scope() }, members: members)
                    {
                        try await add(classified, of: rule, to: &outcome, audience: &audience)
                    }
                }
            }
        }
        guard let ids = try await repository.recordNotifications(outcome, upTo: last.position, holder: holder, now: now)
        else { return false }
        for ((notification, _), id) in zip(outcome.new, ids) where notification.state == "active" {
            guard let rule = rules.first(where: { $0.id == notification.rule }) else { continue }
            var kept = notification
            kept.id = id
            announce(kept, rule)
        }
        if !outcome.new.isEmpty { logger.info("notifications made", metadata: ["count": "\(outcome.new.count)"]) }
        return lines.count == 500
    }

    /// A notification of `classified` for `rule`, or one more event counted on the one of its quiet period.
    func add(
        _ classified: NotificationRecord, of rule: NotificationRule, to outcome: inout NotifierOutcome,
        audience: inout Audience
    ) async throws {
        // A session's end is one of its own, never "the same again": each is told.
        let quiet = classified.event.discrete ? 0 : TimeInterval(rule.quietMinutes * 60)
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
        outcome.new.append((notification, try await audience.deliveries(of: rule, for: notification)))
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

    /// Pending notifications whose time has come: told if the state still holds, cleared if it ended.
    func settleDue(now: Date) async throws {
        var audience = Audience(repository: repository)
        for notification in try await repository.dueNotifications(now: now) {
            let holds = try await stillHolds(notification)
            let rule = try await repository.rule(id: notification.rule)
            var deliveries: [(channel: String, target: String)] = []
            if holds, let rule { deliveries = try await audience.deliveries(of: rule, for: notification) }
            try await repository.settle(
                notification: notification.id, active: holds && rule?.enabled == true, deliveries: deliveries, at: now)
            if holds, let rule, rule.enabled {
                var active = notification
                active.state = "active"
                announce(active, rule)
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

    /// Sends the next due delivery, if any (a failed one tried again `backoff` after `retryFrom`, the round's start);
    /// false when none was due.
    func deliverNext(now: Date, retryFrom: Date) async throws -> Bool {
        guard let (delivery, notification) = try await repository.claimDeliveries(now: now, lease: .seconds(60), limit: 1).first
        else { return false }
        let failure = await deliver(delivery, of: notification)
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

    /// Sends one delivery through its channel: nil when it went through.
    func deliver(_ delivery: DeliveryRecord, of notification: NotificationRecord) async -> DeliveryFailure? {
        do {
            guard let rule = try await repository.rule(id: notification.rule) else {
                return DeliveryFailure("the rule is gone", permanent: true)
            }
            switch delivery.channel {
            case "webhook":
                guard let hook = rule.webhook, hook.url == delivery.target else {
                    return DeliveryFailure("the rule's webhook is gone", permanent: true)
                }
                return await webhooks.send(notification, delivery: delivery, to: hook).map { DeliveryFailure($0) }
            case "email":
                return try await mail(notification, of: rule, to: delivery.target)
            case "push":
                return try await push(notification, of: rule, to: delivery.target)
            default:
                return DeliveryFailure("no channel '\(delivery.channel)'", permanent: true)
            }
        } catch {
            return DeliveryFailure("\(error)")
        }
    }

    /// A mail to an address of the rule, or to a user (`user:<id>`) at the user's address in the user's language;
    /// with the link that opts its recipient out of the rule.
    func mail(
        _ notification: NotificationRecord, of rule: NotificationRule, to target: String
    ) async throws
        -> DeliveryFailure?
    {
        guard let mailer else { return DeliveryFailure("no mail server is configured (smtp: in cloud.yaml)") }
        var address = target
        var language = rule.language ?? "en"
        var recipient = Unsubscribe.recipient(address: target)
        if target.hasPrefix("user:") {
            let id = String(target.dropFirst(5))
            guard let user = try await repository.user(id: id) else { return DeliveryFailure("no user '\(id)'", permanent: true) }
            guard let email = user.email else { return DeliveryFailure("user '\(id)' has no e-mail address", permanent: true) }
            (address, recipient) = (email, target)
            language = user.language ?? language
        }
        if try await repository.optOuts(rule: rule.id).contains(recipient) {
            return DeliveryFailure("the recipient unsubscribed", permanent: true)
        }
        let link = Unsubscribe.link(
            base: settings.linkBase, rule: rule.id, recipient: recipient, key: try await Unsubscribe.key(repository))
        var notification = notification
        if let statement = notification.fields["statement"] {
            // Linked, not attached: the statement and its sessions (CSV) behind the reader's sign-in.
            notification.fields["link"] = "\(settings.linkBase)/statements/\(statement)"
            notification.fields["csv"] = "\(settings.linkBase)/statements/\(statement)/csv"
        }
        return await mailer.send(notification, rule: rule, to: address, language: language, unsubscribe: link)
    }

    /// A push to each of a user's browsers (`user:<id>`); a subscription its push service says is gone is forgotten.
    func push(
        _ notification: NotificationRecord, of rule: NotificationRule, to target: String
    ) async throws
        -> DeliveryFailure?
    {
        guard let pusher else { return DeliveryFailure("Web Push is not set up", permanent: true) }
        let id = String(target.dropFirst(5))
        guard let user = try await repository.user(id: id) else { return DeliveryFailure("no user '\(id)'", permanent: true) }
        if try await repository.optOuts(rule: rule.id).contains(target) {
            return DeliveryFailure("the user muted the rule", permanent: true)
        }
        let words = MailMessage.words[user.language ?? rule.language ?? "en"] ?? [:]
        let message = try PushMessage.body(notification, title: words[notification.event.rawValue] ?? notification.event.rawValue)
        // The user's browsers (at most ten) at once: the slowest push service (10 s) bounds the delivery, well inside
        // its lease. Taken by one browser, the delivery is sent (a browser that failed is not tried again for it).
        let subscriptions = try await repository.pushSubscriptions(user: id)
        let outcomes = await withTaskGroup(of: (String, PushOutcome).self) { group in
            for subscription in subscriptions {
                group.addTask { (subscription.endpoint, await pusher.push(message, to: subscription)) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var sent = 0
        var failures: [(reason: String, permanent: Bool)] = []
        for (endpoint, outcome) in outcomes {
            switch outcome {
            case .sent: sent += 1
            case .gone: _ = try await repository.deletePushSubscription(endpoint: endpoint, user: id)
            case .failed(let reason, let permanent): failures.append((reason, permanent))
            }
        }
        if sent > 0 { return nil }
        if failures.isEmpty { return DeliveryFailure("no browser of user '\(id)' is subscribed", permanent: true) }
        return DeliveryFailure(
            failures.map(\.reason).joined(separator: "; "), permanent: failures.allSatisfy(\.permanent))
    }

    /// `retryBase` doubled per attempt after the first, at most an hour.
    func backoff(attempts: Int) -> TimeInterval {
        let base = Double(settings.retryBase.components.seconds) + Double(settings.retryBase.components.attoseconds) / 1e18
        return min(3600, base * pow(2, Double(max(0, attempts - 1))))
    }
}
