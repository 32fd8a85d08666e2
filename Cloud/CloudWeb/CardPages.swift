import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServerSupport

/// Drivers' cards in the dashboard: the list (an organization's users: their own), CSV download, and for the fleet's
/// staff with configure: add or replace one, import CSV, remove one. Each change sends the token lists it concerns.
extension Dashboard {
    func cardsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let cards = try await Cards.visible(to: identity, repository: repository)
        let model = CardsPage(
            cards: cards.map {
                .init(
                    idTag: $0.idTag, holder: $0.holder ?? "", organization: $0.organization ?? "", vehicle: $0.vehicle ?? "",
                    tokenGroup: $0.tokenGroup ?? "", validUntil: $0.validUntil.map { formats.dateTime($0) } ?? "",
                    blocked: $0.blocked, sites: $0.sites.joined(separator: ", "))
            }, hasCards: !cards.isEmpty, canEdit: identity.role.permits(.configure) && identity.organization == nil)
        return page("cards", title: "nav.cards", language: language, context: context, model: model, nav: "cards")
    }

    func cardsCSV(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: #"attachment; filename="cards.csv""#],
            body: .init(byteBuffer: ByteBuffer(string: Cards.csv(try await Cards.visible(to: identity, repository: repository)))))
    }

    /// Adds or replaces one card (`idTag` and its fields), or imports CSV (`csv`).
    func saveCards(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        try Cards.requireStaff(identity)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: WebAuth.maxFormBytes)))
        let cards: [CardRecord]
        if let csv = form.text("csv") {
            cards = try await Cards.read(csv: csv, repository: repository, at: Date())
        } else {
            let input = CardInput(
                holder: form["holder"], organization: form["organization"], vehicle: form["vehicle"],
                tokenGroup: form["tokenGroup"], blocked: form["blocked"] == "on",
                sites: (form["sites"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init))
            cards = [try await input.card(idTag: form["idTag"] ?? "", repository: repository, at: Date())]
        }
        for site in try await Cards.save(cards, repository: repository, at: Date()) { await tokenListChanged(site) }
        logger.info("cards saved", metadata: ["count": "\(cards.count)", "user": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/cards"])
    }

    func deleteCard(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        try Cards.requireStaff(identity)
        guard let sites = try await repository.deleteCard(idTag: try context.parameters.require("card")) else {
            throw Problem(status: 404, detail: "no such card")
        }
        for site in sites { await tokenListChanged(site) }
        return Response(status: .seeOther, headers: [.location: "/cards"])
    }
}

/// Drivers' cards (`cards.mustache`).
struct CardsPage: PageModel {
    struct Card {
        let idTag, holder, organization, vehicle, tokenGroup, validUntil: String
        let blocked: Bool
        let sites: String
    }

    let cards: [Card]
    let hasCards, canEdit: Bool
}
