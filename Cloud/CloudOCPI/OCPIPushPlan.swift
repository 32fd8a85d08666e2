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
    /// The party whose object it is, when not the platform's own (an operator's): the call's `OCPI-from-*`.
    var from: OCPICodes?
}

/// The calls of one partner's round, found by comparing each object with what the partner last took.
struct Plan {
    var calls: [Call] = []

    static func json(_ value: some Encodable) -> String {
        (try? OCPIJSON.encoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// `<module URL>/<country code>/<party id>/<ids…>`, each id escaped as a path segment.
    static func url(_ base: String, _ codes: OCPICodes, _ ids: [String]) -> String {
        path(base, [codes.countryCode, codes.partyId] + ids)
    }

    /// `<module URL>/<segments…>`, the module URL without a trailing slash, each segment escaped.
    static func path(_ base: String, _ segments: [String]) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        let tail = segments.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }
        return ([base.hasSuffix("/") ? String(base.dropLast()) : base] + tail).joined(separator: "/")
    }

    /// A PUT of `object` unless the partner took it as it is.
    mutating func put(
        _ key: String, url: String, object: some Encodable, pushed: [String: String], from: OCPICodes? = nil
    ) {
        let body = Self.json(object)
        guard pushed[key] != body else { return }
        calls.append(Call(object: key, method: "PUT", url: url, body: Data(body.utf8), keep: body, from: from))
    }

    /// A site that went to another operator is a Location under other codes: the one the partner has under the former
    /// codes is put once more with `publish` false and every EVSE REMOVED (the same round puts it under the new ones).
    /// Returns that body: kept as `location-left:<id>` with the new Location, so that it is sent again until taken.
    mutating func unpublishUnderFormerCodes(
        _ location: OCPILocation, url: String, pushed: [String: String], evses: [String], now: Date
    ) -> String? {
        guard let former = Self.withdrawn("location:\(location.id)", evses: evses, pushed: pushed, now: now),
            former.codes != location.codes
        else { return nil }
        let body = Self.json(former)
        unpublish(location.id, body: body, url: url)
        return body
    }

    /// The PUT of a Location left under former codes (`publish` false), forgotten once the partner took it.
    mutating func unpublish(_ id: String, body: String, url: String) {
        let key = "location-left:\(id)"
        guard !calls.contains(where: { $0.object == key }),
            let former = try? OCPIJSON.decoder().decode(OCPILocation.self, from: Data(body.utf8))
        else { return }
        calls.append(
            Call(
                object: key, method: "PUT", url: Self.url(url, former.codes, [id]), body: Data(body.utf8), keep: "",
                from: former.codes))
    }

    /// The Location the partner took under `key`, now unpublished: `publish` false, `evses` (their keys) REMOVED.
    static func withdrawn(_ key: String, evses: [String], pushed: [String: String], now: Date) -> OCPILocation? {
        guard var location = try? OCPIJSON.decoder().decode(OCPILocation.self, from: Data((pushed[key] ?? "").utf8))
        else { return nil }
        location.publish = false
        location.evses = evses.sorted().compactMap { removed($0, pushed: pushed, now: now) }
        location.lastUpdated = now
        return location
    }

    /// The EVSE the partner took under `key`, now `REMOVED`.
    static func removed(_ key: String, pushed: [String: String], now: Date) -> OCPILocation.EVSE? {
        guard let body = pushed[key],
            var evse = try? OCPIJSON.decoder().decode(OCPILocation.EVSE.self, from: Data(body.utf8))
        else { return nil }
        evse.status = "REMOVED"
        evse.lastUpdated = now
        return evse
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
        url: String, sites: Set<String>, published: Set<String>, locations: [String: OCPILocation],
        pushed: [String: String], now: Date
    ) {
        var evsesOf: [String: [String]] = [:]
        for key in pushed.keys where key.hasPrefix("evse:") {
            let rest = key.dropFirst(5)
            if let slash = rest.firstIndex(of: "/") { evsesOf[String(rest[..<slash]), default: []].append(key) }
        }
        func removed(_ key: String) -> OCPILocation.EVSE? { Self.removed(key, pushed: pushed, now: now) }
        // Locations left under former codes that the partner has not taken as unpublished yet.
        for (key, body) in pushed.sorted(by: { $0.key < $1.key }) where key.hasPrefix("location-left:") {
            unpublish(String(key.dropFirst(14)), body: body, url: url)
        }
        for site in sites.sorted() {
            guard let location = locations[site] else { continue }
            let head = Self.head(location)
            let current = Dictionary(uniqueKeysWithValues: location.evses.map { ("evse:\(location.id)/\($0.uid)", $0) })
            let gone = (evsesOf[location.id] ?? []).filter { current[$0] == nil }.sorted()
            if pushed["location:\(location.id)"] != head {
                let left = unpublishUnderFormerCodes(
                    location, url: url, pushed: pushed, evses: evsesOf[location.id] ?? [], now: now)
                var whole = location
                whole.evses += gone.compactMap(removed)
                var kept = current.mapValues { Self.json($0) }
                for key in gone { kept[key] = "" }
                if let left { kept["location-left:\(location.id)"] = left }
                calls.append(
                    Call(
                        object: "location:\(location.id)", method: "PUT", url: Self.url(url, location.codes, [location.id]),
                        body: Data(Self.json(whole).utf8), keep: head, alsoKept: kept, from: location.codes))
                continue
            }
            for (key, evse) in current.sorted(by: { $0.key < $1.key }) {
                put(
                    key, url: Self.url(url, location.codes, [location.id, evse.uid]), object: evse, pushed: pushed,
                    from: location.codes)
            }
            for key in gone {
                guard let evse = removed(key) else { continue }
                calls.append(
                    Call(
                        object: key, method: "PUT", url: Self.url(url, location.codes, [location.id, evse.uid]),
                        body: Data(Self.json(evse).utf8), keep: "", from: location.codes))
            }
        }
        for key in pushed.keys.sorted() where key.hasPrefix("location:") {
            let id = String(key.dropFirst(9))
            guard !published.contains(id) || locations[id] == nil,
                let location = Self.withdrawn(key, evses: evsesOf[id] ?? [], pushed: pushed, now: now)
            else { continue }
            calls.append(
                Call(
                    object: key, method: "PUT", url: Self.url(url, location.codes, [id]), body: Data(Self.json(location).utf8),
                    keep: "", alsoKept: Dictionary(uniqueKeysWithValues: (evsesOf[id] ?? []).map { ($0, "") }),
                    from: location.codes))
        }
    }

    /// The tariffs the partner's Locations name, each under the codes of the Locations that name it (PUT when new or
    /// changed; kept as `tariff:<id>` under the platform's own codes, `tariff:<cc>*<party>/<id>` under an operator's),
    /// and a DELETE of each it had that none names any more.
    mutating func tariffs(url: String, objects: OCPIObjects, locations: [OCPILocation], pushed: [String: String]) async throws {
        let named = Self.tariffsNamed(by: locations)
        var keys: Set<String> = []
        for pair in named.sorted(by: {
            ($0.id, $0.codes.countryCode, $0.codes.partyId) < ($1.id, $1.codes.countryCode, $1.codes.partyId)
        }) {
            let (codes, id) = (pair.codes, pair.id)
            let key = Self.tariffKey(codes, id, own: objects.party.codes)
            keys.insert(key)
            guard let record = try await objects.repository.tariff(id: id, version: nil),
                let tariff = objects.tariff(record, codes: codes)
            else { continue }
            put(key, url: Self.url(url, codes, [id]), object: tariff, pushed: pushed, from: codes)
        }
        for key in pushed.keys.sorted() where key.hasPrefix("tariff:") && !keys.contains(key) {
            let rest = String(key.dropFirst(7))
            var codes = objects.party.codes
            var id = rest
            if let slash = rest.firstIndex(of: "/"), let star = rest.firstIndex(of: "*"), star < slash {
                codes = OCPICodes(countryCode: String(rest[..<star]), partyId: String(rest[rest.index(after: star)..<slash]))
                id = String(rest[rest.index(after: slash)...])
            }
            calls.append(
                Call(object: key, method: "DELETE", url: Self.url(url, codes, [id]), body: nil, keep: "", from: codes))
        }
    }

    /// The tariff ids the Locations' connectors name, with the codes of the Location naming each.
    static func tariffsNamed(by locations: [OCPILocation]) -> Set<Pair> {
        var named: Set<Pair> = []
        for location in locations {
            for id in location.evses.flatMap({ $0.connectors.flatMap { $0.tariffIds ?? [] } }) {
                named.insert(Pair(location.codes, id))
            }
        }
        return named
    }

    /// A tariff under a party's codes.
    struct Pair: Hashable {
        let codes: OCPICodes
        let id: String
        init(_ codes: OCPICodes, _ id: String) {
            self.codes = codes
            self.id = id
        }
    }

    static func tariffKey(_ codes: OCPICodes, _ id: String, own: OCPICodes) -> String {
        codes == own ? "tariff:\(id)" : "tariff:\(codes.countryCode)*\(codes.partyId)/\(id)"
    }
}

extension OCPILocation {
    var codes: OCPICodes { OCPICodes(countryCode: countryCode, partyId: partyId) }
}
