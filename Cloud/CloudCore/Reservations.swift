public import CloudStore
public import Foundation
import SyncContract

/// A connector reserved from the cloud (ReserveNow the station accepted), not yet expired, cancelled or used: a
/// planned session.
public struct Reservation: Sendable, Encodable, Equatable {
    public var reservationId: Int
    public var site: String
    public var station: String
    public var connector: Int
    public var idTag: String
    public var expires: Date
    public var madeAt: Date
    public var madeBy: String?
}

/// Planned sessions, from the reservations the cloud made and what happened since.
public enum Reservations {
    /// Reservations still ahead at `now`, at the sites `identity` may see, soonest expiry first.
    public static func upcoming(
        for identity: APIIdentity, repository: any CloudRepository, now: Date = Date()
    ) async throws -> [Reservation] {
        // A reservation lasts at most a day here; older commands cannot be ahead.
        let commands = try await repository.commands(
            actions: ["ReserveNow", "CancelReservation"], since: now.addingTimeInterval(-86_400))
        // Reservation ids are chosen by the caller, so they are unique per station only.
        struct Key: Hashable {
            let site: String
            let station: String
            let id: Int
        }
        var open: [Key: Reservation] = [:]
        for command in commands
        where identity.sees(station: command.station, site: command.site) && command.outcome == .accepted {
            guard let payload = Self.object(command.payload), let id = payload["reservationId"] as? Int else { continue }
            let key = Key(site: command.site, station: command.station, id: id)
            if command.action == "CancelReservation" {
                open[key] = nil
                continue
            }
            guard Self.object(command.response ?? "")?["status"] as? String == "Accepted",
                let connector = payload["connectorId"] as? Int, let idTag = payload["idTag"] as? String,
                let expiry = (payload["expiryDate"] as? String).flatMap(SyncJSON.parse)
            else { continue }
            open[key] = Reservation(
                reservationId: id, site: command.site, station: command.station, connector: connector, idTag: idTag,
                expires: expiry, madeAt: command.time, madeBy: command.user)
        }
        var ahead: [Reservation] = []
        for reservation in open.values where reservation.expires > now {
            // Used: a session of that token started at that station after the reservation was made.
            let used = try await repository.sessions(
                SessionFilter(
                    site: reservation.site, station: reservation.station, idTag: reservation.idTag, from: reservation.madeAt,
                    limit: 1)
            ).items
            if used.isEmpty { ahead.append(reservation) }
        }
        return ahead.sorted { $0.expires < $1.expires }
    }

    private static func object(_ json: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    }
}
