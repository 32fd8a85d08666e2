public import Foundation
import GRDB

extension SQLiteRepository {
    public func addVehicle(_ vehicle: VehicleRecord) async throws {
        try await pool.write { db in
            if let organization = vehicle.organization,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM organization WHERE id = ?", arguments: [organization]) == nil
            {
                throw CloudStoreError.unknownOrganization(organization)
            }
            // Unique among one owner's vehicles only (security review, finding 36).
            let owner = vehicle.organization ?? ""
            for idTag in vehicle.tokens {
                if let taken = try String.fetchOne(
                    db, sql: "SELECT vehicle_id FROM vehicle_token WHERE owner = ? AND id_tag = ?", arguments: [owner, idTag])
                {
                    throw CloudStoreError.tokenTaken(idTag: idTag, vehicle: taken)
                }
            }
            try db.execute(
                sql: "INSERT INTO vehicle (id, name, plate, fleet, organization_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    vehicle.id, vehicle.name, vehicle.plate, vehicle.fleet, vehicle.organization, vehicle.createdAt.milliseconds,
                ])
            for idTag in vehicle.tokens {
                try db.execute(
                    sql: "INSERT INTO vehicle_token (owner, id_tag, vehicle_id) VALUES (?, ?, ?)",
                    arguments: [owner, idTag, vehicle.id])
            }
        }
    }

    public func vehicles() async throws -> [VehicleRecord] {
        try await pool.read { db in
            var tokens: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id_tag, vehicle_id FROM vehicle_token ORDER BY id_tag") {
                tokens[row["vehicle_id"], default: []].append(row["id_tag"])
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM vehicle ORDER BY name, id").map { row in
                VehicleRecord(
                    id: row["id"], name: row["name"], plate: row["plate"], fleet: row["fleet"],
                    organization: row["organization_id"], tokens: tokens[row["id"]] ?? [],
                    createdAt: Date(milliseconds: row["created_at"]))
            }
        }
    }

    public func deleteVehicle(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM vehicle_token WHERE vehicle_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM vehicle WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

    public func activeSessions(idTags: [String]) async throws -> [SessionView] {
        guard !idTags.isEmpty else { return [] }
        return try await pool.read { db in
            var sessions: [SessionView] = []
            // In chunks, under SQLite's limit of bound parameters.
            for start in stride(from: 0, to: idTags.count, by: 500) {
                let chunk = Array(idTags[start..<min(start + 500, idTags.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                sessions += try Row.fetchAll(
                    db, sql: "SELECT * FROM session WHERE stop_at IS NULL AND id_tag IN (\(marks))",
                    arguments: StatementArguments(chunk)
                ).map(Self.session(from:))
            }
            return sessions
        }
    }
}
