import CloudCore
import CloudStore
import Foundation
import HTTPTypes
import Pricing
import ServerSupport
import SiteModel
import SyncContract
import Testing

/// Corrections of billed sessions in the store: only a billed session, only a new price, kept with both prices, and
/// handed to the roaming push once.
@Suite struct SessionCorrectionTests {
    let directory = TemporaryDirectory()

    @Test func aBilledSessionIsCorrectedOnceAndTheCorrectionKept() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        _ = try await store.addSite(id: "s1", name: "S1", at: Date())
        let start = SessionStarted(
            station: "CP1", connector: 1, transactionId: 7, idTag: "T", authStatus: "Accepted", meterStartWh: 0,
            startTime: Date())
        _ = try await store.apply(
            [UpEnvelope(site: "s1", seq: 1, timestamp: Date(), message: .sessionStart(start))], receivedAt: Date())
        let billed = SessionPrice(
            currency: "EUR", exclVat: ExactDecimal(350, over: 100), inclVat: ExactDecimal(350, over: 100), tariff: "t",
            tariffVersion: 1, final: true)
        var lower = billed
        lower.exclVat = ExactDecimal(2)
        lower.inclVat = ExactDecimal(2)
        // Running, not billed: refused.
        await #expect(throws: SessionCorrectionRefusal.notBilled) {
            try await store.correctSessionPrice(
                site: "s1", transactionId: 7, price: lower, reason: "r", user: nil, at: Date())
        }
        try await store.setSessionPrice(site: "s1", transactionId: 7, price: billed, idle: nil, at: Date())
        await #expect(throws: SessionCorrectionRefusal.unchanged) {
            try await store.correctSessionPrice(
                site: "s1", transactionId: 7, price: billed, reason: "r", user: nil, at: Date())
        }
        let correction = try await store.correctSessionPrice(
            site: "s1", transactionId: 7, price: lower, reason: "goodwill", user: "ada", at: Date())
        #expect(correction.before == billed && correction.after == lower && correction.user == "ada")
        #expect(try await store.session(site: "s1", transactionId: 7)?.price?.exclVat == ExactDecimal(2))
        #expect(try await store.sessionCorrections(site: "s1", transactionId: 7) == [correction])
        #expect(try await store.correctionsForOCPI().map(\.id) == [correction.id])
        try await store.markCorrectionSentToOCPI(id: correction.id)
        #expect(try await store.correctionsForOCPI().isEmpty)
    }
}

extension CloudAPITests {
    /// Corrections of billed sessions (the fixture's session 7 still runs: 409) and reading a partner's tokens again,
    /// in the API's route table.
    static let correctionRoutes: [Route] = [
        Route(
            method: .post, path: "/api/v1/sessions/s1/7/corrections", documented: "/sessions/{site}/{transaction}/corrections",
            needs: .configure, body: #"{"reason":"goodwill","reprice":true}"#, allowed: [409]),
        Route(
            method: .get, path: "/api/v1/sessions/s1/7/corrections", documented: "/sessions/{site}/{transaction}/corrections",
            needs: .read),
        // No ocpi: section in this cloud: allowed callers are told so.
        Route(
            method: .post, path: "/api/v1/ocpi/partners/p1/tokens/read", documented: "/ocpi/partners/{partner}/tokens/read",
            needs: .admin, allowed: [409]),
    ]
}
