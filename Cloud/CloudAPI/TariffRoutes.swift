import CloudCore
import Foundation
import Hummingbird
import Pricing

extension CloudAPI {
    /// `/tariffs`.
    var tariffRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        // Pure arithmetic on what the caller sends: nothing stored is read, so any reader may ask.
        api.post("/tariffs/price") { request, context in
            _ = try context.require(.read)
            return json(try await decode(PriceRequest.self, from: request).price())
        }
        return api
    }
}
