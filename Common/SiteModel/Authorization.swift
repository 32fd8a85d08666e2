public import Foundation

/// Whether a token (RFID card, app id) may charge, independent of OCPP version.
public enum TokenStatus: String, Sendable, Codable, CaseIterable {
    case accepted = "Accepted"
    case blocked = "Blocked"
    case expired = "Expired"
    case invalid = "Invalid"
    case concurrentTx = "ConcurrentTx"
}

/// A token (RFID card, app id) and what it may do, as a site's token list holds it, the edge pushes it to its
/// chargers' local lists, and the cloud keeps it. A `status` this build does not know is sent to a charger as
/// `Invalid`.
public struct Token: Codable, Sendable, Equatable {
    public var idTag: String
    public var status: OpenEnum<TokenStatus>
    public var expiry: Date?
    public var parentIdTag: String?
    /// True for a token the edge asks the cloud about first, and takes from its list only when no answer comes (a
    /// roaming partner's driver whitelisted `ALLOWED_OFFLINE`: asked in real time while the partner can be reached).
    public var askFirst: Bool?

    public init(
        idTag: String, status: OpenEnum<TokenStatus>, expiry: Date? = nil, parentIdTag: String? = nil, askFirst: Bool? = nil
    ) {
        self.idTag = idTag
        self.status = status
        self.expiry = expiry
        self.parentIdTag = parentIdTag
        self.askFirst = askFirst
    }
}

/// The answer to "may this token charge?".
public struct TokenVerdict: Sendable, Equatable {
    public var status: TokenStatus
    public var expiry: Date?
    public var parentIdTag: String?

    public init(status: TokenStatus, expiry: Date? = nil, parentIdTag: String? = nil) {
        self.status = status
        self.expiry = expiry
        self.parentIdTag = parentIdTag
    }
}
