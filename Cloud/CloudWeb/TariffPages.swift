import CloudCore
import CloudStore
import Foundation
import Hummingbird
import Logging
import Metrics
import Pricing
import ServerSupport
import WireJSON

/// Tariffs in the dashboard: every reader sees them and where they apply; the fleet's staff with the configure
/// permission write them (OCPI JSON), preview them on an example session before saving, and assign them.
extension Dashboard {
    func tariffsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let tariffs = try await Tariffs.list(for: identity, repository: repository)
        return page(
            "tariffs", title: "nav.tariffs", language: language, context: context,
            model: TariffsPage(
                tariffs: tariffs.map {
                    .init(
                        id: $0.id, name: $0.name, currency: $0.currency, version: $0.version,
                        places: $0.assignments.map { Self.place($0, strings: strings) }.joined(separator: "; "))
                },
                hasTariffs: !tariffs.isEmpty, canEdit: Self.mayEditTariffs(identity)),
            nav: "tariffs")
    }

    func tariffPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context)
        let id = try context.parameters.require("tariff")
        let record = try await repository.tariff(id: id, version: nil)
        guard record != nil || (id == "new" && Self.mayEditTariffs(identity)) else {
            throw Problem(status: 404, detail: "no tariff '\(id)'")
        }
        var view: TariffView?
        if let record { view = try await Tariffs.view(of: record, for: identity, repository: repository) }
        let json = try view.map { String(decoding: try Self.prettyEncoder.encode($0.tariff), as: UTF8.self) } ?? Self.example
        return try await tariffEditor(
            request, context: context, identity: identity, view: view, id: view?.id ?? "", name: view?.name ?? "", json: json,
            example: TariffPage.Example(), preview: nil, error: nil)
    }

    /// Saves the editor's tariff, or (`preview` pressed) prices the example session with what the editor holds.
    func saveTariff(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 20)))
        let id = (form["id"] ?? "").trimmingCharacters(in: .whitespaces)
        let name = form["name"] ?? ""
        let json = form["tariff"] ?? ""
        let existing = try await repository.tariff(id: id, version: nil)
        var view: TariffView?
        if let existing { view = try await Tariffs.view(of: existing, for: identity, repository: repository) }
        let example = TariffPage.Example(form)
        do {
            let tariff = try Self.tariff(json)
            if form["preview"] != nil {
                let preview = try await Self.preview(
                    tariff, example: example, repository: repository,
                    formats: Formats(language: language(request: request, context: context)))
                return try await tariffEditor(
                    request, context: context, identity: identity, view: view, id: id, name: name, json: json,
                    example: example, preview: preview, error: nil)
            }
            let saved = try await TariffInput(name: name, tariff: tariff).save(id: id, by: identity, repository: repository)
            logger.info(
                "tariff saved",
                metadata: ["tariff": "\(saved.id)", "version": "\(saved.version)", "user": "\(identity.user ?? "")"])
            return Response(status: .seeOther, headers: [.location: "/tariffs/\(saved.id)"])
        } catch let problem as Problem where problem.status == 400 {
            refusals.increment()
            return try await tariffEditor(
                request, context: context, identity: identity, view: view, id: id, name: name, json: json, example: example,
                preview: nil, error: problem.detail, status: .badRequest)
        }
    }

    func assignTariff(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let id = try context.parameters.require("tariff")
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let place = form["place"] ?? ""
        let input = TariffAssignmentInput(
            site: place.hasPrefix("site:") ? String(place.dropFirst(5)) : nil,
            group: place.hasPrefix("group:") ? String(place.dropFirst(6)) : nil, station: form.text("station"),
            tokenGroup: form.text("tokenGroup"))
        _ = try await input.assign(tariff: id, by: identity, repository: repository)
        return Response(status: .seeOther, headers: [.location: "/tariffs/\(id)"])
    }

    func endTariffAssignment(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        try Tariffs.requireStaff(identity)
        let id = try context.parameters.require("tariff")
        let assignment = try context.parameters.require("assignment")
        guard try await repository.tariffAssignments().contains(where: { $0.id == assignment && $0.tariff == id }),
            try await repository.endTariffAssignment(id: assignment, at: Date())
        else {
            throw Problem(status: 404, detail: "no such assignment in force")
        }
        return Response(status: .seeOther, headers: [.location: "/tariffs/\(id)"])
    }

    func deleteTariff(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        try Tariffs.requireStaff(identity)
        guard try await repository.deleteTariff(id: try context.parameters.require("tariff"), at: Date()) else {
            throw Problem(status: 404, detail: "no such tariff")
        }
        return Response(status: .seeOther, headers: [.location: "/tariffs"])
    }

    private func tariffEditor(
        _ request: Request, context: APIRequestContext, identity: APIIdentity, view: TariffView?, id: String, name: String,
        json: String, example: TariffPage.Example, preview: TariffPage.Preview?, error: String?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let language = language(request: request, context: context)
        let strings = Catalog.strings(language)
        let formats = Formats(language: language)
        let sites = try await repository.sites(in: identity.scope)
        let groups = try await repository.groups(in: identity.scope)
        let model = TariffPage(
            id: id, name: name, json: json, isNew: view == nil, version: view?.version, canEdit: Self.mayEditTariffs(identity),
            assignments: (view?.assignments ?? []).map {
                .init(
                    tariff: $0.tariff, id: $0.id, place: Self.place($0, strings: strings), tokenGroup: $0.tokenGroup,
                    from: formats.dateTime($0.validFrom), to: $0.validTo.map { formats.dateTime($0) })
            },
            places: sites.map {
                Option(value: "site:\($0.id)", label: "\(strings["session.site"] ?? "") \($0.name)", selected: false)
            }
                + groups.map {
                    Option(value: "group:\($0.id)", label: "\(strings["nav.groups"] ?? "") \($0.name)", selected: false)
                },
            example: example, preview: preview, error: error)
        return page(
            "tariff", title: "nav.tariffs", language: language, context: context, model: model, status: status, nav: "tariffs")
    }

    static func mayEditTariffs(_ identity: APIIdentity) -> Bool {
        identity.role.permits(.configure) && identity.organization == nil
    }

    static func place(_ assignment: TariffAssignment, strings: [String: String]) -> String {
        let place =
            if let site = assignment.site {
                assignment.station.map { "\(site)/\($0)" } ?? "\(strings["session.site"] ?? "") \(site)"
            } else {
                "\(strings["nav.groups"] ?? "") \(assignment.group ?? "")"
            }
        return assignment.tokenGroup.map { "\(place) (\($0))" } ?? place
    }

    static func tariff(_ json: String) throws -> Tariff {
        do {
            return try Tariffs.read(json)
        } catch {
            throw Problem(status: 400, detail: "tariff: not an OCPI 2.2.1 tariff: \(error)")
        }
    }

    /// Prices the example session under `tariff`, as `POST /api/v1/tariffs/price` would.
    static func preview(
        _ tariff: Tariff, example: TariffPage.Example, repository: any CloudRepository, formats: Formats
    ) async throws -> TariffPage.Preview {
        let zone = example.timeZone
        guard TimeZone(identifier: zone) != nil else {
            throw Problem(status: 400, detail: "timeZone: '\(zone)' is not an IANA time zone")
        }
        let cost = try PriceRequest(tariff: tariff, cdr: .init(session: try example.session(), timeZone: zone)).price()
        func money(_ price: Price) -> String {
            "\(formats.money(price.inclVAT ?? price.exclVAT, tariff.currency)) (\(formats.money(price.exclVAT, tariff.currency)))"
        }
        let local = Formats(language: formats.language, timeZone: TimeZone(identifier: zone) ?? .gmt)
        return TariffPage.Preview(
            total: money(cost.totalCost), energy: money(cost.totalEnergyCost), time: money(cost.totalTimeCost),
            parking: money(cost.totalParkingCost), fixed: money(cost.totalFixedCost),
            periods: cost.pricedPeriods.map { period in
                .init(
                    from: local.dateTime(period.startDateTime), to: local.dateTime(period.endDateTime),
                    parts: period.components.map {
                        "\($0.type.rawValue) #\($0.element): \($0.volume) × \($0.price) = \(money($0.cost))"
                    }.joined(separator: "; "))
            })
    }

    static let prettyEncoder: JSONEncoder = {
        let encoder = WireCoders.encoder(sortedKeys: true)
        encoder.outputFormatting.insert(.prettyPrinted)
        return encoder
    }()

    /// What a new tariff's editor starts with: day and night energy prices, a start fee, parking after charging.
    static let example = """
        {
          "currency": "EUR",
          "elements": [
            {"price_components": [{"type": "FLAT", "price": 0.50, "vat": 19, "step_size": 1}]},
            {"price_components": [{"type": "ENERGY", "price": 0.29, "vat": 19, "step_size": 1}],
             "restrictions": {"start_time": "22:00", "end_time": "06:00"}},
            {"price_components": [{"type": "ENERGY", "price": 0.45, "vat": 19, "step_size": 1},
                                  {"type": "PARKING_TIME", "price": 6.00, "vat": 19, "step_size": 300}]}
          ]
        }
        """
}
