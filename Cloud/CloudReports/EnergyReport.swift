public import CloudStore
public import Foundation
public import Pricing

/// What a report sums sessions by.
public enum ReportDimension: String, Sendable, CaseIterable, Codable {
    case site, station, group, token, vehicle, customer
}

/// A report's question: which sessions (a range, places, vehicle, driver, customer), summed by what, per which period,
/// on which wall clock.
public struct ReportRequest: Sendable, Equatable {
    public var from: Date
    public var to: Date
    public var groupBy: ReportDimension
    public var period: ReportPeriod
    public var timeZone: TimeZone
    public var sites: [String] = []
    public var stations: [StationKey] = []
    public var group: String?
    public var token: String?
    public var vehicle: String?
    public var customer: String?

    public init(from: Date, to: Date, groupBy: ReportDimension, period: ReportPeriod, timeZone: TimeZone) {
        self.from = from
        self.to = to
        self.groupBy = groupBy
        self.period = period
        self.timeZone = timeZone
    }
}

/// One row of a report: a key (a site, station, group, token, vehicle or customer) in one period.
public struct ReportRow: Sendable, Equatable, Codable {
    public var key: String
    public var label: String
    public var periodStart: Date
    public var sessions: Int
    /// Sessions whose energy is missing or implausible: counted, their energy not summed.
    public var flagged: Int
    public var energyKWh: ExactDecimal
    public var hours: ExactDecimal
    public var idleHours: ExactDecimal
    /// Average power while connected (energy over time), kW.
    public var averagePowerKW: ExactDecimal
    /// Revenue per currency, without and with VAT.
    public var revenue: [Revenue]

    public struct Revenue: Sendable, Equatable, Codable {
        public var currency: String
        public var exclVat: ExactDecimal
        public var inclVat: ExactDecimal
    }
}

/// A report's rows, their totals (the sum of the rows), and the periods it covers.
public struct Report: Sendable, Equatable, Codable {
    public var from: Date
    public var to: Date
    public var groupBy: ReportDimension
    public var period: ReportPeriod
    public var timeZone: String
    public var periods: [Date]
    public var rows: [ReportRow]
    public var totals: ReportRow
}

/// Sums sessions into reports: a query of the store, then a pure fold (``fold(_:request:boundaries:labels:)``).
public struct Reports: Sendable {
    let repository: any CloudRepository
    /// Energy above this power over a session's duration is flagged as implausible.
    public var maxPowerW: Double

    public init(repository: any CloudRepository, maxPowerW: Double = 350_000) {
        self.repository = repository
        self.maxPowerW = maxPowerW
    }

    /// Why a report cannot be made as asked (400).
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// The store's filter for `request` as `scope` sees it: groups, vehicles and customers turned into stations and
    /// tokens. A client organization's user (`organization`) reaches only its own vehicles, as everywhere else.
    public func filter(_ request: ReportRequest, scope: Scope?, organization: String? = nil) async throws -> ReportFilter {
        var filter = ReportFilter(
            scope: scope, from: request.from, to: request.to, sites: request.sites, stations: request.stations,
            maxPowerW: maxPowerW)
        if let group = request.group {
            let stations = try await repository.groups(in: scope).first { $0.id == group }?.stations ?? []
            filter.stations = filter.stations.isEmpty ? stations : filter.stations.filter(stations.contains)
            if filter.stations.isEmpty { filter.idTags = [] }
        }
        var tags: Set<String>?
        if let token = request.token { tags = [token] }
        if request.vehicle != nil || request.customer != nil {
            let vehicles = try await repository.vehicles().filter { vehicle in
                (organization == nil || vehicle.organization == organization)
                    && (request.vehicle.map { vehicle.id == $0 } ?? true)
                    && (request.customer.map { vehicle.organization == $0 } ?? true)
            }
            let vehicleTags = Set(vehicles.flatMap(\.tokens))
            tags = tags.map { $0.intersection(vehicleTags) } ?? vehicleTags
        }
        if let tags { filter.idTags = (filter.idTags ?? Array(tags)).filter(tags.contains).sorted() }
        return filter
    }

    public func report(_ request: ReportRequest, scope: Scope?, organization: String? = nil) async throws -> Report {
        guard let boundaries = request.period.boundaries(from: request.from, to: request.to, timeZone: request.timeZone)
        else {
            throw Refusal(
                description: "the range must end after it starts and hold at most 400 periods of a \(request.period.rawValue)")
        }
        let filter = try await filter(request, scope: scope, organization: organization)
        let grouping: ReportGrouping =
            switch request.groupBy {
            case .site: .site
            case .station, .group: .station
            case .token, .vehicle, .customer: .token
            }
        let cells = try await repository.reportCells(filter, grouping: grouping, boundaries: boundaries)
        let labels = try await labels(request.groupBy, scope: scope, organization: organization)
        return Self.fold(cells, request: request, boundaries: boundaries, labels: labels)
    }

    /// What each cell counts towards: the keys of `groupBy` it belongs to (a station in two groups counts in both; a
    /// token of no vehicle under "none").
    public struct Labels: Sendable {
        public var keys: @Sendable (ReportCell) -> [String]
        public var names: [String: String]
    }

    func labels(_ dimension: ReportDimension, scope: Scope?, organization: String?) async throws -> Labels {
        switch dimension {
        case .site:
            let names = Dictionary(
                try await repository.sites(in: scope).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            return Labels(keys: { [$0.site ?? ""] }, names: names)
        case .station:
            return Labels(keys: { ["\($0.site ?? "")/\($0.station ?? "")"] }, names: [:])
        case .token:
            return Labels(keys: { [$0.idTag ?? ""] }, names: [:])
        case .group:
            let groups = try await repository.groups(in: scope)
            var byStation: [StationKey: [String]] = [:]
            for group in groups { for station in group.stations { byStation[station, default: []].append(group.id) } }
            let membership = byStation
            return Labels(
                keys: { membership[StationKey(site: $0.site ?? "", station: $0.station ?? "")] ?? [""] },
                names: Dictionary(groups.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }))
        case .vehicle, .customer:
            // An organization's user knows only its own vehicles; for staff, a tag two owners registered counts for
            // the first by owner and id.
            let vehicles = try await repository.vehicles()
                .filter { organization == nil || $0.organization == organization }
                .sorted { ($0.organization ?? "", $0.id) > ($1.organization ?? "", $1.id) }
            var byTag: [String: String] = [:]
            for vehicle in vehicles {
                for tag in vehicle.tokens { byTag[tag] = dimension == .vehicle ? vehicle.id : (vehicle.organization ?? "") }
            }
            let names =
                dimension == .vehicle
                ? Dictionary(vehicles.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
                : Dictionary(
                    try await repository.organizations().filter { organization == nil || $0.id == organization }
                        .map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            let map = byTag
            return Labels(keys: { [map[$0.idTag ?? ""] ?? ""] }, names: names)
        }
    }

    /// Folds the store's sums into rows by key and period, in order, and their totals. Pure.
    public static func fold(_ cells: [ReportCell], request: ReportRequest, boundaries: [Date], labels: Labels) -> Report {
        struct Sum {
            var sessions = 0
            var flagged = 0
            var energyWh = 0.0
            var durationMs: Int64 = 0
            var idleMs: Int64 = 0
            var revenue: [String: (Int64, Int64)] = [:]

            mutating func add(_ cell: ReportCell) {
                sessions += cell.sessions
                flagged += cell.flagged
                energyWh += cell.energyWh
                durationMs += cell.durationMs
                idleMs += cell.idleMs
                if let currency = cell.currency {
                    let before = revenue[currency] ?? (0, 0)
                    revenue[currency] = (before.0 + cell.revenueExclE4, before.1 + cell.revenueInclE4)
                }
            }

            func row(key: String, label: String, start: Date) -> ReportRow {
                let energy = ExactDecimal(units: Int128((energyWh * 1000).rounded()) * 1_000_000)
                let hours = ExactDecimal(durationMs, over: 3_600_000)
                return ReportRow(
                    key: key, label: label, periodStart: start, sessions: sessions, flagged: flagged, energyKWh: energy,
                    hours: hours.rounded(toFractionDigits: 4, .halfEven),
                    idleHours: ExactDecimal(idleMs, over: 3_600_000).rounded(toFractionDigits: 4, .halfEven),
                    averagePowerKW: hours.isZero ? .zero : energy.divided(by: hours).rounded(toFractionDigits: 3, .halfEven),
                    revenue: revenue.keys.sorted().map { currency in
                        let (excl, incl) = revenue[currency]!
                        return ReportRow.Revenue(
                            currency: currency, exclVat: ExactDecimal(units: Int128(excl) * 100_000_000),
                            inclVat: ExactDecimal(units: Int128(incl) * 100_000_000))
                    })
            }
        }
        var sums: [String: [Int: Sum]] = [:]
        var total = Sum()
        for cell in cells {
            for key in labels.keys(cell) { sums[key, default: [:]][cell.bucket, default: Sum()].add(cell) }
            total.add(cell)
        }
        var rows: [ReportRow] = []
        for key in sums.keys.sorted() {
            for bucket in sums[key]!.keys.sorted() {
                rows.append(
                    sums[key]![bucket]!.row(key: key, label: labels.names[key] ?? key, start: boundaries[bucket]))
            }
        }
        return Report(
            from: request.from, to: request.to, groupBy: request.groupBy, period: request.period,
            timeZone: request.timeZone.identifier, periods: Array(boundaries.dropLast()), rows: rows,
            totals: total.row(key: "", label: "", start: request.from))
    }
}
