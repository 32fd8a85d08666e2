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
    let waiting = Mutex<[String: CheckedContinuation<[Answer], any Error>]>([:])

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
    /// with the plugin's administrator role). Looked at on each connection: the plugin disconnects an account whose
    /// roles change, so the role is added only when missing, once (the cloud then connects again, with it).
    func grantTheCloud() async {
        guard !cloudUser.isEmpty else { return }
        do {
            let client = try await send([["command": "getClient", "username": cloudUser]], data: true).first ?? nil
            let roles = (client?["client"] as? [String: Any])?["roles"] as? [[String: Any]] ?? []
            if roles.contains(where: { $0["rolename"] as? String == Self.cloudRole }) { return }
            let acls: [[String: Any]] = [
                ["acltype": "publishClientSend", "topic": "gridside/v1/+/down/#", "allow": true],
                ["acltype": "publishClientSend", "topic": "gridside/cloud/v1/live/#", "allow": true],
            ]
            _ = try await send([["command": "createRole", "rolename": Self.cloudRole, "acls": acls]])
            logger.notice("giving the cloud's broker account its role; the broker reconnects it")
            let grant = ["commands": [["command": "addClientRole", "username": cloudUser, "rolename": Self.cloudRole]]]
            // No answer comes: the plugin disconnects this very account as it changes it, often before its PUBACK.
            try? await self.client.publish(
                MQTTMessage(topic: Self.commands, payload: Array(try JSONSerialization.data(withJSONObject: grant))))
        } catch {
            logger.error("could not give the cloud's broker account its rights", metadata: ["error": "\(error)"])
        }
    }

    /// Sends commands in one message and returns each one's error (nil: done), in order.
    func send(_ commands: [[String: Any]]) async throws -> [String?] {
        try await exchange(commands).map(\.error)
    }

    /// Sends commands and returns each one's `data` (what a `get…` command answers); an error is thrown.
    func send(_ commands: [[String: Any]], data: Bool) async throws -> [[String: Any]?] {
        try await exchange(commands).map { answer in
            if let error = answer.error { throw BrokerAccountError(site: "", reason: error) }
            return answer.data.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }
    }

    /// A command's answer: its error, or the JSON of its data.
    struct Answer: Sendable {
        var error: String?
        var data: Data?
    }

    /// Sends commands in one message (once connected, waiting up to the timeout for it) and returns their answers; a
    /// connection that drops meanwhile (the broker reconnects the cloud as its own role is given) is tried once more.
    func exchange(_ commands: [[String: Any]]) async throws -> [Answer] {
        do {
            return try await exchangeOnce(commands)
        } catch is MQTTError {
            return try await exchangeOnce(commands)
        }
    }

    func exchangeOnce(_ commands: [[String: Any]]) async throws -> [Answer] {
        let deadline = ContinuousClock.now + timeout
        while !client.isConnected, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        let id = UUID().uuidString
        var numbered = commands
        for index in numbered.indices { numbered[index]["correlationData"] = "\(id)/\(index)" }
        let payload = try JSONSerialization.data(withJSONObject: ["commands": numbered])
        return try await withThrowingTaskGroup(of: [Answer].self) { group in
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
                // Cancelled or out of time, the command's waiter is let go either way.
                let late = BrokerAccountError(site: "", reason: "the broker did not answer in time")
                do {
                    try await Task.sleep(for: self.timeout)
                } catch {
                    self.finish(id, with: .failure(error))
                    throw error
                }
                self.finish(id, with: .failure(late))
                throw late
            }
            defer { group.cancelAll() }
            let answers = try await group.next() ?? []
            return answers.count == commands.count
                ? answers : answers + Array(repeating: Answer(error: "no answer"), count: commands.count - answers.count)
        }
    }

    func finish(_ id: String, with result: Result<[Answer], any Error>) {
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
        var answers: [String: [(Int, Answer)]] = [:]
        for response in responses {
            guard let data = response["correlationData"] as? String, let slash = data.lastIndex(of: "/"),
                let index = Int(data[data.index(after: slash)...])
            else { continue }
            let body = response["data"].flatMap { try? JSONSerialization.data(withJSONObject: $0) }
            answers[String(data[..<slash]), default: []].append(
                (index, Answer(error: response["error"] as? String, data: body)))
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
