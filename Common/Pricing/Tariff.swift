public import Foundation

/// A tariff in the OCPI 2.2.1 model (`mod_tariffs`, the Tariff object), so the object priced here is the one a
/// roaming partner is sent. Fields OCPI requires only for publishing (`country_code`, `party_id`, `last_updated`)
/// are optional here; ``validated()`` checks what pricing needs.
public struct Tariff: Sendable, Hashable, Codable {
    public var countryCode: String?
    public var partyID: String?
    public var id: String?
    /// The ISO 4217 code of the currency every price is in.
    public var currency: String
    public var type: TariffType?
    public var altText: [DisplayText]?
    public var altURL: String?
    /// A session costs at least this much (its total is raised to it).
    public var minPrice: Price?
    /// A session costs at most this much (its total is lowered to it).
    public var maxPrice: Price?
    public var elements: [TariffElement]
    /// When the tariff starts and stops being in force (OCPI; informative here: which tariff applies is the
    /// assignment's business).
    public var startDateTime: Date?
    public var endDateTime: Date?
    public var lastUpdated: Date?

    public init(
        id: String? = nil, currency: String, type: TariffType? = nil, minPrice: Price? = nil, maxPrice: Price? = nil,
        elements: [TariffElement]
    ) {
        self.id = id
        self.currency = currency
        self.type = type
        self.minPrice = minPrice
        self.maxPrice = maxPrice
        self.elements = elements
    }

    enum CodingKeys: String, CodingKey {
        case countryCode = "country_code"
        case partyID = "party_id"
        case id, currency, type, elements
        case altText = "tariff_alt_text"
        case altURL = "tariff_alt_url"
        case minPrice = "min_price"
        case maxPrice = "max_price"
        case startDateTime = "start_date_time"
        case endDateTime = "end_date_time"
        case lastUpdated = "last_updated"
    }
}

/// OCPI's TariffType.
public enum TariffType: String, Sendable, Hashable, Codable, CaseIterable {
    case adHocPayment = "AD_HOC_PAYMENT"
    case profileCheap = "PROFILE_CHEAP"
    case profileFast = "PROFILE_FAST"
    case profileGreen = "PROFILE_GREEN"
    case regular = "REGULAR"
}

/// A text in one language (OCPI's DisplayText).
public struct DisplayText: Sendable, Hashable, Codable {
    public var language: String
    public var text: String

    public init(language: String, text: String) {
        self.language = language
        self.text = text
    }
}

/// An amount of money without and, where known, with VAT (OCPI's Price).
public struct Price: Sendable, Hashable, Codable {
    public var exclVAT: ExactDecimal
    public var inclVAT: ExactDecimal?

    public init(exclVAT: ExactDecimal, inclVAT: ExactDecimal?) {
        self.exclVAT = exclVAT
        self.inclVAT = inclVAT
    }

    enum CodingKeys: String, CodingKey {
        case exclVAT = "excl_vat"
        case inclVAT = "incl_vat"
    }
}

/// Price components that apply together when the element's restrictions hold (OCPI's TariffElement).
public struct TariffElement: Sendable, Hashable, Codable {
    public var priceComponents: [PriceComponent]
    public var restrictions: TariffRestrictions?

    public init(priceComponents: [PriceComponent], restrictions: TariffRestrictions? = nil) {
        self.priceComponents = priceComponents
        self.restrictions = restrictions
    }

    enum CodingKeys: String, CodingKey {
        case priceComponents = "price_components"
        case restrictions
    }
}

/// What a session is billed for (OCPI's TariffDimensionType).
public enum TariffDimension: String, Sendable, Hashable, Codable, CaseIterable {
    /// Per kWh charged; `step_size` in Wh.
    case energy = "ENERGY"
    /// Once per session.
    case flat = "FLAT"
    /// Per hour not charging; `step_size` in seconds.
    case parkingTime = "PARKING_TIME"
    /// Per hour charging; `step_size` in seconds.
    case time = "TIME"
}

/// One price of one dimension (OCPI's PriceComponent).
public struct PriceComponent: Sendable, Hashable, Codable {
    public var type: TariffDimension
    /// The price per unit (kWh, hour, session), excluding VAT.
    public var price: ExactDecimal
    /// The VAT in percent; absent means no VAT applies (unlike 0, which is VAT at 0 %).
    public var vat: ExactDecimal?
    /// The block billed at least and in multiples of: Wh for energy, seconds for times; 0 or 1 bill as measured.
    public var stepSize: Int

    public init(type: TariffDimension, price: ExactDecimal, vat: ExactDecimal? = nil, stepSize: Int = 1) {
        self.type = type
        self.price = price
        self.vat = vat
        self.stepSize = stepSize
    }

    enum CodingKeys: String, CodingKey {
        case type, price, vat
        case stepSize = "step_size"
    }
}

/// OCPI's DayOfWeek.
public enum DayOfWeek: String, Sendable, Hashable, Codable, CaseIterable {
    case monday = "MONDAY"
    case tuesday = "TUESDAY"
    case wednesday = "WEDNESDAY"
    case thursday = "THURSDAY"
    case friday = "FRIDAY"
    case saturday = "SATURDAY"
    case sunday = "SUNDAY"

    /// 0 for Monday … 6 for Sunday.
    var index: Int { Self.allCases.firstIndex(of: self)! }
}

/// OCPI's ReservationRestrictionType.
public enum ReservationRestriction: String, Sendable, Hashable, Codable, CaseIterable {
    case reservation = "RESERVATION"
    case reservationExpires = "RESERVATION_EXPIRES"
}

/// When an element applies (OCPI's TariffRestrictions). Times of day and dates are read in the site's time zone;
/// lower bounds are inclusive and upper bounds exclusive, as OCPI says.
public struct TariffRestrictions: Sendable, Hashable, Codable {
    /// `HH:MM`; with an earlier `endTime` the window wraps past midnight.
    public var startTime: String?
    public var endTime: String?
    /// `YYYY-MM-DD`.
    public var startDate: String?
    public var endDate: String?
    /// The energy charged so far in the session, kWh.
    public var minKWh: ExactDecimal?
    public var maxKWh: ExactDecimal?
    /// The charging current, A.
    public var minCurrent: ExactDecimal?
    public var maxCurrent: ExactDecimal?
    /// The charging power, kW.
    public var minPower: ExactDecimal?
    public var maxPower: ExactDecimal?
    /// The time since the session started, seconds.
    public var minDuration: Int?
    public var maxDuration: Int?
    public var dayOfWeek: [DayOfWeek]?
    public var reservation: ReservationRestriction?

    public init(
        startTime: String? = nil, endTime: String? = nil, startDate: String? = nil, endDate: String? = nil,
        minKWh: ExactDecimal? = nil, maxKWh: ExactDecimal? = nil, minCurrent: ExactDecimal? = nil,
        maxCurrent: ExactDecimal? = nil, minPower: ExactDecimal? = nil, maxPower: ExactDecimal? = nil,
        minDuration: Int? = nil, maxDuration: Int? = nil, dayOfWeek: [DayOfWeek]? = nil,
        reservation: ReservationRestriction? = nil
    ) {
        self.startTime = startTime
        self.endTime = endTime
        self.startDate = startDate
        self.endDate = endDate
        self.minKWh = minKWh
        self.maxKWh = maxKWh
        self.minCurrent = minCurrent
        self.maxCurrent = maxCurrent
        self.minPower = minPower
        self.maxPower = maxPower
        self.minDuration = minDuration
        self.maxDuration = maxDuration
        self.dayOfWeek = dayOfWeek
        self.reservation = reservation
    }

    enum CodingKeys: String, CodingKey {
        case startTime = "start_time"
        case endTime = "end_time"
        case startDate = "start_date"
        case endDate = "end_date"
        case minKWh = "min_kwh"
        case maxKWh = "max_kwh"
        case minCurrent = "min_current"
        case maxCurrent = "max_current"
        case minPower = "min_power"
        case maxPower = "max_power"
        case minDuration = "min_duration"
        case maxDuration = "max_duration"
        case dayOfWeek = "day_of_week"
        case reservation
    }
}
