import AsyncSupport
import Logging
import MQTT
import SyncContract
import Testing

@testable import CloudIngest
@testable import CloudStore

/// Results from the sites answer the API calls waiting for them.
@Suite struct CommandRelayTests {
    let directory = TemporaryDirectory()

    @Test func aCommandIsAnsweredOnlyByTheResultOfTheSiteItWasSentTo() async throws {
        // Security review, finding 31: a waiting call was resolved by the command id alone.
        let store = try SQLiteRepository(path: directory.file("relay.sqlite"))
        let client = MQTTClient(
            configuration: MQTTConfiguration(broker: MQTTBroker(host: "127.0.0.1", port: 1, tls: false), clientId: "test"),
            logger: Logger(label: "test"))
        let relay = CommandRelay(repository: store, client: client)
        let answer = await relay.waiting.reply(to: "cmd-1", within: .seconds(60), accepting: { $0.site == "site-a" }) {
            relay.resolve([CommandResultRecord(site: "site-b", id: "cmd-1", outcome: .accepted, response: "{}", error: nil)])
            relay.resolve([CommandResultRecord(site: "site-a", id: "cmd-1", outcome: .rejected, response: nil, error: "no")])
        }
        #expect(answer?.site == "site-a" && answer?.outcome == .rejected)
    }
}
