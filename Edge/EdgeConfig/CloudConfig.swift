import ConfigReading
import Foundation
public import MQTT
import Yams

extension EdgeConfiguration {
    /// The link to a Gridside cloud over MQTT; absent, the edge runs alone.
    public struct Cloud: Sendable, Equatable {
        public var broker: MQTTBroker
        public var clientId: String
        public var username: String?
        public var password: String?
        public var tls: MQTTTLSFiles?
        /// How long a sent message may go unacknowledged by the cloud before the edge sends it again.
        public var ackTimeout: Duration
        /// The outbox size past which the oldest samples are dropped (sessions and events never are).
        public var outboxMaxEntries: Int
        /// How often the site's meter readings and the load-management summary go up.
        public var siteMeterInterval: Duration
        /// How long a token unknown here waits for the cloud's verdict before the offline policy decides.
        public var authTimeout: Duration

        public init(
            broker: MQTTBroker, clientId: String, username: String? = nil, password: String? = nil, tls: MQTTTLSFiles? = nil,
            ackTimeout: Duration = .seconds(30), outboxMaxEntries: Int = 100_000, siteMeterInterval: Duration = .seconds(10),
            authTimeout: Duration = .seconds(3)
        ) {
            self.broker = broker
            self.clientId = clientId
            self.username = username
            self.password = password
            self.tls = tls
            self.ackTimeout = ackTimeout
            self.outboxMaxEntries = outboxMaxEntries
            self.siteMeterInterval = siteMeterInterval
            self.authTimeout = authTimeout
        }
    }
}

extension ConfigReader {
    mutating func cloud(_ node: Node?, siteId: String) -> EdgeConfiguration.Cloud? {
        guard node != nil,
            let entry = mapping(
                node, at: "cloud",
                allowed: [
                    "broker", "client_id", "username", "password", "password_file", "ca_file", "certificate", "key",
                    "ack_timeout_s", "outbox_max_entries", "site_meter_interval_s", "auth_timeout_s",
                ])
        else { return nil }
        guard let url = string(entry["broker"], at: "cloud.broker") else {
            problem("cloud.broker", "is required (mqtt://host:1883 or mqtts://host:8883)")
            return nil
        }
        let broker: MQTTBroker
        do {
            broker = try MQTTBroker(url: url)
        } catch {
            problem("cloud.broker", "\(error)")
            return nil
        }
        var password = string(entry["password"], at: "cloud.password", default: nil)
        if entry["password_file"] != nil, let file = readableFile(entry["password_file"], at: "cloud.password_file") {
            if password != nil { problem("cloud.password_file", "cannot be given together with cloud.password") }
            password = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let caFile = entry["ca_file"] == nil ? nil : readableFile(entry["ca_file"], at: "cloud.ca_file")
        let certificate = entry["certificate"] == nil ? nil : readableFile(entry["certificate"], at: "cloud.certificate")
        let key = entry["key"] == nil ? nil : readableFile(entry["key"], at: "cloud.key")
        if (certificate == nil) != (key == nil), entry["certificate"] != nil || entry["key"] != nil {
            problem(
                entry["certificate"] == nil ? "cloud.certificate" : "cloud.key",
                "is needed with cloud.\(entry["certificate"] == nil ? "key" : "certificate")")
        }
        if !broker.tls, caFile != nil || certificate != nil {
            problem("cloud.broker", "uses mqtt:// but certificates are configured; use mqtts:// for TLS")
        }
        let tls = caFile != nil || certificate != nil ? MQTTTLSFiles(caFile: caFile, certificate: certificate, key: key) : nil
        return EdgeConfiguration.Cloud(
            broker: broker,
            clientId: string(entry["client_id"], at: "cloud.client_id", default: "gridside-edge-\(siteId)") ?? siteId,
            username: string(entry["username"], at: "cloud.username", default: siteId),
            password: password,
            tls: tls,
            ackTimeout: .seconds(integer(entry["ack_timeout_s"], at: "cloud.ack_timeout_s", in: 2...3600, default: 30)),
            outboxMaxEntries: integer(
                entry["outbox_max_entries"], at: "cloud.outbox_max_entries", in: 1000...10_000_000, default: 100_000),
            siteMeterInterval: .seconds(
                integer(entry["site_meter_interval_s"], at: "cloud.site_meter_interval_s", in: 1...3600, default: 10)),
            authTimeout: .seconds(integer(entry["auth_timeout_s"], at: "cloud.auth_timeout_s", in: 1...60, default: 3)))
    }
}
