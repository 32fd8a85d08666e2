public import CloudStore
public import Foundation
import ServerSupport

/// A change of a site's name and location (the API's body; the dashboard's form makes the same).
public struct SiteChange: Decodable, Sendable {
    public var name: String?
    public var address: String?
    public var latitude: Double?
    public var longitude: Double?
    public var timeZone: String?
    public var city: String?
    public var postalCode: String?
    /// ISO 3166-1 alpha-3, as OCPI has it (`DEU`).
    public var country: String?

    public init(name: String?, address: String?, latitude: Double?, longitude: Double?, timeZone: String?) {
        self.name = name
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
        self.timeZone = timeZone
    }

    /// Checks the change and stores it; every refusal names the field.
    public func apply(to site: String, repository: any CloudRepository) async throws -> SiteRecord {
        try check()
        try await repository.updateSite(
            id: site, name: name?.trimmingCharacters(in: .whitespaces), address: address, latitude: latitude,
            longitude: longitude, timeZone: timeZone)
        if city != nil || postalCode != nil || country != nil {
            try await repository.updateSitePostal(
                id: site, city: city?.trimmingCharacters(in: .whitespaces), postalCode: postalCode, country: country)
        }
        guard let updated = try await repository.site(id: site) else { throw Problem(status: 404, detail: "no site '\(site)'") }
        return updated
    }

    /// Refuses a bad value, naming its field.
    func check() throws {
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 100 {
            throw Problem(status: 400, detail: "name must be 1 to 100 characters")
        }
        if let address, address.count > 200 { throw Problem(status: 400, detail: "address must be at most 200 characters") }
        if let latitude, !(-90...90).contains(latitude) {
            throw Problem(status: 400, detail: "latitude must be from -90 to 90, got \(latitude)")
        }
        if let longitude, !(-180...180).contains(longitude) {
            throw Problem(status: 400, detail: "longitude must be from -180 to 180, got \(longitude)")
        }
        if (latitude == nil) != (longitude == nil) {
            throw Problem(status: 400, detail: "latitude and longitude go together: give both")
        }
        if let city, city.count > 45 { throw Problem(status: 400, detail: "city must be at most 45 characters") }
        if let postalCode, postalCode.count > 10 {
            throw Problem(status: 400, detail: "postalCode must be at most 10 characters")
        }
        if let country, country.count != 3 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            throw Problem(
                status: 400, detail: "country must be three capital letters (ISO 3166-1 alpha-3) such as DEU, got '\(country)'")
        }
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            throw Problem(status: 400, detail: "timeZone must be an IANA time zone such as Europe/Berlin, got '\(timeZone)'")
        }
    }
}

/// Where an admin says a station now is (`POST /api/v1/sites/{site}/stations/{station}/move`): the charger was moved
/// to another site, and its grants, groups and registration go with it.
public struct StationMove: Decodable, Sendable {
    /// The site the station is at now.
    public var site: String

    public init(site: String) { self.site = site }
}
