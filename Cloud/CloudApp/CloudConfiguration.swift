public import CloudBilling
public import CloudNotify
public import CloudReports
public import ConfigReading
import Foundation
public import MQTT
import Pricing
import Yams

/// Everything `gridside-cloud` is configured with, as read from `cloud.yaml` and checked.
public struct CloudConfiguration: Sendable, Equatable {
    public var http: HTTP
    public var storePath: String
    /// How long the record of each applied message (the repeat check) is kept, and how long samples and events are.
    public var appliedRetentionDays = 90
    public var retentionDays = 400
    /// Payload bytes waiting for ingest beyond which messages are refused (and resent by their edges later).
    public var maxBacklogBytes = 256 << 20
    public var mqtt: MQTTConfiguration
    /// With a name, ingest subscribes as `$share/<name>/…`, so several cloud instances split the messages.
    public var sharedSubscription: String?
    public var maxPayloadBytes: Int
    public var siteRate: Double
    public var siteBurst: Double
    public var commandTimeout: Duration
    public var logLevel: String
    /// How each currency's money is rounded on bills (`billing.rounding`); ISO 4217's minor units otherwise.
    public var rounding = CurrencyRounding()
    /// The fleet's wall clock for reports and monthly statements (`billing.time_zone`, UTC by default), and the power
    /// above which a session's energy is implausible (`billing.max_station_power_kw`, 350 by default).
    public var reports = ReportSettings()
    /// How a failed notification delivery is retried (`notifications.retry_base_s`, doubled each time, and
    /// `notifications.max_attempts`).
    public var notifier = NotifierSettings()
    /// The mail server notifications go out through (`smtp:`); nil: no mail.
    public var smtp: SMTPSettings?
    /// Whether the cloud keeps sites' broker accounts itself (`mqtt.dynamic_security`: mosquitto's dynamic-security
    /// plugin, the cloud's account its administrator), and the broker as edges reach it (`mqtt.site_broker_url`; by
    /// default `mqtts://` on port 8883 of the cloud's own broker host).
    /// This cloud's party on OCPI (`ocpi:`); nil: no roaming.
    public var ocpi: OCPISettings?
    public var dynamicSecurity = false
    public var siteBroker = "mqtts://127.0.0.1:8883"

    /// The HTTPS listener.
    public struct HTTP: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// PEM files; absent, a self-signed pair is generated next to the database on first start and kept.
        public var certificate: String?
        public var key: String?
        /// How chargers and browsers reach this cloud (`https://cloud.example.com`): the base of firmware download
        /// URLs. Absent, the address the request that created a campaign came to is used.
        public var publicURL: String?
        /// Connections one client address may hold open at once; more are refused before the TLS handshake.
        public var connectionsPerAddress: Int = 256
    }

    /// Reads and checks a configuration file; the error lists every problem, each with its key.
    public static func load(path: String) throws(ConfigError) -> CloudConfiguration {
        try parse(yaml: try ConfigReader.read(path: path), file: path)
    }

    public static func parse(yaml: String, file: String = "cloud.yaml") throws(ConfigError) -> CloudConfiguration {
        let root = try ConfigReader.compose(yaml: yaml, file: file)
        var reader = ConfigReader()
        let config = reader.cloudConfiguration(root)
        guard reader.problems.isEmpty, let config else { throw ConfigError(file: file, problems: reader.problems) }
        return config
    }
}

extension ConfigReader {
    mutating func cloudConfiguration(_ root: Node) -> CloudConfiguration? {
        guard
            let top = mapping(
                root, at: "",
                allowed: ["http", "store", "mqtt", "ingest", "commands", "log", "billing", "notifications", "smtp", "ocpi"])
        else {
            return nil
        }
        let http = httpSettings(top["http"])
        let (storePath, retentionDays, appliedRetentionDays) = storeSettings(top["store"])
        let (mqtt, group, mqttKeys) = mqttSettings(top["mqtt"])
        let (dynamicSecurity, siteBroker) = siteAccountSettings(mqttKeys, cloud: mqtt.broker)
        let ingest =
            mapping(top["ingest"], at: "ingest", allowed: ["max_payload_bytes", "site_rate", "site_burst", "max_backlog_bytes"])
            ?? [:]
        let commands = mapping(top["commands"], at: "commands", allowed: ["timeout_s"]) ?? [:]
        let log = mapping(top["log"], at: "log", allowed: ["level"]) ?? [:]
        var configuration = CloudConfiguration(
            http: http, storePath: storePath, mqtt: mqtt, sharedSubscription: group,
            maxPayloadBytes: integer(
                ingest["max_payload_bytes"], at: "ingest.max_payload_bytes", in: 1024...16_777_216, default: 262_144),
            siteRate: number(ingest["site_rate"], at: "ingest.site_rate", in: 1...1_000_000, default: 2000)!,
            siteBurst: number(ingest["site_burst"], at: "ingest.site_burst", in: 1...10_000_000, default: 20_000)!,
            commandTimeout: .seconds(integer(commands["timeout_s"], at: "commands.timeout_s", in: 1...600, default: 30)),
            logLevel: choice(
                log["level"], at: "log.level", from: ["trace", "debug", "info", "notice", "warning", "error", "critical"],
                default: "info"))
        configuration.retentionDays = retentionDays
        configuration.appliedRetentionDays = appliedRetentionDays
        (configuration.rounding, configuration.reports) = billingSettings(top["billing"])
        let notifications = mapping(top["notifications"], at: "notifications", allowed: ["retry_base_s", "max_attempts"]) ?? [:]
        configuration.notifier.retryBase = .seconds(
            integer(notifications["retry_base_s"], at: "notifications.retry_base_s", in: 1...86_400, default: 30))
        configuration.notifier.maxAttempts = integer(
            notifications["max_attempts"], at: "notifications.max_attempts", in: 1...50, default: 8)
        configuration.smtp = smtpSettings(top["smtp"])
        configuration.ocpi = ocpiSettings(top["ocpi"])
        configuration.dynamicSecurity = dynamicSecurity
        configuration.siteBroker = siteBroker
        configuration.maxBacklogBytes = integer(
            ingest["max_backlog_bytes"], at: "ingest.max_backlog_bytes", in: 4096...(1 << 36), default: 256 << 20)
        if configuration.maxBacklogBytes < configuration.maxPayloadBytes {
            // A message over the bound would be refused even with nothing waiting, and resent for ever.
            problem(
                "ingest.max_backlog_bytes",
                "must be at least ingest.max_payload_bytes (\(configuration.maxPayloadBytes)), got \(configuration.maxBacklogBytes)"
            )
        }
        return configuration
    }

    /// `ocpi:`: `country_code` (ISO 3166 alpha-2), `party_id` (three letters or digits), `name`, `website`,
    /// `push_interval_ms` (how often changes are looked for and pushed to partners, 100 to 60,000; 1,000), and
    /// `operators`: further CPO roles on this platform, each `country_code`, `party_id`, `name` and the `sites`
    /// published under its codes.
    private mutating func ocpiSettings(_ node: Node?) -> OCPISettings? {
        guard node != nil,
            let ocpi = mapping(
                node, at: "ocpi",
                allowed: ["country_code", "party_id", "name", "website", "push_interval_ms", "operators"])
        else { return nil }
        let (country, party, name) = ocpiParty(ocpi, at: "ocpi")
        var operators: [OCPISettings.Operator] = []
        for (index, entry) in (sequence(ocpi["operators"], at: "ocpi.operators") ?? []).enumerated() {
            let at = "ocpi.operators[\(index)]"
            guard let fields = mapping(entry, at: at, allowed: ["country_code", "party_id", "name", "sites"]) else { continue }
            let (country, party, name) = ocpiParty(fields, at: at)
            let sites = (sequence(fields["sites"], at: "\(at).sites") ?? []).enumerated().compactMap { n, site in
                string(site, at: "\(at).sites[\(n)]")
            }
            if sites.isEmpty { problem("\(at).sites", "must name at least one site") }
            operators.append(.init(countryCode: country, partyId: party, name: name, sites: sites))
        }
        let parties = [country + party] + operators.map { $0.countryCode + $0.partyId }
        if Set(parties).count != parties.count { problem("ocpi.operators", "each party (country_code, party_id) once") }
        let sites = operators.flatMap(\.sites)
        if Set(sites).count != sites.count { problem("ocpi.operators", "each site under one operator") }
        return OCPISettings(
            countryCode: country, partyId: party, name: name, website: string(ocpi["website"], at: "ocpi.website", default: nil),
            pushInterval: .milliseconds(
                integer(ocpi["push_interval_ms"], at: "ocpi.push_interval_ms", in: 100...60_000, default: 1000)),
            operators: operators)
    }

    /// A party's `country_code`, `party_id` and `name`, each checked.
    private mutating func ocpiParty(_ fields: [String: Node], at key: String) -> (String, String, String) {
        let country = string(fields["country_code"], at: "\(key).country_code", default: nil) ?? ""
        if country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            problem("\(key).country_code", "must be two capital letters (ISO 3166-1 alpha-2) such as DE, got '\(country)'")
        }
        let party = string(fields["party_id"], at: "\(key).party_id", default: nil) ?? ""
        if party.count != 3 || !party.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) {
            problem("\(key).party_id", "must be three capital letters or digits such as GRS, got '\(party)'")
        }
        let name = string(fields["name"], at: "\(key).name", default: nil) ?? ""
        if !(1...100).contains(name.count) { problem("\(key).name", "must be 1 to 100 characters") }
        return (country, party, name)
    }

    /// `smtp:`: `host`, `port` (587, 465 or 25 by `security`), `security` (starttls, tls or none), `username`,
    /// `password`, `from`, `ca_file`; absent, no mail is sent.
    private mutating func smtpSettings(_ node: Node?) -> SMTPSettings? {
        guard node != nil,
            let smtp = mapping(
                node, at: "smtp", allowed: ["host", "port", "security", "username", "password", "from", "ca_file"])
        else { return nil }
        let security =
            SMTPSettings.Security(
                rawValue: choice(smtp["security"], at: "smtp.security", from: ["starttls", "tls", "none"], default: "starttls"))
            ?? .starttls
        let port = integer(
            smtp["port"], at: "smtp.port", in: 1...65_535,
            default: security == .tls ? 465 : security == .starttls ? 587 : 25)
        guard let host = string(smtp["host"], at: "smtp.host", default: nil) else {
            problem("smtp.host", "is required: the mail server's name")
            return nil
        }
        if security == .none, !["localhost", "127.0.0.1", "::1"].contains(host) {
            // The password and the mail would cross the network in clear.
            problem("smtp.security", "none is for a mail server on this machine only (localhost); use starttls or tls")
        }
        guard let from = string(smtp["from"], at: "smtp.from", default: nil), from.contains("@") else {
            problem("smtp.from", "is required: the sender, such as 'Gridside <noreply@example.com>'")
            return nil
        }
        return SMTPSettings(
            host: host, port: port, security: security, username: string(smtp["username"], at: "smtp.username", default: nil),
            password: string(smtp["password"], at: "smtp.password", default: nil), from: from,
            caFile: string(smtp["ca_file"], at: "smtp.ca_file", default: nil))
    }

    /// `billing:`: `rounding:` per currency (`EUR: {digits: 2, rule: half_up}`; rules half_up, half_even, up, down),
    /// `time_zone:` of the fleet, `max_station_power_kw:`.
    private mutating func billingSettings(_ node: Node?) -> (CurrencyRounding, ReportSettings) {
        let billing = mapping(node, at: "billing", allowed: ["rounding", "time_zone", "max_station_power_kw"]) ?? [:]
        var reports = ReportSettings()
        if let name = string(billing["time_zone"], at: "billing.time_zone", default: nil) {
            if let zone = TimeZone(identifier: name) {
                reports.timeZone = zone
            } else {
                problem("billing.time_zone", "must be an IANA time zone such as Europe/Berlin, got '\(name)'")
            }
        }
        reports.maxPowerW =
            1000
            * (number(billing["max_station_power_kw"], at: "billing.max_station_power_kw", in: 1...10_000, default: 350) ?? 350)
        return (currencyRounding(billing["rounding"]), reports)
    }

    private mutating func currencyRounding(_ node: Node?) -> CurrencyRounding {
        guard let rounding = node else { return CurrencyRounding() }
        guard let entries = rounding.mapping else {
            problem("billing.rounding", "must be a mapping of currency codes (EUR) to {digits, rule}")
            return CurrencyRounding()
        }
        var overrides: [String: MoneyRounding] = [:]
        for (key, value) in entries {
            let currency = key.string ?? ""
            let path = "billing.rounding.\(currency)"
            guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                problem(path, "is not an ISO 4217 currency code such as EUR")
                continue
            }
            let entry = mapping(value, at: path, allowed: ["digits", "rule"]) ?? [:]
            let rules = ExactDecimal.RoundingRule.allCases.map(\.rawValue)
            overrides[currency] = MoneyRounding(
                fractionDigits: integer(entry["digits"], at: "\(path).digits", in: 0...4, default: 2),
                rule: ExactDecimal.RoundingRule(
                    rawValue: choice(entry["rule"], at: "\(path).rule", from: rules, default: "half_up")) ?? .halfUp)
        }
        return CurrencyRounding(overrides: overrides)
    }

    /// `http:`: where to listen, TLS files, the public URL, connections per address.
    private mutating func httpSettings(_ node: Node?) -> CloudConfiguration.HTTP {
        let http = mapping(node, at: "http", allowed: ["listen", "tls", "public_url", "connections_per_address"]) ?? [:]
        let (host, port) = listenAddress(http["listen"], at: "http.listen", default: ("0.0.0.0", 8443))
        var certificate: String?
        var key: String?
        if let tls = mapping(http["tls"], at: "http.tls", allowed: ["certificate", "key"]) {
            certificate = readableFile(tls["certificate"], at: "http.tls.certificate")
            key = readableFile(tls["key"], at: "http.tls.key")
        }
        let publicURL = string(http["public_url"], at: "http.public_url", default: nil)
        // https only: firmware download URLs carry their secret, and chargers must not take images in clear.
        if let publicURL, !publicURL.lowercased().hasPrefix("https://") || URL(string: publicURL) == nil {
            problem("http.public_url", "must be an https URL such as https://cloud.example.com, got '\(publicURL)'")
        }
        return .init(
            host: host, port: port, certificate: certificate, key: key,
            publicURL: publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 },
            connectionsPerAddress: integer(
                http["connections_per_address"], at: "http.connections_per_address", in: 8...65_536, default: 256))
    }

    /// `store:`: the database's URL (SQLite's path) and how long history and applied seqs are kept.
    private mutating func storeSettings(_ node: Node?) -> (path: String, retentionDays: Int, appliedRetentionDays: Int) {
        let store =
            mapping(node, at: "store", allowed: ["url", "retention_days", "applied_retention_days"]) ?? [:]
        let retentionDays = integer(store["retention_days"], at: "store.retention_days", in: 30...3650, default: 400)
        let appliedRetentionDays = integer(
            store["applied_retention_days"], at: "store.applied_retention_days", in: 7...3650, default: 90)
        let url = string(store["url"], at: "store.url", default: "sqlite:///var/lib/gridside-cloud/cloud.sqlite") ?? ""
        var storePath = ""
        if url.hasPrefix("sqlite://") {
            storePath = String(url.dropFirst("sqlite://".count))
            if storePath.isEmpty { problem("store.url", "needs a file path, like sqlite:///var/lib/gridside-cloud/cloud.sqlite") }
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            problem("store.url", "PostgreSQL is not supported yet; use sqlite:///path/to/cloud.sqlite")
        } else {
            problem("store.url", "must be sqlite:///path/to/cloud.sqlite, got \"\(url)\"")
        }
        return (storePath, retentionDays, appliedRetentionDays)
    }

    /// `mqtt.dynamic_security` and `mqtt.site_broker_url` (read with the rest of `mqtt:`, which checks its keys).
    private mutating func siteAccountSettings(_ mqtt: [String: Node], cloud: MQTTBroker) -> (Bool, String) {
        let managed = bool(mqtt["dynamic_security"], at: "mqtt.dynamic_security", default: false)
        let fallback = "mqtts://\(cloud.host):8883"
        guard let text = string(mqtt["site_broker_url"], at: "mqtt.site_broker_url", default: nil) else {
            return (managed, fallback)
        }
        do {
            _ = try MQTTBroker(url: text)
        } catch {
            problem("mqtt.site_broker_url", "\(error)")
        }
        return (managed, text)
    }

    /// `mqtt:`: the broker, the client's identity and credentials, TLS files, the shared subscription's group.
    private mutating func mqttSettings(_ node: Node?) -> (MQTTConfiguration, sharedGroup: String?, keys: [String: Node]) {
        let mqtt =
            mapping(
                node, at: "mqtt",
                allowed: [
                    "broker", "client_id", "username", "password", "password_file", "ca_file", "certificate", "key",
                    "shared_group", "dynamic_security", "site_broker_url",
                ]
            ) ?? [:]
        var broker = MQTTBroker(host: "127.0.0.1", port: 1883, tls: false)
        if let text = string(mqtt["broker"], at: "mqtt.broker", default: nil) {
            do {
                broker = try MQTTBroker(url: text)
            } catch {
                problem("mqtt.broker", "\(error)")
            }
        }
        var password = string(mqtt["password"], at: "mqtt.password", default: nil)
        if mqtt["password_file"] != nil, let file = readableFile(mqtt["password_file"], at: "mqtt.password_file") {
            password = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let caFile = mqtt["ca_file"] == nil ? nil : readableFile(mqtt["ca_file"], at: "mqtt.ca_file")
        let clientCertificate = mqtt["certificate"] == nil ? nil : readableFile(mqtt["certificate"], at: "mqtt.certificate")
        let clientKey = mqtt["key"] == nil ? nil : readableFile(mqtt["key"], at: "mqtt.key")
        let tls =
            caFile != nil || clientCertificate != nil
            ? MQTTTLSFiles(caFile: caFile, certificate: clientCertificate, key: clientKey) : nil
        let group = string(mqtt["shared_group"], at: "mqtt.shared_group", default: nil)
        let clientId = string(mqtt["client_id"], at: "mqtt.client_id", default: "gridside-cloud") ?? "gridside-cloud"
        // A persistent session: while the cloud restarts, the broker keeps its subscription and queues.
        let configuration = MQTTConfiguration(
            broker: broker, clientId: clientId, username: string(mqtt["username"], at: "mqtt.username", default: nil),
            password: password, tls: tls, cleanSession: false)
        return (configuration, group, mqtt)
    }
}

/// `ocpi:`: this cloud's party on OCPI.
public struct OCPISettings: Sendable, Equatable {
    public var countryCode: String
    public var partyId: String
    public var name: String
    public var website: String?
    /// How often changes are looked for and pushed to partners.
    public var pushInterval: Duration = .seconds(1)
    /// Further CPO roles on this platform, each with the sites published under its codes.
    public var operators: [Operator] = []

    public struct Operator: Sendable, Equatable {
        public var countryCode: String
        public var partyId: String
        public var name: String
        public var sites: [String]
    }
}
