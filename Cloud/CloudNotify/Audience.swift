import CloudCore
public import CloudStore
import Foundation

/// Who a rule's notification goes to, read from the store once per round: its webhook, its addresses and its users,
/// less those who opted out; a user only of what the user may see, mailed when the user has an address and pushed
/// when the user's browsers subscribed.
struct Audience {
    let repository: any CloudRepository
    private var optOuts: [String: Set<String>] = [:]
    private var readers: [String: Reader?] = [:]

    struct Reader {
        let user: UserRecord
        let scope: Scope?
        let pushed: Bool
    }

    init(repository: any CloudRepository) { self.repository = repository }

    mutating func deliveries(
        of rule: NotificationRule, for notification: NotificationRecord
    ) async throws -> [(channel: String, target: String)] {
        let out = try await optedOut(rule.id)
        var deliveries: [(channel: String, target: String)] = rule.webhook.map { [("webhook", $0.url)] } ?? []
        for address in rule.emails ?? [] where !out.contains(Unsubscribe.recipient(address: address)) {
            deliveries.append(("email", address))
        }
        for id in rule.users ?? [] where !out.contains("user:\(id)") {
            guard let reader = try await reader(id), Classification.sees(reader.scope, notification) else { continue }
            if reader.user.email != nil { deliveries.append(("email", "user:\(id)")) }
            if reader.pushed { deliveries.append(("push", "user:\(id)")) }
        }
        return deliveries
    }

    private mutating func optedOut(_ rule: String) async throws -> Set<String> {
        if let known = optOuts[rule] { return known }
        let read = try await repository.optOuts(rule: rule)
        optOuts[rule] = read
        return read
    }

    private mutating func reader(_ id: String) async throws -> Reader? {
        if let known = readers[id] { return known }
        var reader: Reader?
        if let user = try await repository.user(id: id) {
            reader = Reader(
                user: user, scope: try await repository.scope(ofUser: user),
                pushed: !(try await repository.pushSubscriptions(user: id)).isEmpty)
        }
        readers[id] = reader
        return reader
    }
}
