public import CloudStore
public import Foundation

/// OCPI 2.2.1 Locations as this CPO publishes them: each site chosen for the partner is a Location, each connector of
/// its stations an EVSE with one connector (a charger's connectors are used one at a time each).
public struct OCPILocation: Codable, Sendable, Equatable {
    public var countryCode, partyId, id: String
    public var publish: Bool
    public var name: String?
    public var address, city: String
    public var postalCode: String?
    public var country: String
    public var coordinates: Coordinates
    public var timeZone: String
    public var evses: [EVSE]
    public var lastUpdated: Date

    public struct Coordinates: Codable, Sendable, Equatable {
        public var latitude, longitude: String
    }

    public struct EVSE: Codable, Sendable, Equatable {
        public var uid: String
        public var evseId: String?
        public var status: String
        public var connectors: [Connector]
        public var lastUpdated: Date

        enum CodingKeys: String, CodingKey {
            case uid, status, connectors
            case evseId = "evse_id"
            case lastUpdated = "last_updated"
        }
    }

    public struct Connector: Codable, Sendable, Equatable {
        public var id, standard, format: String
        public var powerType: String
        public var maxVoltage, maxAmperage: Int
        public var maxElectricPower: Int?
        public var tariffIds: [String]?
        public var lastUpdated: Date

        enum CodingKeys: String, CodingKey {
            case id, standard, format
            case powerType = "power_type"
            case maxVoltage = "max_voltage"
            case maxAmperage = "max_amperage"
            case maxElectricPower = "max_electric_power"
            case tariffIds = "tariff_ids"
            case lastUpdated = "last_updated"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, publish, name, address, city, country, coordinates, evses
        case countryCode = "country_code"
        case partyId = "party_id"
        case postalCode = "postal_code"
        case timeZone = "time_zone"
        case lastUpdated = "last_updated"
    }

    /// The EVSE status of a connector's OCPP status; a station or site not connected is `UNKNOWN`.
    static func status(_ ocpp: String, reachable: Bool) -> String {
        guard reachable else { return "UNKNOWN" }
        switch ocpp {
        case "Available": return "AVAILABLE"
        case "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing": return "CHARGING"
        case "Reserved": return "RESERVED"
        case "Unavailable": return "INOPERATIVE"
        case "Faulted": return "OUTOFORDER"
        default: return "UNKNOWN"
        }
    }

    /// A site as a Location, or nil when it lacks what OCPI requires (street, city, country, coordinates, time zone)
    /// or its id is longer than OCPI's 36 characters.
    static func of(
        _ site: SiteRecord, stations: [StationView], party: OCPIParty, tariffs: (StationKey) -> ([String], Date?)
    ) -> OCPILocation? {
        guard site.id.count <= 36, let address = site.address, !address.isEmpty, let city = site.city, !city.isEmpty,
            let country = site.country, let latitude = site.latitude, let longitude = site.longitude,
            let timeZone = site.timeZone
        else { return nil }
        let codes = party.codes(of: site.id)
        var evses: [EVSE] = []
        for station in stations {
            let wiring = station.registration
            let (tariffIds, tariffSince) = tariffs(station.key)
            for connector in station.connectors where connector.connector > 0 {
                let uid = OCPIObjects.evseUid(station.id, connector.connector)
                guard uid.count <= 36 else { continue }
                // Changed when its state, its station's connection, its connector types or its tariff last changed.
                let updated = [connector.since, station.connectionChangedAt, station.connectorTypesUpdatedAt, tariffSince]
                    .compactMap { $0 }.max()!
                let type = station.connectorTypes?.first { $0.connector == connector.connector }
                evses.append(
                    EVSE(
                        uid: uid, evseId: OCPIObjects.evseId(codes, station.id, connector.connector),
                        status: status(connector.status, reachable: station.connected && site.online),
                        connectors: [
                            Connector(
                                id: "1", standard: type?.standard ?? "IEC_62196_T2", format: type?.format ?? "SOCKET",
                                powerType: type?.powerType ?? ((wiring?.phases ?? 3) == 1 ? "AC_1_PHASE" : "AC_3_PHASE"),
                                maxVoltage: type?.maxVoltage ?? 230,
                                maxAmperage: type?.maxAmperage ?? Int(wiring?.maxCurrentA ?? 32),
                                maxElectricPower: type?.maxElectricPower, tariffIds: tariffIds.isEmpty ? nil : tariffIds,
                                lastUpdated: updated)
                        ], lastUpdated: updated))
            }
        }
        let updated = ([site.createdAt] + [site.detailsUpdatedAt].compactMap { $0 } + evses.map(\.lastUpdated)).max()!
        return OCPILocation(
            countryCode: codes.countryCode, partyId: codes.partyId, id: site.id, publish: true, name: site.name,
            address: String(address.prefix(45)), city: String(city.prefix(45)), postalCode: site.postalCode,
            country: country,
            coordinates: Coordinates(latitude: String(format: "%.6f", latitude), longitude: String(format: "%.6f", longitude)),
            timeZone: timeZone, evses: evses.sorted { $0.uid < $1.uid }, lastUpdated: updated)
    }
}
