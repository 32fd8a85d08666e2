import AsyncSupport
public import CloudStore
public import Foundation
import Logging
public import MQTT
import SyncContract
import Synchronization

/// Relays a command from the API to a station's edge and waits for its result (`up/command.result`, which
/// ingest hands back here by id).
public final class CommandRelay: Sendable {
    private let repository: any CloudRepository
    private let client: MQTTClient
    /// Who waits for which command's result; only the result of the site it was sent to answers it (security review,
    /// finding 31: a site that knew another site's command id could forge the answer).
    let waiting = PendingReplies<String, CommandResultRecord>()

    public init(repository: any CloudRepository, client: MQTTClient) {
        self.repository = repository
        self.client = client
    }

    /// Why a command did not get the station's answer.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case siteOffline(site: String)
        case brokerUnavailable
        case timeout(after: Duration)

        public var description: String {
            switch self {
            case .siteOffline(let site): "the station's site '\(site)' is offline (its edge is not connected to the broker)"
            case .brokerUnavailable: "the cloud is not connected to the MQTT broker"
            case .timeout(let after): "no result from the site within \(after)"
            }
        }
    }

    /// Sends `action` with `payload` to the edge of `site`, for `station` (empty: for the edge itself, such as
    /// ``LoadSettings/action``).
    public func send(
        site id: String, station: String, action: String, payload: String, user: String? = nil, timeout: Duration,
        recordedPayload: String? = nil
    ) async throws(Failure)
        -> CommandResultRecord
    {
        guard let site = try? await repository.site(id: id), site.online else { throw .siteOffline(site: id) }
        guard client.isConnected else { throw .brokerUnavailable }
        let id = UUID().uuidString.lowercased()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let request = CommandRequest(
            id: id, station: station, action: action, payload: payload, expires: Date().addingTimeInterval(seconds))
        do {
            try await repository.recordCommand(
                id: id, site: site.id, station: station, action: action, payload: recordedPayload ?? payload, user: user,
                at: Date())
        } catch {
            throw .brokerUnavailable
        }
        let siteId = site.id
        let result = await waiting.reply(to: id, within: timeout, accepting: { $0.site == siteId }) {
            let message = DownMessage.command(request)
            try await client.publish(
                MQTTMessage(topic: SyncTopic.down(site: siteId, type: message.type), payload: try message.encoded()))
        }
        guard let result else {
            // The answer may have been applied by another instance sharing the subscription.
            if let stored = try? await repository.commandOutcome(id: id) { return stored }
            throw .timeout(after: timeout)
        }
        return result
    }

    /// Hands results that ingest applied to whoever waits for them.
    func resolve(_ results: [CommandResultRecord]) {
        for result in results { waiting.resolve(result.id, with: result) }
    }
}
