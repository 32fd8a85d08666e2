public import CloudStore
import Foundation
import ServerSupport

/// A customer's billing details as the API and the dashboard send them (`billing` of an organization).
public struct BillingInput: Decodable, Sendable, Equatable {
    public var address: String?
    public var vatId: String?
    public var emails: [String]?

    public init(address: String? = nil, vatId: String? = nil, emails: [String]? = nil) {
        self.address = address
        self.vatId = vatId
        self.emails = emails
    }
}

/// The rules of billing details, shared by the API and the dashboard: bad values are refused naming the field.
public enum Billing {
    public static let maxEmails = 10

    /// The details `input` asks for, cleaned (blank fields absent, the VAT id in capitals without separators), or a
    /// 400 naming what is wrong.
    public static func details(_ input: BillingInput) throws -> BillingDetails {
        BillingDetails(address: try address(input.address), vatId: try vatId(input.vatId), emails: try emails(input.emails ?? []))
    }

    static func address(_ text: String?) throws -> String? {
        let lines = (text ?? "").replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false
        )
        .map { $0.trimmingCharacters(in: .whitespaces) }
        let address = lines.drop { $0.isEmpty }.reversed().drop { $0.isEmpty }.reversed().joined(separator: "\n")
        guard !address.isEmpty else { return nil }
        guard address.count <= 300, lines.count <= 8 else {
            throw Problem(status: 400, detail: "billing.address: at most 8 lines and 300 characters")
        }
        guard !address.unicodeScalars.contains(where: { $0 != "\n" && $0.properties.generalCategory == .control }) else {
            throw Problem(status: 400, detail: "billing.address: control characters are not allowed")
        }
        return address
    }

    /// A VAT id: its country's two letters (three for Switzerland's CHE) and 2 to 13 letters or digits; spaces, dots and
    /// dashes are dropped (`DE 123 456 789`, `CHE-123.456.789`).
    static func vatId(_ text: String?) throws -> String? {
        let id = (text ?? "").uppercased().filter { !" .-".contains($0) }
        guard !id.isEmpty else { return nil }
        let letters = id.prefix { $0.isASCII && $0.isLetter }.count
        let rest = id.dropFirst(min(letters, 3))
        guard (2...3).contains(letters) || (letters > 3 && id.hasPrefix("CHE")), (2...13).contains(rest.count),
            rest.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else {
            throw Problem(
                status: 400,
                detail: "billing.vatId: a country code and 2 to 13 letters or digits, such as DE123456789, got '\(text ?? "")'")
        }
        return id
    }

    static func emails(_ list: [String]) throws -> [String] {
        let emails = list.flatMap { $0.split(whereSeparator: { ", ;\n\r\t".contains($0) }) }.map(String.init)
        guard emails.count <= maxEmails else {
            throw Problem(status: 400, detail: "billing.emails: at most \(maxEmails) addresses")
        }
        for email in emails where !isEmail(email) {
            throw Problem(status: 400, detail: "billing.emails: '\(email)' is not an e-mail address")
        }
        var seen: Set<String> = []
        return emails.filter { seen.insert($0.lowercased()).inserted }
    }

    /// An address of the form `local@domain.tld` with no spaces or control characters, as mail servers accept.
    public static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.utf8.count <= 254, parts.count == 2, let local = parts.first, let domain = parts.last,
            (1...64).contains(local.count), domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
            !domain.contains("..")
        else { return false }
        return text.unicodeScalars.allSatisfy { $0.value > 32 && $0.value != 127 && !"<>()[]\\,;:\"".unicodeScalars.contains($0) }
    }
}
