import Foundation
import GRDB
import Testing

@testable import CloudStore

/// Security review, finding 36: a vehicle's token is unique among one owner's vehicles, so registering a tag says
/// nothing about whether another organization uses it.
@Suite struct VehicleTokenTests {
    let directory = TemporaryDirectory()

    static func vehicle(_ id: String, organization: String?, tokens: [String]) -> VehicleRecord {
        VehicleRecord(
            id: id, name: id.capitalized, plate: nil, fleet: nil, organization: organization, tokens: tokens,
            createdAt: Date(timeIntervalSince1970: 1_796_000_000))
    }

    @Test func aTagIsUniqueWithinOneOwnerOnly() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        for organization in ["acme", "globex"] {
            try await store.addOrganization(id: organization, name: organization, at: Date())
        }
        try await store.addVehicle(Self.vehicle("van-a", organization: "acme", tokens: ["TAG-1", "TAG-2"]))
        try await store.addVehicle(Self.vehicle("van-g", organization: "globex", tokens: ["TAG-1"]))
        try await store.addVehicle(Self.vehicle("own", organization: nil, tokens: ["TAG-1"]))
        await #expect(throws: CloudStoreError.tokenTaken(idTag: "TAG-2", vehicle: "van-a")) {
            try await store.addVehicle(Self.vehicle("van-a2", organization: "acme", tokens: ["TAG-9", "TAG-2"]))
        }
        await #expect(throws: CloudStoreError.tokenTaken(idTag: "TAG-1", vehicle: "own")) {
            try await store.addVehicle(Self.vehicle("own-2", organization: nil, tokens: ["TAG-1"]))
        }
        let vehicles = try await store.vehicles()
        #expect(vehicles.map(\.id) == ["own", "van-a", "van-g"])
        #expect(vehicles.first { $0.id == "van-a" }?.tokens == ["TAG-1", "TAG-2"])
        // Removing one owner's vehicle leaves the other owners' tags.
        #expect(try await store.deleteVehicle(id: "van-a"))
        #expect(try await store.vehicles().map(\.tokens) == [["TAG-1"], ["TAG-1"]])
    }

    @Test func aStoreFromBeforeKeepsEveryVehiclesTokens() async throws {
        let path = directory.file("old.sqlite")
        do {
            let queue = try DatabaseQueue(path: path)
            try CloudSchema.migrator.migrate(queue, upTo: "v14-firmware-claims")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO organization (id, name, created_at) VALUES ('acme', 'Acme', 0);
                        INSERT INTO vehicle (id, name, organization_id, created_at) VALUES ('v1', 'V1', 'acme', 0), ('v2', 'V2', NULL, 0);
                        INSERT INTO vehicle_token (id_tag, vehicle_id) VALUES ('A', 'v1'), ('B', 'v1'), ('C', 'v2');
                        """)
            }
            try queue.close()
        }
        let store = try SQLiteRepository(path: path)
        #expect(try await store.vehicles().map(\.tokens) == [["A", "B"], ["C"]])
        await #expect(throws: CloudStoreError.tokenTaken(idTag: "A", vehicle: "v1")) {
            try await store.addVehicle(Self.vehicle("v3", organization: "acme", tokens: ["A"]))
        }
        try await store.addVehicle(Self.vehicle("v4", organization: nil, tokens: ["A"]))
    }
}
