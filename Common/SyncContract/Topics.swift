/// The MQTT topics of the edge ↔ cloud contract: `gridside/v1/<siteId>/up/<type>` from edge to cloud and
/// `gridside/v1/<siteId>/down/<type>` from cloud to edge. A site's broker credentials can be limited by ACL
/// to `gridside/v1/<siteId>/#`.
public enum SyncTopic {
    public static let root = "gridside/v1"

    /// Where an edge publishes a message of `type` (see ``UpMessage/type``).
    public static func up(site: String, type: String) -> String { "\(root)/\(site)/up/\(type)" }

    /// Where the cloud publishes a message of `type` for one site (see ``DownMessage/type``).
    public static func down(site: String, type: String) -> String { "\(root)/\(site)/down/\(type)" }

    /// What an edge subscribes to: everything the cloud sends its site.
    public static func downFilter(site: String) -> String { "\(root)/\(site)/down/#" }

    /// What the cloud subscribes to: everything every site sends; with a `group`, as an MQTT shared
    /// subscription, so several cloud instances split the messages between them.
    public static func upFilter(sharedGroup group: String? = nil) -> String {
        let filter = "\(root)/+/up/#"
        return group.map { "$share/\($0)/\(filter)" } ?? filter
    }

    /// The parts of a Gridside topic.
    public struct Parsed: Sendable, Equatable {
        public var site: String
        public var direction: Direction
        public var type: String

        public init(site: String, direction: Direction, type: String) {
            self.site = site
            self.direction = direction
            self.type = type
        }
    }

    public enum Direction: String, Sendable {
        case up, down
    }

    /// Splits a topic into site, direction and type; nil when it is not a Gridside v1 topic.
    public static func parse(_ topic: String) -> Parsed? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "gridside", parts[1] == "v1", !parts[2].isEmpty, !parts[4].isEmpty,
            let direction = Direction(rawValue: String(parts[3]))
        else { return nil }
        return Parsed(site: String(parts[2]), direction: direction, type: String(parts[4]))
    }

    /// Whether `id` can be a site id: it becomes a topic level, so no `/`, `+`, `#`, nothing empty or
    /// over 64 characters; letters, digits, `-`, `_` and `.` only, to keep ids readable in URLs too.
    public static func isValidSiteId(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64
            && id.unicodeScalars.allSatisfy { scalar in
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "-" || scalar == "_" || scalar == "."
            }
    }
}
