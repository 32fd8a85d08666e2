public import CloudCore
import Foundation
public import Logging
public import MQTT
public import ServiceLifecycle
import Synchronization

/// Sites' broker accounts kept by the cloud through mosquitto's dynamic-security plugin, over its own MQTT connection
/// (the cloud's account, made the plugin's administrator by `mosquitto_ctrl dynsec init`). Each site gets a role of
/// its own that may publish only `gridside/v1/<site>/up/#` and subscribe only to `gridside/v1/<site>/down/#` (the
/// plugin's ACLs take no `%u` patterns, so a role per site), and an account of the site's id in that role. On each
/// connection the cloud gives its own account the right to publish every site's down topics and the live updates.
///
/// Why the plugin rather than a password file the cloud writes: the broker applies each change at once, over MQTT,
/// with no file shared between the cloud's machine and the broker's and no reload, and removing an account
/// disconnects its edge there and then.
public final class DynamicSecurityAccounts: BrokerAccounts, Service {
    static let commands = "$CONTROL/dynamic-security/v1"
    static let responses = commands + "/response"
    static let cloudRole = "gridside-cloud"

    let client: MQTTClient
    let cloudUser: String
    let logger: Logger
    let timeout: Duration
    /// Commands waiting for their answer, by correlation data: nil when it succeeded, else the plugin's error.
    let waiting = Mutex<[String: CheckedContinuation<[String?], any Error>]>([:])

    public init(cloud configuration: MQTTConfiguration, logger: Logger, timeout: Duration = .seconds(10)) {
        var own = configuration
        own.clientId = String((configuration.clientId + "-accounts").prefix(64))
        own.cleanSession = true
        client = MQTTClient(configuration: own, logger: logger, stopsOnGracefulShutdown: false)
        cloudUser = configuration.username ?? ""
        self.logger = logger
        self.timeout = timeout
    }

    public func run() async throws {
        try client.subscribe(Self.responses)
        await withDiscardingTaskGroup { group in
            group.addTask { try? await self.client.run() }
            group.addTask {
                for await message in self.client.messages where message.topic == Self.responses {
                    self.answered(message.payload)
                }
            }
            group.addTask {
                for await event in self.client.events where event == .connected {
                    await self.grantTheCloud()
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    public func provision(site: String) async throws -> String {
        let password = SitePasswords.generate()
        // Whatever was there under this name goes first: the account is the site's and this one's only.
        _ = try await send([
            ["command": "deleteClient", "username": site], ["command": "deleteRole", "rolename": Self.role(site)],
        ])
        let errors = try await send([
            ["command": "createRole", "rolename": Self.role(site), "acls": Self.acls(site)],
            [
                "command": "createClient", "username": site, "password": password, "textname": "Gridside site \(site)",
                "roles": [["rolename": Self.role(site)]],
            ],
        ])
        if let error = errors.compactMap({ $0 }).first { throw BrokerAccountError(site: site, reason: error) }
        logger.notice("site broker account made", metadata: ["site": "\(site)"])
        return password
    }

    public func rotate(site: String) async throws -> String {
        let password = SitePasswords.generate()
        let errors = try await send([["command": "setClientPassword", "username": site, "password": password]])
        guard let error = errors.first ?? nil else {
            logger.notice("site broker password changed", metadata: ["site": "\(site)"])
            return password
        }
        guard error.lowercased().contains("not found") else { throw BrokerAccountError(site: site, reason: error) }
        return try await provision(site: site)
    }

    public func revoke(site: String) async throws {
        let errors = try await send([
            ["command": "deleteClient", "username": site], ["command": "deleteRole", "rolename": Self.role(site)],
        ])
        // Gone already is gone.
        if let error = errors.compactMap({ $0 }).first(where: { !$0.lowercased().contains("not found") }) {
            throw BrokerAccountError(site: site, reason: error)
        }
        logger.notice("site broker account removed", metadata: ["site": "\(site)"])
    }

    static func role(_ site: String) -> String { "gridside-site-\(site)" }

    static func acls(_ site: String) -> [[String: Any]] {
        [
            ["acltype": "publishClientSend", "topic": "gridside/v1/\(site)/up/#", "allow": true],
            ["acltype": "subscribePattern", "topic": "gridside/v1/\(site)/down/#", "allow": true],
            ["acltype": "publishClientReceive", "topic": "gridside/v1/\(site)/down/#", "allow": true],
        ]
    }

    /// The cloud's own account may publish every site's down topics and share live updates (its subscriptions come
    /// with the plugin's administrator role). Made again on each connection; "exists already" is fine.
    func grantTheCloud() async {
        guard !cloudUser.isEmpty else { return }
        let acls: [[String: Any]] = [
            ["acltype": "publishClientSend", "topic": "gridside/v1/+/down/#", "allow": true],
            ["acltype": "publishClientSend", "topic": "gridside/cloud/v1/live/#", "allow": true],
        ]
        do {
            let errors = try await send([
                ["command": "createRole", "rolename": Self.cloudRole, "acls": acls],
                ["command": "addClientRole", "username": cloudUser, "rolename": Self.cloudRole],
            ])
            for error in errors.compactMap({ $0 }) where !error.lowercased().contains("already") {
                logger.error("could not give the cloud's broker account its rights", metadata: ["error": "\(error)"])
            }
        } catch {
            logger.error("could not give the cloud's broker account its rights", metadata: ["error": "\(error)"])
        }
    }

    /// Sends commands in one message and returns each one's error (nil: done), in order.
    func send(_ commands: [[String: Any]]) async throws -> [String?] {
        let id = UUID().uuidString
        var numbered = commands
        for index in numbered.indices { numbered[index]["correlationData"] = "\(id)/\(index)" }
        let payload = try JSONSerialization.data(withJSONObject: ["commands": numbered])
        return try await withThrowingTaskGroup(of: [String?].self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { continuation in
                    self.waiting.withLock { $0[id] = continuation }
                    Task {
                        do {
                            try await self.client.publish(MQTTMessage(topic: Self.commands, payload: Array(payload)))
                        } catch {
                            self.finish(id, with: .failure(error))
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: self.timeout)
                let late = BrokerAccountError(site: "", reason: "the broker did not answer in time")
                self.finish(id, with: .failure(late))
                throw late
            }
            defer { group.cancelAll() }
            let answer = try await group.next() ?? []
            return answer.count == commands.count ? answer : answer + Array(repeating: nil, count: commands.count - answer.count)
        }
    }

    func finish(_ id: String, with result: Result<[String?], any Error>) {
        waiting.withLock { $0.removeValue(forKey: id) }?.resume(with: result)
    }

    /// A response message: `{"responses": [{"command", "error"?, "correlationData"}]}`, the answers of one send.
    func answered(_ payload: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
            let responses = object["responses"] as? [[String: Any]]
        else {
            logger.warning("an answer of the broker's dynamic-security plugin did not parse")
            return
        }
        var answers: [String: [(Int, String?)]] = [:]
        for response in responses {
            guard let data = response["correlationData"] as? String, let slash = data.lastIndex(of: "/"),
                let index = Int(data[data.index(after: slash)...])
            else { continue }
            answers[String(data[..<slash]), default: []].append((index, response["error"] as? String))
        }
        for (id, list) in answers {
            finish(id, with: .success(list.sorted { $0.0 < $1.0 }.map(\.1)))
        }
    }
}

/// The broker refused a change of a site's account, or did not answer.
public struct BrokerAccountError: Error, CustomStringConvertible {
    public var site: String
    public var reason: String
    public var description: String { "the broker's account for site '\(site)': \(reason)" }
}
