import CloudStore
import Foundation
import Logging
import Pricing

extension OCPIPush {
    /// Corrections of billed sessions: each registered partner that has CDRs of the session is sent a credit CDR for
    /// each one in force (the CDR again under a new id, `credit` set, `credit_reference_id` naming it, its total cost
    /// negated) and then a new CDR with the corrected cost, `<session id>-R<correction>`: CDRs are immutable once made.
    /// The credits and the new CDR are kept together, and a partner that has the new CDR already is done, so a
    /// correction that fails half way (logged) is simply tried again (at the next full round). A partner with no CDR
    /// of the session yet gets the corrected one in the usual way.
    func creditCorrections(partners: [OCPIPartnerRecord], retry: Bool, _ state: inout State, now: Date) async {
        let pending: [SessionCorrection]
        do {
            pending = try await repository.correctionsForOCPI()
        } catch {
            logger.error("corrections of billed sessions cannot be read", metadata: ["error": "\(error)"])
            return
        }
        for correction in pending where retry || !state.failedCorrections.contains(correction.id) {
            do {
                try await credit(correction, partners: partners, now: now)
                try await repository.markCorrectionSentToOCPI(id: correction.id)
                state.failedCorrections.remove(correction.id)
            } catch {
                state.failedCorrections.insert(correction.id)
                logger.error(
                    "a corrected session's CDRs cannot be made; trying again within a minute",
                    metadata: [
                        "site": "\(correction.site)", "transaction": "\(correction.transactionId)", "error": "\(error)",
                    ])
            }
        }
    }

    private func credit(_ correction: SessionCorrection, partners: [OCPIPartnerRecord], now: Date) async throws {
        let records = try await repository.ocpiCDRs(site: correction.site, transactionId: correction.transactionId)
        guard !records.isEmpty,
            let session = try await repository.session(site: correction.site, transactionId: correction.transactionId)
        else { return }
        let newId = Self.fit("\(OCPIServer.sessionId(session))-R\(correction.id)", 36)
        for (id, made) in Dictionary(grouping: records, by: \.partner) {
            guard let partner = partners.first(where: { $0.id == id }), !made.contains(where: { $0.id == newId }) else {
                continue
            }
            let decoder = OCPIJSON.decoder()
            let cdrs = made.compactMap { try? decoder.decode(OCPICDR.self, from: Data($0.body.utf8)) }
            let credited = Set(cdrs.compactMap(\.creditReferenceId))
            let inForce = cdrs.filter { $0.credit != true && !credited.contains($0.id) }
            guard !inForce.isEmpty else { continue }
            // The new CDR first: without it (the driver's token gone, the site no Location), nothing is credited.
            guard
                let token = try await objects.token(of: session, partner: partner, tokens: try await objects.tokens(of: partner)),
                var fresh = try await objects.cdr(session, token: token, now: now)
            else {
                logger.warning(
                    "a corrected session's new CDR cannot be made for a partner; its CDR stands",
                    metadata: ["partner": "\(partner.id)", "session": "\(OCPIServer.sessionId(session))"])
                continue
            }
            fresh.id = newId
            var kept: [OCPICDRRecord] = []
            for (index, cdr) in inForce.enumerated() {
                var credit = cdr
                credit.id = Self.fit("\(cdr.id)-C", 39)
                credit.credit = true
                credit.creditReferenceId = cdr.id
                credit.totalCost = Price(exclVAT: -cdr.totalCost.exclVAT, inclVAT: cdr.totalCost.inclVAT.map { -$0 })
                credit.lastUpdated = now
                kept.append(try record(credit, session, partner, at: now.addingTimeInterval(Double(index) / 1000)))
            }
            kept.append(try record(fresh, session, partner, at: now.addingTimeInterval(Double(inForce.count) / 1000)))
            _ = try await repository.addOCPICDRs(kept)
            logger.notice(
                "a corrected session's CDR credited and made anew",
                metadata: [
                    "partner": "\(partner.id)", "credited": "\(inForce.map(\.id).joined(separator: ","))", "new": "\(newId)",
                ])
        }
    }

    private func record(
        _ cdr: OCPICDR, _ session: SessionView, _ partner: OCPIPartnerRecord, at time: Date
    ) throws -> OCPICDRRecord {
        OCPICDRRecord(
            partner: partner.id, id: cdr.id, site: session.site, transactionId: session.transactionId,
            body: String(decoding: try OCPIJSON.encoder().encode(cdr), as: UTF8.self), createdAt: time)
    }

    /// A CDR id within OCPI's limit (36 characters, 39 for a credit CDR's).
    static func fit(_ id: String, _ limit: Int) -> String {
        id.count <= limit ? id : String(OCPITokens.hash(id).prefix(limit))
    }
}
