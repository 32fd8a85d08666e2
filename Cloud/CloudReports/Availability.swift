public import CloudStore
public import Foundation

/// How available each station was over a range: the share of time its connectors were Available, Charging (in
/// use: Preparing, Charging, SuspendedEV/EVSE, Finishing, Reserved), Faulted, Unavailable or Offline (the station
/// disconnected from its edge, or its site's edge from the cloud), and its longest outages; a site's shares are its stations' average. From the status
/// history: a query and a pure fold (``fold(before:during:from:to:)``).
public enum Availability {
    public enum State: String, Sendable, Codable, CaseIterable {
        case available, charging, faulted, unavailable, offline, unknown
    }

    public struct Outage: Sendable, Equatable, Codable {
        public var state: State
        public var from: Date
        public var to: Date
        public var hours: Double
    }

    public struct Row: Sendable, Equatable, Codable {
        public var site: String
        /// nil for a site's row.
        public var station: String?
        /// Percent of the range per state; they sum to 100.
        public var shares: [String: Double]
        public var longestOutages: [Outage]
    }

    static func state(_ status: String) -> State {
        switch status {
        case "Available": .available
        case "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Reserved", "Occupied": .charging
        case "Faulted": .faulted
        case "Unavailable": .unavailable
        default: .unknown
        }
    }

    /// The rows per station then per site, ordered. A connector's state before its first report in the range is its
    /// last before it, or unknown.
    public static func fold(before: [AvailabilityEvent], during: [AvailabilityEvent], from: Date, to: Date) -> [Row] {
        guard to > from else { return [] }
        var timeline = Timeline(from: from)
        for event in before { timeline.apply(event) }
        // In order of time, events of the same instant as given.
        let during = during.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        for event in during where event.connector != nil { timeline.know(event) }
        for key in timeline.connectorState.keys { timeline.noteOutages(key, at: from) }
        for event in during where event.time >= from && event.time < to {
            timeline.advance(to: event.time)
            timeline.apply(event)
            let keys =
                event.station.isEmpty
                ? timeline.connectorState.keys.filter { $0.site == event.site } : [Key(site: event.site, station: event.station)]
            for key in keys { timeline.noteOutages(key, at: event.time) }
        }
        timeline.advance(to: to)
        timeline.closeOutages(at: to)
        return timeline.rows(span: to.timeIntervalSince(from))
    }

    struct Key: Hashable {
        let site, station: String
    }

    /// Each connector's state as time goes by, and the time it spent in each.
    struct Timeline {
        var clock: Date
        var connectorState: [Key: [Int: State]] = [:]
        var connected: [Key: Bool] = [:]
        /// Whether each site's edge is connected to the cloud; while it is not, its stations count offline.
        var siteOnline: [String: Bool] = [:]
        var seconds: [Key: [Int: [State: Double]]] = [:]
        var outages: [Key: [Outage]] = [:]
        var outageStart: [Key: [Int: (State, Date)]] = [:]

        init(from: Date) { clock = from }

        func effective(_ key: Key, _ connector: Int) -> State {
            connected[key] == false || siteOnline[key.site] == false
                ? .offline : connectorState[key]?[connector] ?? .unknown
        }

        mutating func apply(_ event: AvailabilityEvent) {
            let key = Key(site: event.site, station: event.station)
            if event.station.isEmpty {
                siteOnline[event.site] = event.state == "site_online"
            } else if let connector = event.connector {
                connectorState[key, default: [:]][connector] = Availability.state(event.state)
            } else {
                connected[key] = event.state == "connected"
            }
        }

        /// A connector first reported in the range counts from the range's start, not reported until then.
        mutating func know(_ event: AvailabilityEvent) {
            let key = Key(site: event.site, station: event.station)
            guard let connector = event.connector, connectorState[key]?[connector] == nil else { return }
            connectorState[key, default: [:]][connector] = .unknown
        }

        mutating func advance(to time: Date) {
            let elapsed = time.timeIntervalSince(clock)
            guard elapsed > 0 else { return }
            for (key, connectors) in connectorState {
                for connector in connectors.keys {
                    seconds[key, default: [:]][connector, default: [:]][effective(key, connector), default: 0] += elapsed
                }
            }
            clock = time
        }

        mutating func noteOutages(_ key: Key, at time: Date) {
            for connector in connectorState[key]?.keys.sorted() ?? [] {
                let now = effective(key, connector)
                let down = now == .faulted || now == .unavailable || now == .offline
                let open = outageStart[key]?[connector]
                if let open, !down || open.0 != now {
                    outages[key, default: []].append(
                        Outage(state: open.0, from: open.1, to: time, hours: time.timeIntervalSince(open.1) / 3600))
                    outageStart[key]?[connector] = nil
                }
                if down, outageStart[key]?[connector] == nil { outageStart[key, default: [:]][connector] = (now, time) }
            }
        }

        mutating func closeOutages(at time: Date) {
            for (key, open) in outageStart {
                for (_, start) in open {
                    outages[key, default: []].append(
                        Outage(state: start.0, from: start.1, to: time, hours: time.timeIntervalSince(start.1) / 3600))
                }
            }
            outageStart = [:]
        }

        func rows(span: Double) -> [Row] {
            var rows: [Row] = []
            var bySite: [String: [[String: Double]]] = [:]
            for key in connectorState.keys.sorted(by: { ($0.site, $0.station) < ($1.site, $1.station) }) {
                let connectors = seconds[key] ?? [:]
                var shares: [String: Double] = [:]
                for state in State.allCases {
                    let total = connectors.values.reduce(0) { $0 + ($1[state] ?? 0) }
                    shares[state.rawValue] = connectors.isEmpty ? 0 : total / (span * Double(connectors.count)) * 100
                }
                if connectors.isEmpty { shares[State.unknown.rawValue] = 100 }
                bySite[key.site, default: []].append(shares)
                rows.append(
                    Row(
                        site: key.site, station: key.station, shares: shares,
                        longestOutages: Array((outages[key] ?? []).sorted { $0.hours > $1.hours }.prefix(3))))
            }
            for site in bySite.keys.sorted() {
                let stations = bySite[site]!
                var shares: [String: Double] = [:]
                for state in State.allCases {
                    shares[state.rawValue] = stations.reduce(0) { $0 + ($1[state.rawValue] ?? 0) } / Double(stations.count)
                }
                let longest = rows.filter { $0.site == site }.flatMap(\.longestOutages).sorted { $0.hours > $1.hours }
                rows.append(Row(site: site, station: nil, shares: shares, longestOutages: Array(longest.prefix(3))))
            }
            return rows
        }
    }
}

extension Reports {
    /// The availability of the stations of `request` (its range, sites, stations, group) as `scope` sees them.
    public func availability(
        _ request: ReportRequest, scope: Scope?, organization: String? = nil
    ) async throws -> [Availability.Row] {
        let filter = try await filter(request, scope: scope, organization: organization)
        let (before, during) = try await repository.availabilityEvents(filter)
        return Availability.fold(before: before, during: during, from: request.from, to: request.to)
    }
}

extension Availability {
    /// The rows as CSV: a station's or a site's (`station` empty) share of each state in percent, and its longest
    /// outage.
    public static func csv(_ rows: [Row], timeZone: TimeZone) -> String {
        let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: timeZone)
        var text = CSVWriter.line(
            ["site", "station"] + State.allCases.map { "\($0.rawValue)_percent" }
                + ["longest_outage_state", "longest_outage_from", "longest_outage_hours"])
        for row in rows {
            let longest = row.longestOutages.first
            text += CSVWriter.line(
                [row.site, row.station ?? ""] + State.allCases.map { String(format: "%.2f", row.shares[$0.rawValue] ?? 0) }
                    + [
                        longest?.state.rawValue ?? "", longest.map { $0.from.formatted(style) } ?? "",
                        longest.map { String(format: "%.2f", $0.hours) } ?? "",
                    ])
        }
        return text
    }
}
