import Foundation

/// Why a tariff or a session cannot be priced; `field` names the offending input as its JSON path.
public struct PricingError: Error, Sendable, Hashable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(_ field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}

/// A tariff checked and made ready to price: times, dates and bounds parsed, components looked up by dimension.
struct PricingRules {
    struct Component {
        let price: ExactDecimal
        let vat: ExactDecimal?
        /// 1 + VAT / 100.
        let vatFactor: ExactDecimal
        /// In Wh or seconds; 0 bills as measured.
        let step: ExactDecimal
    }

    struct Restrictions {
        var startMinute: Int?
        var endMinute: Int?
        var startDay: Int64?
        var endDay: Int64?
        var minKWh: ExactDecimal?
        var maxKWh: ExactDecimal?
        var minCurrent: ExactDecimal?
        var maxCurrent: ExactDecimal?
        var minPower: ExactDecimal?
        var maxPower: ExactDecimal?
        var minDuration: Int64?  // ms
        var maxDuration: Int64?
        /// Bit n set for weekday n (0 = Monday); 0 means every day.
        var weekdays: UInt8 = 0
        var reservationOnly = false

        var usesWallClock: Bool {
            startMinute != nil || endMinute != nil || startDay != nil || endDay != nil || weekdays != 0
        }
    }

    /// A class so that choosing an element for each piece does not copy its restrictions.
    final class Element {
        let restrictions: Restrictions
        /// Indexed by ``Dimension``.
        let components: [Component?]
        /// Bit n set when there is a component for ``Dimension`` n.
        let dimensions: UInt8

        init(restrictions: Restrictions, components: [Component?]) {
            self.restrictions = restrictions
            self.components = components
            dimensions = components.indices.reduce(0) { $0 | (components[$1] == nil ? 0 : 1 << UInt8($1)) }
        }
    }

    /// The dimensions priced by volume, and FLAT, as array indexes.
    enum Dimension: Int, CaseIterable {
        case energy, time, parking, flat

        init(_ type: TariffDimension) {
            switch type {
            case .energy: self = .energy
            case .time: self = .time
            case .parkingTime: self = .parking
            case .flat: self = .flat
            }
        }

        var type: TariffDimension {
            switch self {
            case .energy: .energy
            case .time: .time
            case .parking: .parkingTime
            case .flat: .flat
            }
        }
    }

    let elements: [Element]
    let minPrice: Price?
    let maxPrice: Price?
    /// Local minutes of day at which some element's restriction may change, midnight included; empty when no
    /// element looks at the wall clock.
    let wallClockMinutes: [Int]
    /// Session durations (ms) at which some element starts or stops.
    let durationBoundaries: [Int64]
    /// Energies (kWh) at which some element starts or stops, in order.
    let energyBoundaries: [ExactDecimal]

    init(_ tariff: Tariff) throws(PricingError) {
        guard tariff.currency.count == 3, tariff.currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw PricingError("currency", "\"\(tariff.currency)\" is not an ISO 4217 code such as EUR")
        }
        guard !tariff.elements.isEmpty else { throw PricingError("elements", "a tariff needs at least one element") }
        guard tariff.elements.count <= 100 else { throw PricingError("elements", "at most 100 elements") }
        var elements: [Element] = []
        var minutes: Set<Int> = []
        var durations: Set<Int64> = []
        var energies: Set<ExactDecimal> = []
        for (index, element) in tariff.elements.enumerated() {
            // Paths are only spelled out for an error: building them for every element costs more than pricing.
            guard !element.priceComponents.isEmpty else {
                throw PricingError("elements[\(index)].price_components", "an element needs at least one price component")
            }
            var components = [Component?](repeating: nil, count: Dimension.allCases.count)
            for (position, component) in element.priceComponents.enumerated() {
                let componentPath = { "elements[\(index)].price_components[\(position)]" }
                try Self.check(component.price, at: "\(componentPath()).price", allowNegative: false)
                if let vat = component.vat {
                    try Self.check(vat, at: "\(componentPath()).vat", allowNegative: false)
                    // With prices and volumes at most 10⁶, a VAT factor of at most 11 keeps every product in range.
                    guard vat <= 1000 else { throw PricingError("\(componentPath()).vat", "must be a percentage from 0 to 1000") }
                }
                guard (0...1_000_000_000).contains(component.stepSize) else {
                    throw PricingError("\(componentPath()).step_size", "must be a whole number from 0 to 1000000000")
                }
                let dimension = Dimension(component.type)
                // OCPI: only one component per dimension is active; within an element the first one counts.
                guard components[dimension.rawValue] == nil else { continue }
                components[dimension.rawValue] = Component(
                    price: component.price, vat: component.vat,
                    vatFactor: .one + (component.vat ?? .zero).scaled(by: 1, over: 100),
                    step: ExactDecimal(component.stepSize))
            }
            let restrictions = try Self.compile(element.restrictions, at: "elements[\(index)].restrictions")
            if restrictions.usesWallClock {
                minutes.insert(0)
                restrictions.startMinute.map { _ = minutes.insert($0) }
                restrictions.endMinute.map { _ = minutes.insert($0) }
            }
            restrictions.minDuration.map { _ = durations.insert($0) }
            restrictions.maxDuration.map { _ = durations.insert($0) }
            restrictions.minKWh.map { _ = energies.insert($0) }
            restrictions.maxKWh.map { _ = energies.insert($0) }
            elements.append(Element(restrictions: restrictions, components: components))
        }
        for (name, price) in [("min_price", tariff.minPrice), ("max_price", tariff.maxPrice)] {
            guard let price else { continue }
            try Self.check(price.exclVAT, at: "\(name).excl_vat", allowNegative: false)
            if let incl = price.inclVAT { try Self.check(incl, at: "\(name).incl_vat", allowNegative: false) }
        }
        if let low = tariff.minPrice, let high = tariff.maxPrice, low.exclVAT > high.exclVAT {
            throw PricingError("min_price", "is above max_price")
        }
        self.elements = elements
        minPrice = tariff.minPrice
        maxPrice = tariff.maxPrice
        wallClockMinutes = minutes.sorted()
        durationBoundaries = durations.sorted()
        energyBoundaries = energies.sorted()
    }

    static func check(
        _ value: ExactDecimal, at path: @autoclosure () -> String, allowNegative: Bool
    ) throws(PricingError) {
        if !allowNegative && value < .zero { throw PricingError(path(), "must not be negative") }
        if value > ExactDecimal.inputLimit || value < -ExactDecimal.inputLimit {
            throw PricingError(path(), "must be at most 1000000")
        }
    }

    private static func compile(
        _ restrictions: TariffRestrictions?, at path: @autoclosure () -> String
    ) throws(PricingError) -> Restrictions {
        var compiled = Restrictions()
        guard let restrictions else { return compiled }
        func time(_ text: String?, _ name: String) throws(PricingError) -> Int? {
            guard let text else { return nil }
            guard let minutes = minutesOfDay(text) else {
                throw PricingError("\(path()).\(name)", "\"\(text)\" is not a time of day HH:MM")
            }
            return minutes
        }
        func date(_ text: String?, _ name: String) throws(PricingError) -> Int64? {
            guard let text else { return nil }
            guard let day = CivilDate.parse(text) else {
                throw PricingError("\(path()).\(name)", "\"\(text)\" is not a date YYYY-MM-DD")
            }
            return day
        }
        func bound(_ value: ExactDecimal?, _ name: String) throws(PricingError) -> ExactDecimal? {
            guard let value else { return nil }
            try check(value, at: "\(path()).\(name)", allowNegative: false)
            return value
        }
        func seconds(_ value: Int?, _ name: String) throws(PricingError) -> Int64? {
            guard let value else { return nil }
            guard (0...31_622_400).contains(value) else {
                throw PricingError("\(path()).\(name)", "must be a number of seconds from 0 to 31622400 (a year)")
            }
            return Int64(value) * 1000
        }
        compiled.startMinute = try time(restrictions.startTime, "start_time")
        compiled.endMinute = try time(restrictions.endTime, "end_time")
        compiled.startDay = try date(restrictions.startDate, "start_date")
        compiled.endDay = try date(restrictions.endDate, "end_date")
        compiled.minKWh = try bound(restrictions.minKWh, "min_kwh")
        compiled.maxKWh = try bound(restrictions.maxKWh, "max_kwh")
        compiled.minCurrent = try bound(restrictions.minCurrent, "min_current")
        compiled.maxCurrent = try bound(restrictions.maxCurrent, "max_current")
        compiled.minPower = try bound(restrictions.minPower, "min_power")
        compiled.maxPower = try bound(restrictions.maxPower, "max_power")
        compiled.minDuration = try seconds(restrictions.minDuration, "min_duration")
        compiled.maxDuration = try seconds(restrictions.maxDuration, "max_duration")
        for day in restrictions.dayOfWeek ?? [] { compiled.weekdays |= 1 << UInt8(day.index) }
        compiled.reservationOnly = restrictions.reservation != nil
        return compiled
    }
}
