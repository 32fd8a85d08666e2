public import CloudStore
public import Foundation

/// OCPI 2.2.1's status codes (transport and format, section 5): 1xxx success, 2xxx client errors, 3xxx server errors.
public enum OCPIStatus {
    public static let success = 1000
    public static let clientError = 2000
    public static let invalidParameters = 2001
    public static let notEnoughInformation = 2002
    public static let unknownLocation = 2003
    public static let unknownToken = 2004
    public static let serverError = 3000
    public static let unableToUseClientAPI = 3001
    public static let unsupportedVersion = 3002
    public static let noMatchingEndpoints = 3003
}

/// Every OCPI answer's envelope: `data`, `status_code`, `status_message`, `timestamp`.
public struct OCPIEnvelope<Payload: Codable & Sendable>: Codable, Sendable {
    public var data: Payload?
    public var statusCode: Int
    public var statusMessage: String?
    public var timestamp: Date

    public init(data: Payload?, statusCode: Int = OCPIStatus.success, statusMessage: String? = nil, timestamp: Date = Date()) {
        self.data = data
        self.statusCode = statusCode
        self.statusMessage = statusMessage
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey {
        case data, timestamp
        case statusCode = "status_code"
        case statusMessage = "status_message"
    }
}

/// An error answered in the envelope, with the HTTP status the spec gives it.
public struct OCPIError: Error, CustomStringConvertible, Sendable {
    public let http: Int
    public let code: Int
    public let message: String

    public init(http: Int, code: Int, _ message: String) {
        self.http = http
        self.code = code
        self.message = message
    }

    public var description: String { "\(http) \(code): \(message)" }
}

/// `/versions`: each version this party speaks and where its details are.
public struct OCPIVersion: Codable, Sendable, Equatable {
    public var version: String
    public var url: String

    public init(version: String, url: String) {
        self.version = version
        self.url = url
    }
}

/// A version's details: its endpoints.
public struct OCPIVersionDetails: Codable, Sendable, Equatable {
    public var version: String
    public var endpoints: [OCPIEndpoint]

    public init(version: String, endpoints: [OCPIEndpoint]) {
        self.version = version
        self.endpoints = endpoints
    }
}

/// An endpoint: a module, the interface the party offers there (`SENDER` or `RECEIVER`), and its URL; kept as it is
/// with the partner.
public typealias OCPIEndpoint = OCPIEndpointRecord

/// The credentials object: the token the other party calls with, where this party's versions are, and its roles.
public struct OCPICredentials: Codable, Sendable, Equatable {
    public var token: String
    public var url: String
    public var roles: [OCPICredentialsRole]

    public init(token: String, url: String, roles: [OCPICredentialsRole]) {
        self.token = token
        self.url = url
        self.roles = roles
    }
}

public struct OCPICredentialsRole: Codable, Sendable, Equatable {
    public var role: String
    public var businessDetails: OCPIBusinessDetails
    public var partyId: String
    public var countryCode: String

    public init(role: String, businessDetails: OCPIBusinessDetails, partyId: String, countryCode: String) {
        self.role = role
        self.businessDetails = businessDetails
        self.partyId = partyId
        self.countryCode = countryCode
    }

    enum CodingKeys: String, CodingKey {
        case role
        case businessDetails = "business_details"
        case partyId = "party_id"
        case countryCode = "country_code"
    }
}

public struct OCPIBusinessDetails: Codable, Sendable, Equatable {
    public var name: String
    public var website: String?

    public init(name: String, website: String? = nil) {
        self.name = name
        self.website = website
    }
}

extension OCPICredentials {
    /// Its roles as they are kept with the partner.
    var parties: [OCPIPartyRecord] {
        roles.map {
            // Country codes and party ids are case-insensitive (CiString): kept in capitals, as they are compared.
            OCPIPartyRecord(
                role: $0.role, countryCode: $0.countryCode.uppercased(), partyId: $0.partyId.uppercased(),
                name: $0.businessDetails.name)
        }
    }
}

/// OCPI's JSON: dates as RFC 3339 in UTC with at most milliseconds (`2026-12-07T10:00:00.000Z`).
enum OCPIJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(format(date))
        }
        return encoder
    }

    /// `2026-12-07T10:00:00.000Z`: UTC, milliseconds.
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// An RFC 3339 date as partners send them (with or without fractions; no zone taken as UTC).
    static func date(_ text: String) -> Date? {
        let withZone =
            text.hasSuffix("Z") || text.dropFirst(10).contains("+") || text.dropFirst(10).contains("-")
            ? text : text + "Z"
        for style in [Date.ISO8601FormatStyle(includingFractionalSeconds: true), Date.ISO8601FormatStyle()] {
            if let date = try? style.parse(withZone) { return date }
        }
        return nil
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = date(text) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date: \(text)"))
        }
        return decoder
    }
}
