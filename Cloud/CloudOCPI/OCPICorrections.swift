import CloudStore
import Foundation
import Logging
import Pricing

extension OCPIPush {
    /// Corrections of billed sessions (re-priced): each partner that has a CDR of the session is sent a credit CDR for
    /// it (the CDR again under a new id, `credit` set, `credit_reference_id` naming it, its total cost negated) and then
    /// a new CDR with the corrected cost, also under a new id: CDRs are immutable once made. A partner with no CDR of
    /// it yet gets the corrected one in the usual way.
    func creditCorrections(partners: [OCPIPartnerRecord], now: Date) async throws {
        for correction in try await repository.correctionsForOCPI() {
            let records = try await repository.ocpiCDRs(site: correction.site, transactionId: correction.transactionId)
            if !records.isEmpty,
                let session = try await repository.session(site: correction.site, transactionId: correction.transactionId)
            {
                for (id, made) in Dictionary(grouping: records, by: \.partner) {
                    guard let partner = partners.first(where: { $0.id == id }) else { continue }
                    try await credit(made, of: session, for: partner, now: now)
                }
            }
            try await repository.markCorrectionSentToOCPI(id: correction.id)
        }
    }

    /// Credits the partner's CDRs of `session` in force (made, not credits, not credited yet) and makes its new one.
    private func credit(
        _ made: [OCPICDRRecord], of session: SessionView, for partner: OCPIPartnerRecord, now: Date
    ) async throws {
        let decoder = OCPIJSON.decoder()
        let cdrs = made.compactMap { try? decoder.decode(OCPICDR.self, from: Data($0.body.utf8)) }
        let credited = Set(cdrs.compactMap(\.creditReferenceId))
        let inForce = cdrs.filter { $0.credit != true && !credited.contains($0.id) }
        guard !inForce.isEmpty else { return }
        for cdr in inForce {
            var credit = cdr
            credit.id = Self.fit("\(cdr.id)-C")
            credit.credit = true
            credit.creditReferenceId = cdr.id
            credit.totalCost = Price(exclVAT: -cdr.totalCost.exclVAT, inclVAT: cdr.totalCost.inclVAT.map { -$0 })
            credit.lastUpdated = now
            try await keep(credit, session, partner, at: now)
        }
        guard let token = try await objects.token(of: session, partner: partner, tokens: try await objects.tokens(of: partner)),
            var fresh = try await objects.cdr(session, token: token, now: now)
        else { return }
        let number = cdrs.filter { $0.credit != true }.count + 1
        fresh.id = Self.fit("\(OCPIServer.sessionId(session))-\(number)")
        try await keep(fresh, session, partner, at: now.addingTimeInterval(0.001))
        logger.notice(
            "a corrected session's CDR credited and made anew",
            metadata: [
                "partner": "\(partner.id)", "credited": "\(inForce.map(\.id).joined(separator: ","))", "new": "\(fresh.id)",
            ])
    }

    private func keep(_ cdr: OCPICDR, _ session: SessionView, _ partner: OCPIPartnerRecord, at time: Date) async throws {
        _ = try await repository.addOCPICDR(
            OCPICDRRecord(
                partner: partner.id, id: cdr.id, site: session.site, transactionId: session.transactionId,
                body: String(decoding: try OCPIJSON.encoder().encode(cdr), as: UTF8.self), createdAt: time))
    }

    /// A CDR id within OCPI's 39 characters.
    static func fit(_ id: String) -> String { id.count <= 39 ? id : String(OCPITokens.hash(id).prefix(39)) }
}
