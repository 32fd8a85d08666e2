import CloudBilling
import CloudStore
import Foundation
import Logging
import Metrics
import SyncContract
import Testing

@testable import CloudOCPI

/// What pushing to partners keeps, and how a round's calls are chosen.
@Suite struct OCPIPushTests {
    let directory = TemporaryDirectory()
    let party = OCPIParty(countryCode: "DE", partyId: "GRS", name: "Test", baseURL: "https://cloud.test/ocpi")
    let now = Date(timeIntervalSince1970: 1_795_600_000)

    func location(_ statuses: [String], address: String = "Damrak 1") -> OCPILocation {
        OCPILocation(
            countryCode: "DE", partyId: "GRS", id: "site-1", publish: true, name: "Site", address: address, city: "Amsterdam",
            postalCode: nil, country: "NLD", coordinates: .init(latitude: "52.370000", longitude: "4.890000"),
            timeZone: "Europe/Amsterdam",
            evses: statuses.enumerated().map { index, status in
                OCPILocation.EVSE(
                    uid: "CP\(index)*1", evseId: nil, status: status, connectors: [], lastUpdated: now + Double(index))
            }, lastUpdated: now)
    }

    /// What the partner took after `plan`'s calls all succeeded.
    func taken(_ plan: Plan, after pushed: [String: String]) -> [String: String] {
        var pushed = pushed
        for call in plan.calls {
            for (key, body) in [(call.object, call.keep ?? "")] + call.alsoKept.map({ ($0.key, $0.value) }) {
                pushed[key] = body.isEmpty ? nil : body
            }
        }
        return pushed
    }

    @Test func aNewLocationIsPutWholeThenOnlyTheEVSEsThatChangeAndThoseThatGoAwayAreRemoved() throws {
        var plan = Plan()
        let url = "https://emsp.test/ocpi/2.2.1/locations"
        plan.locations(
            url: url, sites: ["site-1"], published: ["site-1"],
            locations: ["site-1": location(["AVAILABLE", "AVAILABLE"])],
            pushed: [:], now: now)
        #expect(plan.calls.map(\.url) == ["\(url)/DE/GRS/site-1"])
        var pushed = taken(plan, after: [:])
        #expect(Set(pushed.keys) == ["location:site-1", "evse:site-1/CP0*1", "evse:site-1/CP1*1"])
        // Nothing changed: nothing sent.
        plan = Plan()
        plan.locations(
            url: url, sites: ["site-1"], published: ["site-1"],
            locations: ["site-1": location(["AVAILABLE", "AVAILABLE"])],
            pushed: pushed, now: now)
        #expect(plan.calls.isEmpty)
        // One EVSE charges, the other is gone: a PUT of the one, REMOVED for the other.
        var changed = location(["CHARGING"])
        changed.evses[0].lastUpdated = now + 60
        plan = Plan()
        plan.locations(
            url: url, sites: ["site-1"], published: ["site-1"], locations: ["site-1": changed], pushed: pushed,
            now: now)
        #expect(plan.calls.map(\.url) == ["\(url)/DE/GRS/site-1/CP0*1", "\(url)/DE/GRS/site-1/CP1*1"])
        let removed = try JSONSerialization.jsonObject(with: try #require(plan.calls[1].body)) as? [String: Any]
        #expect(removed?["status"] as? String == "REMOVED")
        pushed = taken(plan, after: pushed)
        #expect(pushed["evse:site-1/CP1*1"] == nil)
        // No longer published: publish false, its EVSEs REMOVED, and forgotten.
        plan = Plan()
        plan.locations(url: url, sites: [], published: [], locations: ["site-1": changed], pushed: pushed, now: now)
        let last = try JSONSerialization.jsonObject(with: try #require(plan.calls.first?.body)) as? [String: Any]
        #expect(last?["publish"] as? Bool == false)
        #expect((last?["evses"] as? [[String: Any]])?.map { $0["status"] as? String } == ["REMOVED"])
        #expect(taken(plan, after: pushed).isEmpty)
    }

    @Test func theStoreKeepsWhatPartnersTookTheirCDRsOnceAndOneInstancePushes() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        try await store.savePushed(partner: "p1", ["location:a": "{}", "evse:a/1": "{\"s\":1}"], at: now)
        try await store.savePushed(partner: "p1", ["evse:a/1": ""], at: now)
        #expect(try await store.ocpiPushed(partner: "p1") == ["location:a": "{}"])
        #expect(try await store.ocpiPushed(partner: "p2").isEmpty)
        let cdr = OCPICDRRecord(partner: "p1", id: "site-1", site: "site", transactionId: 1, body: "{}", createdAt: now)
        #expect(try await store.addOCPICDR(cdr))
        #expect(
            try await !store.addOCPICDR(
                OCPICDRRecord(
                    partner: "p1", id: "site-1", site: "site", transactionId: 1, body: "{\"changed\":1}", createdAt: now)))
        #expect(try await store.ocpiCDRs(partner: "p1", unsentOnly: true).map(\.body) == ["{}"], "immutable once made")
        try await store.markOCPICDRSent(partner: "p1", cdr: "site-1", at: now)
        #expect(try await store.ocpiCDRs(partner: "p1", unsentOnly: true).isEmpty)
        #expect(try await store.ocpiCDRs(partner: "p1", unsentOnly: false).first?.sentAt == now)
        #expect(try await store.takeOCPIPushLease(holder: "a", now: now, lease: .seconds(30)))
        #expect(try await !store.takeOCPIPushLease(holder: "b", now: now + 10, lease: .seconds(30)))
        #expect(try await store.takeOCPIPushLease(holder: "a", now: now + 10, lease: .seconds(30)), "renewed")
        #expect(try await store.takeOCPIPushLease(holder: "b", now: now + 41, lease: .seconds(30)), "run out")
    }

    @Test func theMessageLogKeepsOnlyAPartnersLatestCalls() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let messages = (0..<(ocpiMessagesKept + 5)).map { n in
            OCPIMessageRecord(
                direction: "out", method: "PUT", url: "/\(n)", status: 200, request: nil, response: nil, at: now + Double(n))
        }
        try await store.logOCPI(partner: "p1", messages: messages)
        try await store.logOCPI(partner: "p2", messages: Array(messages.prefix(3)))
        #expect(try await store.ocpiMessages(partner: "p1", limit: 1).first?.url == "/\(ocpiMessagesKept + 4)")
        #expect(try await store.ocpiMessages(partner: "p1", limit: ocpiMessagesKept + 10).count == ocpiMessagesKept)
        #expect(try await store.ocpiMessages(partner: "p2", limit: 10).count == 3)
    }

    @Test func commandsComeToTheChargersAnswersAndReservationIdsToNumbers() {
        func reply(_ outcome: CommandOutcome, _ status: String? = nil) -> CommandResultRecord {
            CommandResultRecord(site: "s", id: "c", outcome: outcome, response: status.map { #"{"status":"\#($0)"}"# })
        }
        #expect(OCPIServer.result(of: reply(.accepted, "Accepted"), command: "START_SESSION") == "ACCEPTED")
        #expect(OCPIServer.result(of: reply(.accepted, "Rejected"), command: "START_SESSION") == "REJECTED")
        #expect(OCPIServer.result(of: reply(.timeout), command: "START_SESSION") == "TIMEOUT")
        #expect(OCPIServer.result(of: reply(.expired), command: "STOP_SESSION") == "TIMEOUT")
        #expect(OCPIServer.result(of: reply(.notConnected), command: "STOP_SESSION") == "FAILED")
        #expect(OCPIServer.result(of: reply(.accepted, "Occupied"), command: "RESERVE_NOW") == "EVSE_OCCUPIED")
        #expect(OCPIServer.result(of: reply(.accepted, "Faulted"), command: "RESERVE_NOW") == "EVSE_INOPERATIVE")
        #expect(OCPIServer.result(of: reply(.accepted, "Unlocked"), command: "UNLOCK_CONNECTOR") == "ACCEPTED")
        #expect(OCPIServer.result(of: reply(.accepted, "UnlockFailed"), command: "UNLOCK_CONNECTOR") == "FAILED")
        #expect(OCPIServer.result(of: reply(.accepted, "Rejected"), command: "CANCEL_RESERVATION") == "UNKNOWN_RESERVATION")
        let number = OCPIServer.reservationNumber("R-7", partner: "p1")
        #expect(number == OCPIServer.reservationNumber("R-7", partner: "p1") && (0...Int(Int32.max)).contains(number))
        #expect(OCPIServer.reservationNumber("R-8", partner: "p1") != number)
        #expect(OCPIServer.reservationNumber("R-7", partner: "p2") != number, "two partners' ids are not one reservation")
        var partner = OCPIPartnerRecord(id: "p1", name: "Roam", createdAt: Date())
        partner.versionsURL = "https://emsp.example/ocpi/versions"
        #expect(OCPIServer.isPartners("https://emsp.example/ocpi/results/1", partner))
        #expect(!OCPIServer.isPartners("http://127.0.0.1:8443/api/v1/x", partner))
        #expect(!OCPIServer.isPartners("https://emsp.example:8443/ocpi/results/1", partner), "another port")
        #expect(!OCPIServer.isPartners("not a url", partner))
    }

    @Test func aSiteThatWentToAnotherOperatorIsUnpublishedUnderItsFormerCodes() throws {
        let url = "https://emsp.test/ocpi/2.2.1/locations"
        var plan = Plan()
        plan.locations(
            url: url, sites: ["site-1"], published: ["site-1"], locations: ["site-1": location(["AVAILABLE"])], pushed: [:],
            now: now)
        let pushed = taken(plan, after: [:])
        var moved = location(["AVAILABLE"])
        moved.partyId = "ABC"
        plan = Plan()
        plan.locations(
            url: url, sites: ["site-1"], published: ["site-1"], locations: ["site-1": moved], pushed: pushed, now: now)
        #expect(plan.calls.map(\.url) == ["\(url)/DE/GRS/site-1", "\(url)/DE/ABC/site-1"])
        let former = try OCPIJSON.decoder().decode(OCPILocation.self, from: try #require(plan.calls.first?.body))
        #expect(!former.publish && former.evses.map(\.status) == ["REMOVED"] && former.partyId == "GRS")
        #expect(plan.calls.first?.from?.partyId == "GRS" && plan.calls.last?.from?.partyId == "ABC")
        // The new Location taken but the unpublish refused: it is sent again at the next round, until taken.
        var after = pushed
        for call in plan.calls where call.object == "location:site-1" {
            after["location:site-1"] = call.keep
            for (key, body) in call.alsoKept { after[key] = body.isEmpty ? nil : body }
        }
        plan = Plan()
        plan.locations(
            url: url, sites: ["site-1"], published: ["site-1"], locations: ["site-1": moved], pushed: after, now: now)
        #expect(plan.calls.map(\.url) == ["\(url)/DE/GRS/site-1"])
        // Taken: nothing more to send under either.
        after = taken(plan, after: after)
        plan = Plan()
        plan.locations(
            url: url, sites: ["site-1"], published: ["site-1"], locations: ["site-1": moved], pushed: after, now: now)
        #expect(plan.calls.isEmpty)
    }

    @Test func chargingProfileResultsFollowTheEdgesAnswer() throws {
        func reply(_ outcome: CommandOutcome, _ state: SessionLimitState? = nil) throws -> CommandResultRecord {
            CommandResultRecord(
                site: "s", id: "c", outcome: outcome,
                response: try state.map { String(decoding: try SyncJSON.encoder().encode($0), as: UTF8.self) })
        }
        #expect(OCPIServer.profileResult(of: try reply(.accepted), read: nil).result == "ACCEPTED")
        #expect(OCPIServer.profileResult(of: try reply(.rejected), read: nil).result == "REJECTED")
        #expect(OCPIServer.profileResult(of: try reply(.invalid), read: nil).result == "REJECTED")
        #expect(OCPIServer.profileResult(of: try reply(.timeout), read: nil).result == "UNKNOWN")
        #expect(OCPIServer.profileResult(of: try reply(.notConnected), read: 60).result == "UNKNOWN")
        // Read: the charger's limit, or the lower allocation on its way to it.
        let lowering = SessionLimitState(connectorId: 1, transactionId: 7, allocatedA: 10, sentA: 20.04)
        let active = OCPIServer.profileResult(of: try reply(.accepted, lowering), read: 900)
        #expect(active.result == "ACCEPTED")
        #expect(active.profile?.chargingProfile.chargingProfilePeriod?.map(\.limit) == [10])
        #expect(active.profile?.chargingProfile.duration == 900)
        let rising = SessionLimitState(connectorId: 1, transactionId: 7, allocatedA: 32, sentA: 20.04)
        #expect(
            OCPIServer.profileResult(of: try reply(.accepted, rising), read: 900).profile?.chargingProfile
                .chargingProfilePeriod?.map(\.limit) == [20])
    }

    @Test func anObjectRefusedFiveTimesIsParkedAndTheRestGoOn() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let partner = OCPIPartnerRecord(id: "p1", name: "Picky", state: "registered", createdAt: now)
        try await store.addOCPIPartner(partner, incomingTokenHash: "h")
        let push = OCPIPush(
            repository: store, client: OCPIClient(party: party, logger: Logger(label: "test")),
            pricer: SessionPricer(repository: store), metricsFactory: NOOPMetricsHandler.instance,
            logger: Logger(label: "test"))
        let evse = Call(object: "evse:site-1/CP0*1", method: "PUT", url: "https://e/x", body: nil, keep: "{\"v\":1}")
        let cdr = Call(object: "cdr:site-1-7", method: "POST", url: "https://e/cdrs", body: nil, keep: nil)
        var state = OCPIPush.PartnerState(pushed: [:])
        for attempt in 1...OCPIPush.refusalsBeforeParking {
            var outcome = OCPIPush.Outcome()
            outcome.refused = [(evse, "2001 no thanks"), (cdr, "2001 no thanks")]
            // It takes other objects meanwhile: the refusals are the objects' fault.
            outcome.took = ["evse:site-1/CP9*1": "{}"]
            await push.settle(outcome, partner: partner, &state, now: now + Double(attempt))
            #expect(state.notBefore > now + Double(attempt), "held back after a refusal")
            #expect(state.resync)
        }
        #expect(state.parked == ["cdr:site-1-7"], "a CDR stays unsent, parked")
        #expect(state.pushed["evse:site-1/CP0*1"] == "{\"v\":1}", "an object is taken as it is: sent again once it changes")
        #expect(try await store.ocpiPushed(partner: "p1")["evse:site-1/CP0*1"] == "{\"v\":1}")
        let failure = try #require(try await store.ocpiPartner(id: "p1")?.lastFailure)
        #expect(failure.contains("gave up on cdr:site-1-7, evse:site-1/CP0*1 after 5 refusals"), "\(failure)")
        // A round with nothing refused clears the standing.
        var outcome = OCPIPush.Outcome()
        outcome.took = ["evse:site-1/CP1*1": "{}"]
        await push.settle(outcome, partner: partner, &state, now: now + 60)
        #expect(state.failures == 0 && !state.resync)
        // A partner that takes nothing is not judged by its refusals.
        var silent = OCPIPush.PartnerState(pushed: [:])
        for attempt in 1...(2 * OCPIPush.refusalsBeforeParking) {
            var outcome = OCPIPush.Outcome()
            outcome.refused = [(evse, "2001 no thanks")]
            await push.settle(outcome, partner: partner, &silent, now: now + Double(attempt))
        }
        #expect(silent.parked.isEmpty && silent.pushed.isEmpty && silent.refusals.isEmpty)
    }

    @Test func aCommandsNoteIsTakenByOneSessionOnly() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        try await store.noteOCPIAuthorization(site: "s", idTag: "ROAM", method: "COMMAND", reference: "R1", at: now)
        func claim(_ transaction: Int, startingAt start: Date) async throws -> String? {
            try await store.claimOCPIAuthorization(
                site: "s", idTag: "ROAM", transactionId: transaction, from: start - 600, to: start + 5)?.reference
        }
        #expect(try await claim(1, startingAt: now + 1) == "R1")
        #expect(try await claim(2, startingAt: now + 30) == nil, "taken by the first session")
        #expect(try await claim(1, startingAt: now + 1) == "R1", "and still that one's")
        // A retry after a failed start: its own note for its own session.
        try await store.noteOCPIAuthorization(site: "s", idTag: "ROAM", method: "COMMAND", reference: "R2", at: now + 40)
        #expect(try await claim(3, startingAt: now + 45) == "R2")
        #expect(try await claim(1, startingAt: now + 1) == "R1")
        #expect(
            try await store.claimOCPIAuthorization(
                site: "other", idTag: "ROAM", transactionId: 4, from: now - 600, to: now + 600) == nil)
    }
}
