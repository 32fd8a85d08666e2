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
        var holding = false
        var sites: [String: SiteRecord] = [:]
        var locations: [String: OCPILocation] = [:]
        var lastFull = Date.distantPast
        var lastRound: Date?
        var tariffMark: String?
        var partners: [String: PartnerState] = [:]
    }

    /// Per partner: what it took of each object, the sessions' marks it has seen, its CDRs, when to try again.
    struct PartnerState {
        var pushed: [String: String]
        var sessionMarks: [String: String] = [:]
        var cdrs: Set<String>
        var failures = 0
        var notBefore = Date.distantPast
    }

    /// One round: what changed found, then pushed to each partner due.
    func round(_ state: inout State, now: Date) async throws {
        guard try await repository.takeOCPIPushLease(holder: holder, now: now, lease: .seconds(30)) else {
            state = State()
            return
        }
        state.holding = true
        let partners = try await repository.ocpiPartners().filter { $0.state == "registered" }
        guard !partners.isEmpty else { return }
        // Tariffs and their assignments change rarely and move no site: any change is taken as a full round.
        let tariffs = try await TariffsInForce(repository: repository)
        let tariffMark = "\(tariffs.assignments.count)/\(try await repository.tariffs().map { "\($0.id)@\($0.version)" })"
        let full = now.timeIntervalSince(state.lastFull) >= resync.seconds || tariffMark != state.tariffMark
        state.tariffMark = tariffMark
        if full { state.lastFull = now }
        var dirty: Set<String> = []
        for site in try await repository.sites(in: nil) {
            if full || state.sites[site.id] != site {
                dirty.insert(site.id)
                state.locations[site.id] = try await objects.location(site, tariffs: tariffs)
            }
            state.sites[site.id] = site
        }
        for gone in Set(state.sites.keys).subtracting(try await repository.sites(in: nil).map(\.id)) {
            state.sites[gone] = nil
            state.locations[gone] = nil
        }
        let open = try await repository.ocpiOpenSessions(
            pricedSince: (state.lastRound ?? now.addingTimeInterval(-7 * 86_400)).addingTimeInterval(-10))
        state.lastRound = now
        var plans: [(OCPIPartnerRecord, Plan)] = []
        for partner in partners {
            var partnerState: PartnerState
            if let known = state.partners[partner.id] {
                partnerState = known
            } else {
                partnerState = PartnerState(
                    pushed: try await repository.ocpiPushed(partner: partner.id),
                    cdrs: Set(try await repository.ocpiCDRs(partner: partner.id, unsentOnly: false).map(\.id)))
            }
            let fresh = state.partners[partner.id] == nil
            state.partners[partner.id] = partnerState
            guard partnerState.notBefore <= now else { continue }
            var plan = Plan()
            if let url = partner.endpoint("locations") {
                plan.locations(
                    url: url, party: objects.party, sites: fresh || full ? Set(partner.sites) : dirty.intersection(partner.sites),
                    published: Set(partner.sites), locations: state.locations, pushed: partnerState.pushed, now: now)
            }
            if let url = partner.endpoint("tariffs"), fresh || full || !dirty.isEmpty {
                try await plan.tariffs(
                    url: url, objects: objects, locations: partner.sites.compactMap { state.locations[$0] },
                    pushed: partnerState.pushed)
            }
            try await planSessions(&plan, partner, &state.partners[partner.id]!, open: open, now: now)
            plans.append((partner, plan))
        }
        await withTaskGroup(of: (String, Outcome).self) { group in
            for (partner, plan) in plans where !plan.calls.isEmpty {
                group.addTask { (partner.id, await send(plan, to: partner)) }
            }
            for await (id, outcome) in group {
                await settle(outcome, partner: partners.first { $0.id == id }!, &state.partners[id]!, now: now)
            }
        }
    }

    /// Sessions that changed since the partner last took them, and the CDRs of those that ended and were billed (made
    /// once, kept, then posted until the partner takes them).
    private func planSessions(
        _ plan: inout Plan, _ partner: OCPIPartnerRecord, _ state: inout PartnerState,
        open: [(session: SessionView, priced: Bool)], now: Date
    ) async throws {
        let tokens = try await objects.tokens(of: partner)
        let sessionsURL = partner.endpoint("sessions")
        for (session, priced) in open {
            let id = OCPIServer.sessionId(session)
            let mark =
                "\(session.updatedAt?.timeIntervalSince1970 ?? 0)/\(session.stopTime?.timeIntervalSince1970 ?? 0)/\(priced)"
            guard state.sessionMarks[id] != mark,
                let token = try await objects.token(of: session, partner: partner, tokens: tokens)
            else { continue }
            state.sessionMarks[id] = mark
            if let url = sessionsURL, let object = await objects.session(session, token: token, now: now) {
                plan.put(
                    "session:\(id)", url: Plan.url(url, objects.party, [id]), object: object, pushed: state.pushed)
            }
            if priced, !state.cdrs.contains(id), let cdr = try await objects.cdr(session, token: token, now: now) {
                let body = String(decoding: try OCPIJSON.encoder().encode(cdr), as: UTF8.self)
                _ = try await repository.addOCPICDR(
                    OCPICDRRecord(
                        partner: partner.id, id: id, site: session.site, transactionId: session.transactionId, body: body,
                        createdAt: now))
                state.cdrs.insert(id)
            }
        }
        if let url = partner.endpoint("cdrs") {
            for cdr in try await repository.ocpiCDRs(partner: partner.id, unsentOnly: true) {
                plan.calls.append(Call(object: "cdr:\(cdr.id)", method: "POST", url: url, body: Data(cdr.body.utf8), keep: nil))
            }
        }
    }

    /// What a partner's round came to.
    struct Outcome {
        var took: [String: String] = [:]
        var cdrsTaken: [String] = []
        var messages: [OCPIMessageRecord] = []
        var failed = 0
        var lastError: OCPIError?
    }

    /// Sends a partner's calls, at most ``concurrency`` at once.
    private func send(_ plan: Plan, to partner: OCPIPartnerRecord) async -> Outcome {
        var outcome = Outcome()
        guard let token = try? await repository.ocpiOutgoingToken(partner: partner.id) else {
            outcome.failed = plan.calls.count
            outcome.lastError = OCPIError(http: 200, code: OCPIStatus.unableToUseClientAPI, "no token to call it with")
            return outcome
        }
        await withTaskGroup(of: (Call, Result<Void, OCPIError>, OCPIMessageRecord).self) { group in
            var next = plan.calls.makeIterator()
            func start() -> Bool {
                guard let call = next.next() else { return false }
                group.addTask {
                    let (result, message) = await client.push(
                        call.method, call.url, token: token, partner: partner, body: call.body)
                    return (call, result, message)
                }
                return true
            }
            for _ in 0..<Self.concurrency where !start() { break }
            for await (call, result, message) in group {
                outcome.messages.append(message)
                switch result {
                case .success:
                    if call.object.hasPrefix("cdr:") {
                        outcome.cdrsTaken.append(String(call.object.dropFirst(4)))
                    } else if let keep = call.keep {
                        outcome.took[call.object] = keep
                    }
                    for (object, body) in call.alsoKept { outcome.took[object] = body }
                case .failure(let error):
                    outcome.failed += 1
                    outcome.lastError = error
                }
                _ = start()
            }
        }
        return outcome
    }

    /// Keeps what the partner took, its calls, and its standing (held back after a failure, 2 s doubling to 5 min).
    private func settle(_ outcome: Outcome, partner: OCPIPartnerRecord, _ state: inout PartnerState, now: Date) async {
        metrics.pushed.increment(by: outcome.messages.count - outcome.failed)
        metrics.failed.increment(by: outcome.failed)
        for (object, body) in outcome.took { state.pushed[object] = body.isEmpty ? nil : body }
        do {
            try await repository.savePushed(partner: partner.id, outcome.took, at: now)
            for id in outcome.cdrsTaken { try await repository.markOCPICDRSent(partner: partner.id, cdr: id, at: now) }
            try await repository.logOCPI(partner: partner.id, messages: outcome.messages)
            if let error = outcome.lastError {
                state.failures += 1
                state.notBefore = now.addingTimeInterval(min(300, pow(2, Double(min(state.failures, 9)))))
                // Sessions are looked at again once the partner is tried again.
                state.sessionMarks = [:]
                try await repository.noteOCPIPush(partner: partner.id, at: now, failure: error.message)
                logger.warning(
                    "an OCPI partner refused or missed pushes; trying again later",
                    metadata: [
                        "partner": "\(partner.id)", "failed": "\(outcome.failed)", "error": "\(error.message)",
                        "retry_in_s": "\(Int(state.notBefore.timeIntervalSince(now)))",
                    ])
            } else {
                state.failures = 0
                try await repository.noteOCPIPush(partner: partner.id, at: now, failure: nil)
            }
        } catch is CancellationError {
            // Shutting down: what was not kept is pushed again by the next holder (PUTs are idempotent).
        } catch {
            logger.error("keeping what OCPI partners took failed", metadata: ["error": "\(error)"])
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension OCPIPartnerRecord {
    /// The URL of the partner's module in its receiving role.
    func endpoint(_ module: String) -> String? {
        endpoints.first { $0.identifier == module && $0.role == "RECEIVER" }?.url
    }
}
