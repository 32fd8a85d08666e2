public import ServerSupport

/// Which roles must sign in to the dashboard with a second factor (set by the fleet's own administrators).
public enum TwoFactorPolicy {
    /// The roles named, each one of ``Role``; an unknown one refused naming it.
    public static func roles(_ names: [String]) throws -> Set<String> {
        var roles: Set<String> = []
        for name in names where !name.isEmpty {
            guard Role(rawValue: name) != nil else {
                throw Problem(
                    status: 400,
                    detail: "roles: '\(name)' is not a role (\(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            roles.insert(name)
        }
        return roles
    }
}
