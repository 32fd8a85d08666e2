import CloudAPI
import CloudCore
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /api/v1/tariffs/price` through the router: the OCPI totals, and bad input refused naming its field.
@Suite struct TariffAPITests {
    let directory = TemporaryDirectory()

    static let simpleRequest = """
        {"tariff": {"currency": "EUR", "elements": [{"price_components": [
            {"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
            {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1}]}]},
         "cdr": {"start_date_time": "2022-01-13T14:30:00Z", "end_date_time": "2022-01-13T15:30:00Z",
                 "charging_periods": [{"start_date_time": "2022-01-13T14:30:00Z",
                                       "dimensions": [{"type": "ENERGY", "volume": 20}]}]}}
        """

    func withAPI(_ body: @escaping @Sendable (any TestClientProtocol, HTTPFields) async throws -> Void) async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let (record, token) = APITokens.create(name: "viewer", role: .viewer, at: Date())
        try await store.addAPIToken(record)
        let app = Application(router: CloudAPITests.api(store).router())
        try await app.test(.router) { client in
            try await body(client, [.authorization: "Bearer \(token)", .contentType: "application/json"])
        }
    }

    @Test func pricesASessionToTheOCPITotals() async throws {
        try await withAPI { client, headers in
            try await client.execute(
                uri: "/api/v1/tariffs/price", method: .post, headers: headers, body: ByteBuffer(string: Self.simpleRequest)
            ) { response in
                #expect(response.status == .ok)
                let answer = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect(answer?["currency"] as? String == "EUR")
                let total = answer?["total_cost"] as? [String: Any]
                #expect((total?["excl_vat"] as? NSNumber)?.description == "5.5")
                #expect((total?["incl_vat"] as? NSNumber)?.description == "6.1")
                #expect((answer?["priced_periods"] as? [Any])?.count == 1)
            }
        }
    }

    @Test func badInputIsRefusedNamingTheField() async throws {
        let cases: [(String, String)] = [
            (Self.simpleRequest.replacingOccurrences(of: "\"EUR\"", with: "\"euro\""), "tariff.currency"),
            (Self.simpleRequest.replacingOccurrences(of: "0.25", with: "-0.25"), "tariff.elements[0].price_components[1].price"),
            (
                Self.simpleRequest.replacingOccurrences(
                    of: "\"end_date_time\": \"2022-01-13T15:30:00Z\"",
                    with: "\"end_date_time\": \"2022-01-13T13:30:00Z\""),
                "cdr.end_date_time"
            ),
            (
                Self.simpleRequest.replacingOccurrences(
                    of: "\"charging_periods\"", with: "\"time_zone\": \"Mars/Olympus\", \"charging_periods\""),
                "cdr.time_zone"
            ),
            (
                Self.simpleRequest.replacingOccurrences(of: "\"ENERGY\", \"volume\"", with: "\"WATTS\", \"volume\""),
                "cdr.charging_periods[0].dimensions[0].type"
            ),
            ("{\"tariff\": ", "body"),
        ]
        try await withAPI { client, headers in
            for (body, field) in cases {
                try await client.execute(
                    uri: "/api/v1/tariffs/price", method: .post, headers: headers, body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .badRequest, "\(field)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let problem = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                    #expect((problem?["detail"] as? String)?.contains(field) == true, "\(problem ?? [:])")
                }
            }
        }
    }
}
