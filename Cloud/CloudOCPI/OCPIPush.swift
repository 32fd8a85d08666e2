import AsyncHTTPClient
public import CloudBilling
public import CloudStore
import Foundation
public import Logging
public import Metrics
import Pricing
public import ServiceLifecycle

/// Pushes what changed to the registered partners that have the receiving module: Locations and their EVSEs (PUT of
/// the Location when it is new or its own fields changed, else PUT of each EVSE that changed; REMOVED for what went
/// away), Tariffs (PUT, DELETE), Sessions (PUT as they progress) and CDRs (POST, once per finished session).
///
/// It reads the store on its own (every `interval`, a site only when its edge's messages moved it, everything every
/// `resync`), so ingest never waits on a partner. What a partner took is kept per object; what it refused or never
/// answered is sent again at the next try, the partner held back meanwhile (2 s doubling to 5 min) and shown failed on
/// its page. With several cloud instances one pushes (a lease in the store).
public struct OCPIPush: Service {
    let objects: OCPIObjects
    let client: OCPIClient
    let interval: Duration
    let resync: Duration
    let logger: Logger
    let metrics: Metrics
    let holder = UUID().uuidString
    /// Calls in flight to one partner.
    public static let concurrency = 16
    var repository: any CloudRepository { objects.repository }

    public init(
        repository: any CloudRepository, client: OCPIClient, pricer: SessionPricer, interval: Duration = .seconds(1),
        resync: Duration = .seconds(60), metricsFactory: any MetricsFactory, logger: Logger
    ) {
        objects = OCPIObjects(repository: repository, party: client.party, pricer: pricer)
        self.client = client
        self.interval = interval
        self.resync = resync
        self.logger = logger
        metrics = Metrics(factory: metricsFactory)
    }

    struct Metrics: Sendable {
        let pushed: Counter
        let failed: Counter

        init(factory: any MetricsFactory) {
            pushed = Counter(label: "ocpi_pushes_total", dimensions: [("result", "accepted")], factory: factory)
            failed = Counter(label: "ocpi_pushes_total", dimensions: [("result", "failed")], factory: factory)
        }
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var state = State()
            while !Task.isCancelled {
                do {
                    try await round(&state, now: Date())
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("pushing to OCPI partners failed, trying again", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
        // A client of its own (not the process's shared one) is shut down with the cloud.
        if client.http !== HTTPClient.shared { try? await client.http.shutdown() }
    }

    /// What the pushing instance remembers between rounds.
    struct State {
        var sites: [String: SiteRecord] = [:]
        var locations: [String: OCPILocation] = [:]
        var lastFull = Date.distantPast
        var tariffMark: String?
        var partners: [String: PartnerState] = [:]
        /// Corrections whose CDRs could not be made: tried again on full rounds only.
        var failedCorrections: Set<Int64> = []
    }

    /// Per partner: what it took of each object, the sessions' marks it has seen, when to try it again, and what it
    /// refused.
    struct PartnerState {
        var pushed: [String: String]
        var sessionMarks: [String: String] = [:]
        /// When each running session was last sent (running sessions are sent at most every ``sessionEvery``).
        var sessionSent: [String: Date] = [:]
        var failures = 0
        var notBefore = Date.distantPast
        /// Its sites are all compared at the next try (new to this instance, or after a failure).
        var resync = true
        /// Objects it refused, how often; at ``refusalsBeforeParking`` one is parked (not sent again until it
        /// changes, or for a CDR until the cloud restarts) and the partner's other objects go on.
        var refusals: [String: Int] = [:]
        var parked: Set<String> = []
    }

    static let sessionEvery: TimeInterval = 30
    static let refusalsBeforeParking = 5
    /// A partner's calls in one round stop after this long or after three unanswered calls, the rest left to the
    /// next try, so a slow or dead partner neither outlasts the lease nor holds the others back.
    static let sendingBudget: TimeInterval = 20

    /// One round: what changed found, then pushed to each partner due.
    func round(_ state: inout State, now: Date) async throws {
        guard try await repository.takeOCPIPushLease(holder: holder, now: now, lease: .seconds(60)) else {
            state = State()
            return
        }
        let partners = try await repository.ocpiPartners().filter { $0.state == "registered" }
        guard !partners.isEmpty else { return }
        let (dirty, full) = try await changedSites(&state, now: now)
        await creditCorrections(partners: partners, retry: full, &state, now: now)
        // Sessions that may still change: running, ended and not billed yet, billed in the last ten minutes (longer
        // than a partner is held back); every minute, also those billed in the last 30 days that lack a CDR.
        let open = try await repository.ocpiOpenSessions(pricedSince: now.addingTimeInterval(-600))
        let owed = full ? try await repository.ocpiSessionsWithoutCDR(pricedSince: now.addingTimeInterval(-30 * 86_400)) : []
        var plans: [(OCPIPartnerRecord, Plan)] = []
        for partner in partners {
            if state.partners[partner.id] == nil {
                state.partners[partner.id] = PartnerState(pushed: try await repository.ocpiPushed(partner: partner.id))
            }
            guard state.partners[partner.id]!.notBefore <= now else { continue }
            let all = full || state.partners[partner.id]!.resync
            var plan = Plan()
            if let url = partner.endpoint("locations") {
                plan.locations(
                    url: url, sites: all ? Set(partner.sites) : dirty.intersection(partner.sites),
                    published: Set(partner.sites), locations: state.locations, pushed: state.partners[partner.id]!.pushed,
                    now: now)
            }
            if let url = partner.endpoint("tariffs"), all || !dirty.isEmpty {
                try await plan.tariffs(
                    url: url, objects: objects, locations: partner.sites.compactMap { state.locations[$0] },
                    pushed: state.partners[partner.id]!.pushed)
            }
            let sessions = open + owed.filter { $0.partner == partner.id }.map { ($0.session, true) }
            try await planSessions(&plan, partner, &state.partners[partner.id]!, open: sessions, now: now)
            plan.calls.removeAll { state.partners[partner.id]!.parked.contains($0.object) }
            // Nothing to send: its sites were compared whole (a new partner's), which need not be done again.
            if plan.calls.isEmpty { state.partners[partner.id]!.resync = false }
            plans.append((partner, plan))
        }
        let outcomes = await withTaskGroup(of: (String, Outcome).self) { group in
            for (partner, plan) in plans where !plan.calls.isEmpty {
                group.addTask { (partner.id, await send(plan, to: partner)) }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        // Another instance took over while this one sent: what it took is kept, and this one starts afresh.
        let holding = (try? await repository.takeOCPIPushLease(holder: holder, now: Date(), lease: .seconds(60))) ?? false
        for (id, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
            await settle(outcome, partner: partners.first { $0.id == id }!, &state.partners[id]!, now: now)
        }
        if !holding { state = State() }
    }

    /// The sites whose Location must be compared again (their edge's messages moved them, or everything on a full
    /// round: every `resync`, or when tariffs or their assignments changed, which move no site), made anew.
    private func changedSites(_ state: inout State, now: Date) async throws -> (dirty: Set<String>, full: Bool) {
        let tariffs = try await TariffsInForce(repository: repository)
        let tariffMark = "\(tariffs.assignments.count)/\(try await repository.tariffs().map { "\($0.id)@\($0.version)" })"
        let full = now.timeIntervalSince(state.lastFull) >= resync.seconds || tariffMark != state.tariffMark
        state.tariffMark = tariffMark
        if full { state.lastFull = now }
        var dirty: Set<String> = []
        let sites = try await repository.sites(in: nil)
        for site in sites where full || state.sites[site.id] != site {
            dirty.insert(site.id)
            state.locations[site.id] = try await objects.location(site, tariffs: tariffs)
        }
        let ids = Set(sites.map(\.id))
        for gone in state.sites.keys where !ids.contains(gone) { state.locations[gone] = nil }
        state.sites = Dictionary(uniqueKeysWithValues: sites.map { ($0.id, $0) })
        return (dirty, full)
    }

    /// Sessions that changed since the partner last took them (a finished one once it is billed, a running one at most
    /// every ``sessionEvery``), and the CDRs of those that ended and were billed (made once, kept, then posted until
    /// the partner takes them). One that cannot be made is logged and left for the next sweep.
    private func planSessions(
        _ plan: inout Plan, _ partner: OCPIPartnerRecord, _ state: inout PartnerState,
        open: [(session: SessionView, priced: Bool)], now: Date
    ) async throws {
        let tokens = try await objects.tokens(of: partner)
        let sessionsURL = partner.endpoint("sessions")
        var seen: Set<String> = []
        for (session, priced) in open where session.active || priced {
            let id = OCPIServer.sessionId(session)
            seen.insert(id)
            let mark =
                "\(session.updatedAt?.timeIntervalSince1970 ?? 0)/\(session.stopTime?.timeIntervalSince1970 ?? 0)/\(priced)"
            if session.active, let sent = state.sessionSent[id], now.timeIntervalSince(sent) < Self.sessionEvery { continue }
            guard state.sessionMarks[id] != mark,
                let token = try await objects.token(of: session, partner: partner, tokens: tokens)
            else { continue }
            state.sessionMarks[id] = mark
            state.sessionSent[id] = now
            if let url = sessionsURL, let object = await objects.session(session, token: token, now: now) {
                let codes = objects.party.codes(of: session.site)
                plan.put("session:\(id)", url: Plan.url(url, codes, [id]), object: object, pushed: state.pushed, from: codes)
                // A finished session is not sent again: once taken, what was pushed of it is forgotten.
                if !session.active, let last = plan.calls.indices.last, plan.calls[last].object == "session:\(id)" {
                    plan.calls[last].keep = ""
                }
            }
            guard priced else { continue }
            do {
                guard let cdr = try await objects.cdr(session, token: token, now: now) else { continue }
                let body = String(decoding: try OCPIJSON.encoder().encode(cdr), as: UTF8.self)
                _ = try await repository.addOCPICDR(
                    OCPICDRRecord(
                        partner: partner.id, id: id, site: session.site, transactionId: session.transactionId, body: body,
                        createdAt: now))
            } catch {
                logger.error(
                    "a CDR cannot be made; trying again within a minute",
                    metadata: ["partner": "\(partner.id)", "session": "\(id)", "error": "\(error)"])
            }
        }
        // What no longer changes is forgotten (the marks would otherwise grow with every session).
        for id in state.sessionMarks.keys where !seen.contains(id) {
            state.sessionMarks[id] = nil
            state.sessionSent[id] = nil
        }
        if let url = partner.endpoint("cdrs") {
            // One CDR of a session a round, the oldest first: a corrected session's credit CDR is taken before its new one.
            var planned = Set<String>()
            for cdr in try await repository.ocpiCDRs(partner: partner.id, unsentOnly: true)
            where !state.parked.contains("cdr:\(cdr.id)") && planned.insert("\(cdr.site)/\(cdr.transactionId)").inserted {
                plan.calls.append(
                    Call(
                        object: "cdr:\(cdr.id)", method: "POST", url: url, body: Data(cdr.body.utf8), keep: nil,
                        from: Self.codes(ofBody: cdr.body) ?? objects.party.codes(of: cdr.site)))
            }
        }
    }
}

extension OCPIPush {
    /// The codes an object was made under, as its body says (a CDR is sent as it was made).
    static func codes(ofBody body: String) -> OCPICodes? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let country = object["country_code"] as? String, let party = object["party_id"] as? String
        else { return nil }
        return OCPICodes(countryCode: country, partyId: party)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension OCPIPartnerRecord {
    /// The URL of the partner's module in `role` (its receiving one by default).
    func endpoint(_ module: String, role: String = "RECEIVER") -> String? {
        endpoints.first { $0.identifier == module && $0.role == role }?.url
    }
}
