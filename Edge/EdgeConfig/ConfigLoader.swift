public import ConfigReading
import Foundation
import SiteModel
import Yams

extension EdgeConfiguration {
    /// Reads and checks a configuration file; throws ``ConfigError`` listing every problem, each with its key.
    public static func load(path: String) throws(ConfigError) -> EdgeConfiguration {
        try parse(yaml: try ConfigReader.read(path: path), file: path)
    }

    /// Parses and checks configuration text.
    public static func parse(yaml: String, file: String = "edge.yaml") throws(ConfigError) -> EdgeConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(file: file, problems: [ConfigProblem(key: "(file)", reason: "is not valid YAML: \(error)")])
        }
        guard let root else {
            throw ConfigError(file: file, problems: [ConfigProblem(key: "(file)", reason: "is empty; it needs at least site.id")])
        }
        var reader = ConfigReader()
        let config = reader.edgeConfiguration(root)
        guard reader.problems.isEmpty, let config else { throw ConfigError(file: file, problems: reader.problems) }
        return config
    }
}

extension ConfigReader {
    mutating func edgeConfiguration(_ root: Node?) -> EdgeConfiguration? {
        guard
            let top = mapping(
                root, at: "",
                allowed: [
                    "site", "ocpp", "http", "store", "authorization", "stations", "log", "grid", "meters", "load_management",
                    "cloud",
                ])
        else { return nil }
        let site = mapping(top["site"], at: "site", allowed: ["id", "name"]) ?? [:]
        let siteId = string(site["id"], at: "site.id") ?? ""
        if site["id"] != nil, !Self.isIdentifier(siteId) {
            problem("site.id", "must be 1 to 64 letters, digits, '-', '_' or '.', got \"\(siteId)\"")
        }
        let ocpp =
            mapping(
                top["ocpp"], at: "ocpp",
                allowed: [
                    "listen", "tls", "basic_auth", "unknown_stations", "heartbeat_interval", "ping_interval", "call_timeout",
                    "max_frame_bytes", "connections_per_address",
                ]
            ) ?? [:]
        let (ocppHost, ocppPort) = listenAddress(ocpp["listen"], at: "ocpp.listen", default: ("0.0.0.0", 9000))
        var tls: EdgeConfiguration.TLS?
        if let tlsNode = mapping(ocpp["tls"], at: "ocpp.tls", allowed: ["certificate", "key", "client_ca"]) {
            let certificate = readableFile(tlsNode["certificate"], at: "ocpp.tls.certificate")
            let key = readableFile(tlsNode["key"], at: "ocpp.tls.key")
            // Security profile 3: chargers present certificates signed by this CA, each naming its identity.
            let clientCA = tlsNode["client_ca"] == nil ? nil : readableFile(tlsNode["client_ca"], at: "ocpp.tls.client_ca")
            if let certificate, let key { tls = .init(certificate: certificate, key: key, clientCA: clientCA) }
        }
        let http = mapping(top["http"], at: "http", allowed: ["listen", "token_file"]) ?? [:]
        let (httpHost, httpPort) = listenAddress(http["listen"], at: "http.listen", default: ("127.0.0.1", 9001))
        if ocppPort == httpPort, ocppPort != 0 { problem("http.listen", "uses port \(httpPort), which ocpp.listen uses too") }
        let store = mapping(top["store"], at: "store", allowed: ["path", "retention_days"]) ?? [:]
        let storePath = string(store["path"], at: "store.path", default: "/var/lib/gridside/edge.sqlite") ?? ""
        let retentionDays = integer(store["retention_days"], at: "store.retention_days", in: 7...3650, default: 400)
        let authorization = mapping(top["authorization"], at: "authorization", allowed: ["unknown_tokens", "tokens"]) ?? [:]
        let log = mapping(top["log"], at: "log", allowed: ["level"]) ?? [:]
        let level = choice(
            log["level"], at: "log.level", from: ["trace", "debug", "info", "notice", "warning", "error", "critical"],
            default: "info")

        let config = EdgeConfiguration(
            site: .init(id: siteId, name: string(site["name"], at: "site.name", default: siteId) ?? siteId),
            ocpp: .init(
                host: ocppHost, port: ocppPort, tls: tls,
                // Secure by default (security review, finding 4): every station authenticates, and an unknown one
                // waits for an operator, able to boot and nothing else.
                basicAuth: bool(ocpp["basic_auth"], at: "ocpp.basic_auth", default: true),
                unknownStations: enumeration(ocpp["unknown_stations"], at: "ocpp.unknown_stations", default: .pending),
                heartbeatInterval: integer(
                    ocpp["heartbeat_interval"], at: "ocpp.heartbeat_interval", in: 10...86_400, default: 300),
                pingInterval: integer(ocpp["ping_interval"], at: "ocpp.ping_interval", in: 0...3600, default: 60),
                callTimeout: .seconds(integer(ocpp["call_timeout"], at: "ocpp.call_timeout", in: 1...600, default: 30)),
                maxFrameBytes: integer(
                    ocpp["max_frame_bytes"], at: "ocpp.max_frame_bytes", in: 1024...16_777_216, default: 65_536),
                connectionsPerAddress: integer(
                    ocpp["connections_per_address"], at: "ocpp.connections_per_address", in: 1...1_000_000, default: 256)),
            http: .init(
                host: httpHost, port: httpPort,
                tokenFile: string(http["token_file"], at: "http.token_file", default: nil)
                    ?? URL(fileURLWithPath: storePath).deletingLastPathComponent().appendingPathComponent("http.token").path),
            store: .init(path: storePath, retentionDays: retentionDays),
            authorization: .init(
                unknownTokens: enumeration(authorization["unknown_tokens"], at: "authorization.unknown_tokens", default: .reject),
                tokens: tokens(authorization["tokens"])),
            stations: stations(top["stations"]),
            log: .init(level: level),
            grid: grid(top["grid"]),
            meters: meters(top["meters"]),
            loadManagement: loadManagement(top["load_management"]),
            cloud: cloud(top["cloud"], siteId: siteId))
        checkLoadManagement(config)
        return config
    }

    mutating func tokens(_ node: Node?) -> [EdgeConfiguration.TokenEntry] {
        guard let list = sequence(node, at: "authorization.tokens") else { return [] }
        var seen = Set<String>()
        return list.enumerated().compactMap { index, item in
            let at = "authorization.tokens[\(index)]"
            guard let entry = mapping(item, at: at, allowed: ["id_tag", "status", "expiry", "parent_id_tag"]) else { return nil }
            guard let idTag = string(entry["id_tag"], at: "\(at).id_tag") else { return nil }
            if idTag.isEmpty || idTag.count > 20 { problem("\(at).id_tag", "must have 1 to 20 characters (OCPP IdToken)") }
            if !seen.insert(idTag).inserted { problem("\(at).id_tag", "\"\(idTag)\" is listed twice") }
            var expiry: Date?
            if let text = string(entry["expiry"], at: "\(at).expiry", default: nil) {
                expiry = ISO8601DateFormatter().date(from: text)
                if expiry == nil {
                    problem("\(at).expiry", "must be an RFC 3339 date-time like 2027-01-31T00:00:00Z, got \"\(text)\"")
                }
            }
            return .init(
                idTag: idTag, status: enumeration(entry["status"], at: "\(at).status", default: .accepted), expiry: expiry,
                parentIdTag: string(entry["parent_id_tag"], at: "\(at).parent_id_tag", default: nil))
        }
    }

    mutating func stations(_ node: Node?) -> [EdgeConfiguration.Station] {
        guard let list = sequence(node, at: "stations") else { return [] }
        var seen = Set<String>()
        return list.enumerated().compactMap { index, item in
            let at = "stations[\(index)]"
            guard
                let entry = mapping(
                    item, at: at,
                    allowed: ["id", "password_hash", "max_current_a", "phases", "rotation", "priority", "connectors"])
            else { return nil }
            guard let id = string(entry["id"], at: "\(at).id") else { return nil }
            // An id that breaks the OCPP identity rule but is harmless is kept (with a warning from `check`), so an edge
            // whose edge.yaml predates the rule still starts.
            if let reason = StationIdentity.problem(id), !StationIdentity.isTolerated(id) {
                problem("\(at).id", "\(reason), got \(id.debugDescription)")
            }
            if !seen.insert(id).inserted { problem("\(at).id", "station \"\(id)\" is listed twice") }
            let hash = string(entry["password_hash"], at: "\(at).password_hash", default: nil)
            if let hash, !(hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$")) {
                problem("\(at).password_hash", "must be a bcrypt hash (make one with `gridside-edge hash-password`)")
            }
            let stationWiring = wiring(entry, at: at)
            var connectors: [Int: EdgeConfiguration.Wiring] = [:]
            for (index, node) in (sequence(entry["connectors"], at: "\(at).connectors") ?? []).enumerated() {
                let key = "\(at).connectors[\(index)]"
                guard
                    let connector = mapping(
                        node, at: key, allowed: ["id", "max_current_a", "phases", "rotation", "priority"])
                else { continue }
                if connector["id"] == nil { problem("\(key).id", "is required (the connector's number, from 1)") }
                let connectorId = integer(connector["id"], at: "\(key).id", in: 1...64, default: 1)
                if connectors[connectorId] != nil { problem("\(key).id", "connector \(connectorId) is listed twice") }
                // Unset keys inherit the station's values.
                var merged = connector
                for (name, value) in entry where ["max_current_a", "phases", "rotation", "priority"].contains(name) {
                    // A connector with phases of its own names its own rotation.
                    if name == "rotation", connector["phases"] != nil { continue }
                    if merged[name] == nil { merged[name] = value }
                }
                connectors[connectorId] = wiring(merged, at: key)
            }
            return .init(id: id, passwordHash: hash, wiring: stationWiring, connectorWiring: connectors)
        }
    }
}
