/// What names a station in the cloud: its site and its OCPP identity there. Chargers choose their identities, and
/// vendor defaults such as `CP001` are common, so two sites may each have a station of the same id: they are two
/// stations (security review, finding 1).
///
/// Written as `site/station` where one string is needed (grants, group members, forms, the CLI): site ids have no
/// `/`, and the cloud refuses station ids that have one, so the first `/` splits it.
public struct StationKey: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var site: String
    public var station: String

    public init(site: String, station: String) {
        self.site = site
        self.station = station
    }

    /// Parses `site/station`; nil when either part is empty.
    public init?(reference: String) {
        guard let slash = reference.firstIndex(of: "/") else { return nil }
        let site = String(reference[..<slash])
        let station = String(reference[reference.index(after: slash)...])
        guard !site.isEmpty, !station.isEmpty else { return nil }
        self.init(site: site, station: station)
    }

    public var description: String { "\(site)/\(station)" }

    public static func < (left: StationKey, right: StationKey) -> Bool {
        (left.site, left.station) < (right.site, right.station)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = StationKey(reference: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a station is named 'site/station', got '\(text)'"))
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a station reference names no single station the caller sees.
public enum StationLookupError: Error, Equatable, CustomStringConvertible {
    /// No station by that reference in the caller's scope (whether it exists elsewhere is not said).
    case notFound(String)
    /// A bare id that the caller sees at several sites: the site must be named.
    case ambiguous(String, sites: [String])

    public var description: String {
        switch self {
        case .notFound(let reference): "no station '\(reference)'"
        case .ambiguous(let id, let sites):
            "station '\(id)' is at several sites (\(sites.joined(separator: ", "))): name it as site/station, "
                + "for example '\(sites[0])/\(id)'"
        }
    }
}

extension CloudRepository {
    /// The station `reference` names among those `scope` sees: `site/station`, or a bare id seen at one site only
    /// (as before stations were named by their site; a bare id seen at several sites is refused as ambiguous).
    public func resolveStation(_ reference: String, in scope: Scope?) async throws -> StationView {
        if let key = StationKey(reference: reference) {
            guard scope.sees(station: key.station, site: key.site),
                let station = try await station(site: key.site, id: key.station)
            else { throw StationLookupError.notFound(reference) }
            return station
        }
        let found = try await stations(id: reference, in: scope)
        guard let first = found.first else { throw StationLookupError.notFound(reference) }
        guard found.count == 1 else { throw StationLookupError.ambiguous(reference, sites: found.map(\.site)) }
        return first
    }
}
