public import Pricing

/// How each currency's money is rounded on a session's bill: ISO 4217's minor units (2 for most, 0 for JPY, 3 for
/// KWD …) and commercial rounding (a half away from zero), unless `cloud.yaml`'s `billing.rounding` says otherwise.
public struct CurrencyRounding: Sendable, Equatable {
    public var overrides: [String: MoneyRounding]

    public init(overrides: [String: MoneyRounding] = [:]) { self.overrides = overrides }

    static let minorUnits: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0,
        "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3,
        "TND": 3,
    ]

    public func callAsFunction(_ currency: String) -> MoneyRounding {
        overrides[currency] ?? MoneyRounding(fractionDigits: Self.minorUnits[currency] ?? 2, rule: .halfUp)
    }
}
