import CloudStore
import Foundation

/// One call of a push round: the object it carries (`location:<id>`, `evse:<location>/<uid>`, `tariff:<id>`,
/// `session:<id>`, `cdr:<id>`), and what to keep of it once the partner took it (`""`: forget it).
struct Call: Sendable {
    var object: String
    var method: String
    var url: String
    var body: Data?
    var keep: String?
    var alsoKept: [String: String] = [:]
}

/// The calls of one partner's round, found by comparing each object with what the partner last took.
struct Plan {
    var calls: [Call] = []

    static func json(_ value: some Encodable) -> String {
        (try? OCPIJSON.encoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// `<module URL>/<country code>/<party id>/<ids…>`, each id escaped as a path segment.
    static func url(_ base: String, _ party: OCPIParty, _ ids: [String]) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        let tail = ([party.countryCode, party.partyId] + ids).map {
            $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0
        }
        return ([base.hasSuffix("/") ? String(base.dropLast()) : base] + tail).joined(separator: "/")
    }

    /// A PUT of `object` unless the partner took it as it is.
    mutating func put(_ key: String, url: String, object: some Encodable, pushed: [String: String]) {
        let body = Self.json(object)
        guard pushed[key] != body else { return }
        calls.append(Call(object: key, method: "PUT", url: url, body: Data(body.utf8), keep: body))
    }

    /// A Location's own fields, as kept to compare (its EVSEs are compared one by one).
    static func head(_ location: OCPILocation) -> String {
        var head = location
        head.evses = []
        head.lastUpdated = .distantPast
        return json(head)
    }

    /// The Locations of `sites`: a PUT of the whole Location when it is new to the partner or its own fields changed
    /// (EVSEs it had and that went away in it as REMOVED), else a PUT of each EVSE that changed and of each that went
    /// away as REMOVED; and for Locations no longer published to it, a last PUT with `publish` false and every EVSE
    /// REMOVED.
    mutating func locations(
        url: String, party: OCPIParty, sites: Set<String>, published: Set<String>, locations: [String: OCPILocation],
        pushed: [String: String], now: Date
    ) {
        var evsesOf: [String: [String]] = [:]
        for key in pushed.keys where key.hasPrefix("evse:") {
            let rest = key.dropFirst(5)
            if let slash = rest.firstIndex(of: "/") { evsesOf[String(rest[..<slash]), default: []].append(key) }
        }
        func removed(_ key: String) -> OCPILocation.EVSE? {
            guard let body = pushed[key],
                var evse = try? OCPIJSON.decoder().decode(OCPILocation.EVSE.self, from: Data(body.utf8))
            else { return nil }
            evse.status = "REMOVED"
            evse.lastUpdated = now
            return evse
        }
        for site in sites.sorted() {
            guard let location = locations[site] else { continue }
            let head = Self.head(location)
            let current = Dictionary(uniqueKeysWithValues: location.evses.map { ("evse:\(location.id)/\($0.uid)", $0) })
            let gone = (evsesOf[location.id] ?? []).filter { current[$0] == nil }.sorted()
            if pushed["location:\(location.id)"] != head {
                var whole = location
                whole.evses += gone.compactMap(removed)
                var kept = current.mapValues { Self.json($0) }
                for key in gone { kept[key] = "" }
                calls.append(
                    Call(
                        object: "location:\(location.id)", method: "PUT", url: Self.url(url, party, [location.id]),
                        body: Data(Self.json(whole).utf8), keep: head, alsoKept: kept))
                continue
            }
            for (key, evse) in current.sorted(by: { $0.key < $1.key }) {
                put(key, url: Self.url(url, party, [location.id, evse.uid]), object: evse, pushed: pushed)
            }
            for key in gone {
                guard let evse = removed(key) else { continue }
                calls.append(
                    Call(
                        object: key, method: "PUT", url: Self.url(url, party, [location.id, evse.uid]),
                        body: Data(Self.json(evse).utf8), keep: ""))
            }
        }
        for key in pushed.keys.sorted() where key.hasPrefix("location:") {
            let id = String(key.dropFirst(9))
            guard !published.contains(id) || locations[id] == nil,
                var location = try? OCPIJSON.decoder().decode(OCPILocation.self, from: Data((pushed[key] ?? "").utf8))
            else { continue }
            location.publish = false
            location.evses = (evsesOf[id] ?? []).sorted().compactMap(removed)
            location.lastUpdated = now
            calls.append(
                Call(
                    object: key, method: "PUT", url: Self.url(url, party, [id]), body: Data(Self.json(location).utf8),
                    keep: "", alsoKept: Dictionary(uniqueKeysWithValues: (evsesOf[id] ?? []).map { ($0, "") })))
        }
    }

    /// The tariffs the partner's Locations name (PUT when new or changed), and a DELETE of each it had that none
    /// names any more.
    mutating func tariffs(url: String, objects: OCPIObjects, locations: [OCPILocation], pushed: [String: String]) async throws {
        let ids = Set(locations.flatMap { $0.evses.flatMap { $0.connectors.flatMap { $0.tariffIds ?? [] } } })
        for id in ids.sorted() {
            guard let record = try await objects.repository.tariff(id: id, version: nil),
                let tariff = objects.tariff(record)
            else { continue }
            put("tariff:\(id)", url: Self.url(url, objects.party, [id]), object: tariff, pushed: pushed)
        }
        for key in pushed.keys.sorted() where key.hasPrefix("tariff:") && !ids.contains(String(key.dropFirst(7))) {
            calls.append(
                Call(
                    object: key, method: "DELETE", url: Self.url(url, objects.party, [String(key.dropFirst(7))]), body: nil,
                    keep: ""))
        }
    }
}
