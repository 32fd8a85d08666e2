public import Foundation

/// What is priced: a session's start and end and its charging periods, as in an OCPI 2.2.1 CDR.
public struct PricingSession: Sendable, Hashable, Codable {
    public var startDateTime: Date
    public var endDateTime: Date
    /// In order of their start; each lasts until the next one starts, the last until the session ends.
    public var chargingPeriods: [ChargingPeriod]

    public init(startDateTime: Date, endDateTime: Date, chargingPeriods: [ChargingPeriod]) {
        self.startDateTime = startDateTime
        self.endDateTime = endDateTime
        self.chargingPeriods = chargingPeriods
    }

    enum CodingKeys: String, CodingKey {
        case startDateTime = "start_date_time"
        case endDateTime = "end_date_time"
        case chargingPeriods = "charging_periods"
    }
}

/// A stretch of a session in which nothing that prices it changed (OCPI's ChargingPeriod).
public struct ChargingPeriod: Sendable, Hashable, Codable {
    public var startDateTime: Date
    public var dimensions: [CdrDimension]
    public var tariffID: String?

    public init(startDateTime: Date, dimensions: [CdrDimension], tariffID: String? = nil) {
        self.startDateTime = startDateTime
        self.dimensions = dimensions
        self.tariffID = tariffID
    }

    /// The volume of a dimension, nil when the period does not report it.
    public func volume(_ type: CdrDimensionType) -> ExactDecimal? {
        dimensions.first { $0.type == type }?.volume
    }

    enum CodingKeys: String, CodingKey {
        case startDateTime = "start_date_time"
        case dimensions
        case tariffID = "tariff_id"
    }
}

/// One measured quantity of a period (OCPI's CdrDimension).
public struct CdrDimension: Sendable, Hashable, Codable {
    public var type: CdrDimensionType
    public var volume: ExactDecimal

    public init(_ type: CdrDimensionType, _ volume: ExactDecimal) {
        self.type = type
        self.volume = volume
    }
}

/// OCPI's CdrDimensionType: energy in kWh, times in hours, power in kW, current in A, state of charge in %.
public enum CdrDimensionType: String, Sendable, Hashable, Codable, CaseIterable {
    case current = "CURRENT"
    case energy = "ENERGY"
    case energyExport = "ENERGY_EXPORT"
    case energyImport = "ENERGY_IMPORT"
    case maxCurrent = "MAX_CURRENT"
    case minCurrent = "MIN_CURRENT"
    case maxPower = "MAX_POWER"
    case minPower = "MIN_POWER"
    case parkingTime = "PARKING_TIME"
    case power = "POWER"
    case reservationTime = "RESERVATION_TIME"
    case stateOfCharge = "STATE_OF_CHARGE"
    case time = "TIME"

    /// The case's position, 0 … 12.
    var index: Int {
        switch self {
        case .current: 0
        case .energy: 1
        case .energyExport: 2
        case .energyImport: 3
        case .maxCurrent: 4
        case .minCurrent: 5
        case .maxPower: 6
        case .minPower: 7
        case .parkingTime: 8
        case .power: 9
        case .reservationTime: 10
        case .stateOfCharge: 11
        case .time: 12
        }
    }
}

/// How money is rounded: to how many fraction digits, by which rule. A setting per currency.
public struct MoneyRounding: Sendable, Hashable, Codable {
    public var fractionDigits: Int
    public var rule: ExactDecimal.RoundingRule

    public init(fractionDigits: Int, rule: ExactDecimal.RoundingRule) {
        self.fractionDigits = fractionDigits
        self.rule = rule
    }

    /// OCPI's own precision (numbers have 4 decimals), a half rounded away from zero: what a CDR carries.
    public static let ocpi = MoneyRounding(fractionDigits: 4, rule: .halfUp)
    /// No rounding beyond ``ExactDecimal``'s twelve digits (for comparing results exactly).
    public static let exact = MoneyRounding(fractionDigits: ExactDecimal.fractionDigits, rule: .halfEven)

    public func callAsFunction(_ value: ExactDecimal) -> ExactDecimal { value.rounded(toFractionDigits: fractionDigits, rule) }

    public func callAsFunction(_ price: Price) -> Price {
        Price(exclVAT: self(price.exclVAT), inclVAT: price.inclVAT.map { self($0) })
    }
}

/// What a session costs under a tariff: the OCPI CDR totals and every priced piece of the session.
public struct SessionCost: Sendable, Hashable, Codable {
    public var currency: String
    public var totalCost: Price
    public var totalFixedCost: Price
    /// kWh.
    public var totalEnergy: ExactDecimal
    public var totalEnergyCost: Price
    /// Hours, the whole session (charging and not).
    public var totalTime: ExactDecimal
    public var totalTimeCost: Price
    /// Hours not charging.
    public var totalParkingTime: ExactDecimal
    public var totalParkingCost: Price
    /// Set when `min_price` or `max_price` changed the total: the total before it did.
    public var totalBeforeLimit: Price?
    /// The session in pieces within which no price changes, each with what it was billed.
    public var pricedPeriods: [PricedPeriod]

    enum CodingKeys: String, CodingKey {
        case currency
        case totalCost = "total_cost"
        case totalFixedCost = "total_fixed_cost"
        case totalEnergy = "total_energy"
        case totalEnergyCost = "total_energy_cost"
        case totalTime = "total_time"
        case totalTimeCost = "total_time_cost"
        case totalParkingTime = "total_parking_time"
        case totalParkingCost = "total_parking_cost"
        case totalBeforeLimit = "total_before_limit"
        case pricedPeriods = "priced_periods"
    }
}

/// A piece of a session and what each dimension billed in it.
public struct PricedPeriod: Sendable, Hashable, Codable {
    public var startDateTime: Date
    public var endDateTime: Date
    public var components: [PricedComponent]

    enum CodingKeys: String, CodingKey {
        case startDateTime = "start_date_time"
        case endDateTime = "end_date_time"
        case components
    }
}

/// One dimension billed in a piece: by which element, how much (kWh, hours or 1 session), at what price.
public struct PricedComponent: Sendable, Hashable, Codable {
    public var type: TariffDimension
    /// The index of the tariff element whose price applied.
    public var element: Int
    /// What was billed, including what `step_size` rounded up.
    public var volume: ExactDecimal
    public var price: ExactDecimal
    public var vat: ExactDecimal?
    public var cost: Price

    enum CodingKeys: String, CodingKey {
        case type, element, volume, price, vat, cost
    }
}
