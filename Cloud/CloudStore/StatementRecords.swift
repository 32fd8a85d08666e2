public import Foundation

/// A monthly statement as kept: for a site or a customer (a client organization), the month it covers on the fleet's
/// wall clock, its sums, and its sessions as CSV. Made once per month and subject, whatever the number of instances.
public struct StatementRecord: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case site, customer
    }

    public var id: String
    /// `YYYY-MM`.
    public var month: String
    public var kind: Kind
    /// The site's or the organization's id.
    public var subject: String
    public var createdAt: Date
    /// The statement's figures (sessions, energy, costs, per-vehicle kWh), JSON.
    public var summary: String
    /// Its sessions, CSV.
    public var csv: String

    public init(
        id: String, month: String, kind: Kind, subject: String, createdAt: Date, summary: String, csv: String
    ) {
        self.id = id
        self.month = month
        self.kind = kind
        self.subject = subject
        self.createdAt = createdAt
        self.summary = summary
        self.csv = csv
    }
}

/// Monthly statements.
public protocol StatementRepository: Sendable {
    /// Keeps `statement` unless one for its month, kind and subject exists; true when this one was kept.
    func addStatement(_ statement: StatementRecord) async throws -> Bool
    /// Whether the statement of a month, kind and subject exists.
    func hasStatement(month: String, kind: StatementRecord.Kind, subject: String) async throws -> Bool
    /// Statements newest month first, without their CSV (empty).
    func statements() async throws -> [StatementRecord]
    func statement(id: String) async throws -> StatementRecord?
}
