import Foundation

/// Every string of the dashboard, in each ``Language`` (`Resources/strings`). A test checks that all three have the
/// same keys.
public enum Catalog {
    /// The strings of `language`, by key.
    public static func strings(_ language: Language) -> [String: String] {
        switch language {
        case .en: english
        case .de: german
        case .fr: french
        }
    }

    /// OCPP connector states and command outcomes are shown translated, under these key prefixes.
    static let statusPrefix = "status."
    static let outcomePrefix = "outcome."

    static let english = load(PackageResources.en_json, "en")
    static let german = load(PackageResources.de_json, "de")
    static let french = load(PackageResources.fr_json, "fr")

    /// One language's strings (`Resources/strings/<language>.json`, a flat object of key to text). They are part of
    /// the binary, and a test reads every one, so a broken file is a build that fails its tests, not a surprise later.
    private static func load(_ bytes: [UInt8], _ language: String) -> [String: String] {
        guard let strings = try? JSONDecoder().decode([String: String].self, from: Data(bytes)) else {
            preconditionFailure("Resources/strings/\(language).json is not an object of strings")
        }
        return strings
    }
}
