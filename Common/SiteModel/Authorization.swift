public import Foundation

/// Whether a token (RFID card, app id) may charge, independent of OCPP version.
public enum TokenStatus: String, Sendable, Codable, CaseIterable {
    case accepted = "Accepted"
    case blocked = "Blocked"
    case expired = "Expired"
    case invalid = "Invalid"
    case concurrentTx = "ConcurrentTx"
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
