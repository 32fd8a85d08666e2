import CloudCore
import CloudOCPI
import CloudStore
import Foundation
import Hummingbird
import ServerSupport

extension CloudAPI {
    /// `/ocpi/partners`: roaming partners (the fleet's own administrators): add one (invite it with a token A, or
    /// register with it), list them with their state and last calls, read the calls exchanged with one.
    var ocpiRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/ocpi/partners") { _, context in
            _ = try ocpiPartners(context)
            return json(Items(items: try await repository.ocpiPartners()))
        }
        api.post("/ocpi/partners") { request, context in
            let partners = try ocpiPartners(context)
            var response = try json(try await partners.add(try await decode(OCPIPartners.Input.self, from: request)))
                .response(from: request, context: context)
            response.status = .created
            return response
        }
        api.get("/ocpi/partners/:partner") { _, context in
            json(try await ocpiPartners(context).partner(try context.parameters.require("partner")))
        }
        api.put("/ocpi/partners/:partner/sites") { request, context in
            let partners = try ocpiPartners(context)
            let body = try await decode(PartnerSites.self, from: request)
            return json(try await partners.setSites(body.sites, of: try context.parameters.require("partner")))
        }
        api.post("/ocpi/partners/:partner/tokens/read") { _, context in
            json(try await ocpiPartners(context).readTokens(of: try context.parameters.require("partner")))
        }
        api.get("/ocpi/partners/:partner/messages") { _, context in
            let partner = try await ocpiPartners(context).partner(try context.parameters.require("partner"))
            return json(Items(items: try await repository.ocpiMessages(partner: partner.id, limit: 200)))
        }
        return api
    }

    /// The partners' management, for the fleet's own administrators, once OCPI is configured (409 before).
    private func ocpiPartners(_ context: APIRequestContext) throws -> OCPIPartners {
        try Users.requireStaffAdmin(try context.require(.admin))
        guard let ocpi else {
            throw Problem(
                status: 409, detail: "OCPI is not configured: add an ocpi: section (country_code, party_id, name) to cloud.yaml")
        }
        return ocpi.partners
    }
}

/// `PUT /ocpi/partners/{partner}/sites`'s body.
struct PartnerSites: Decodable {
    let sites: [String]
}
