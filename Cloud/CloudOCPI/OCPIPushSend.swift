import CloudStore
import Foundation
import Logging
import Metrics

extension OCPIPush {
    /// What a partner's round came to.
    struct Outcome {
        var took: [String: String] = [:]
        var cdrsTaken: [String] = []
        var messages: [OCPIMessageRecord] = []
        /// Objects the partner refused, and why.
        var refused: [(Call, String)] = []
        /// Calls not answered, and the last reason; calls not sent (the round's budget spent).
        var unanswered = 0
        var lastProblem: String?
        var unsent = 0
    }

    /// Sends a partner's calls, at most ``concurrency`` at once, until they are done, three went unanswered, or
    /// ``sendingBudget`` is spent.
    func send(_ plan: Plan, to partner: OCPIPartnerRecord) async -> Outcome {
        var outcome = Outcome()
        guard let token = try? await repository.ocpiOutgoingToken(partner: partner.id) else {
            outcome.unanswered = plan.calls.count
            outcome.lastProblem = "no token to call it with"
            return outcome
        }
        let deadline = Date().addingTimeInterval(Self.sendingBudget)
        await withTaskGroup(of: (Call, OCPIClient.PushResult, OCPIMessageRecord).self) { group in
            var next = plan.calls.makeIterator()
            func start() -> Bool {
                guard outcome.unanswered < 3, Date() < deadline, let call = next.next() else { return false }
                group.addTask {
                    let (result, message) = await client.push(
                        call.method, call.url, token: token, partner: partner, body: call.body, from: call.from)
                    return (call, result, message)
                }
                return true
            }
            for _ in 0..<Self.concurrency where !start() { break }
            for await (call, result, message) in group {
                outcome.messages.append(message)
                switch result {
                case .accepted:
                    if call.object.hasPrefix("cdr:") {
                        outcome.cdrsTaken.append(String(call.object.dropFirst(4)))
                    } else if let keep = call.keep {
                        outcome.took[call.object] = keep
                    }
                    for (object, body) in call.alsoKept { outcome.took[object] = body }
                case .refused(let why):
                    outcome.refused.append((call, why))
                case .unanswered(let why):
                    outcome.unanswered += 1
                    outcome.lastProblem = why
                }
                _ = start()
            }
            while next.next() != nil { outcome.unsent += 1 }
        }
        return outcome
    }

    /// Keeps what the partner took, its calls, and its standing: after anything refused or unanswered it is held back
    /// (2 s doubling to 5 min) and its sites compared whole at the next try; an object refused
    /// ``refusalsBeforeParking`` times is parked, and said so.
    func settle(_ outcome: Outcome, partner: OCPIPartnerRecord, _ state: inout PartnerState, now: Date) async {
        let failed = outcome.refused.count + outcome.unanswered
        metrics.pushed.increment(by: outcome.messages.count - failed)
        metrics.failed.increment(by: failed)
        var took = outcome.took
        var parked: [String] = []
        // Refusals count only while the partner takes other calls: a partner that takes nothing is not judged by them.
        let tookSome = !outcome.took.isEmpty || !outcome.cdrsTaken.isEmpty
        for (call, _) in outcome.refused where tookSome {
            state.refusals[call.object, default: 0] += 1
            guard state.refusals[call.object]! >= Self.refusalsBeforeParking else { continue }
            state.refusals[call.object] = nil
            parked.append(call.object)
            // An object is taken as it is, so it is sent again only once it changes; a CDR, or an object that was to be
            // forgotten once taken (a finished session), stays parked in this instance.
            if let keep = call.keep, !keep.isEmpty {
                took[call.object] = keep
            } else {
                state.parked.insert(call.object)
            }
        }
        for object in outcome.took.keys { state.refusals[object] = nil }
        for (object, body) in took { state.pushed[object] = body.isEmpty ? nil : body }
        let problem =
            parked.isEmpty
            ? (outcome.refused.last?.1 ?? outcome.lastProblem)
            : "gave up on \(parked.sorted().joined(separator: ", ")) after \(Self.refusalsBeforeParking) refusals: "
                + (outcome.refused.last?.1 ?? "")
        do {
            try await repository.savePushed(partner: partner.id, took, at: now)
            for id in outcome.cdrsTaken { try await repository.markOCPICDRSent(partner: partner.id, cdr: id, at: now) }
            try await repository.logOCPI(partner: partner.id, messages: outcome.messages)
            state.resync = failed > 0 || outcome.unsent > 0
            // Sessions not sent (the round's budget spent) are looked at again at the next try.
            if outcome.unsent > 0 {
                state.sessionMarks = [:]
                state.sessionSent = [:]
            }
            if failed > 0, let problem {
                state.failures += 1
                state.notBefore = Date().addingTimeInterval(min(300, pow(2, Double(min(state.failures, 9)))))
                // Sessions are looked at again once the partner is tried again.
                state.sessionMarks = [:]
                state.sessionSent = [:]
                try await repository.noteOCPIPush(partner: partner.id, at: now, failure: problem)
                logger.warning(
                    "an OCPI partner refused or missed pushes; trying again later",
                    metadata: [
                        "partner": "\(partner.id)", "refused": "\(outcome.refused.count)",
                        "unanswered": "\(outcome.unanswered)", "error": "\(problem)",
                        "retry_in_s": "\(Int(state.notBefore.timeIntervalSinceNow))",
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
