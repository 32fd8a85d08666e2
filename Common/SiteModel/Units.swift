/// Converts a value in an OCPP unit of measure to its base unit: kWh to Wh, kW to W, kvar to var, and so on.
public enum UnitConversion {
    /// The base unit and the value in it; units without a kilo form are returned as they are.
    public static func toBase(value: Double, unit: String) -> (unit: String, value: Double) {
        switch unit {
        case "kWh": ("Wh", value * 1000)
        case "kW": ("W", value * 1000)
        case "kvarh": ("varh", value * 1000)
        case "kvar": ("var", value * 1000)
        case "kVA": ("VA", value * 1000)
        default: (unit, value)
        }
    }

    /// The unit OCPP assumes when a sampled value names none, by measurand.
    public static func defaultUnit(for measurand: String) -> String {
        switch measurand {
        case let m where m.hasPrefix("Energy.Active"): "Wh"
        case let m where m.hasPrefix("Energy.Reactive"): "varh"
        case "Power.Offered": "W"
        case let m where m.hasPrefix("Power.Active"): "W"
        case let m where m.hasPrefix("Power.Reactive"): "var"
        case let m where m.hasPrefix("Current"): "A"
        case "Voltage": "V"
        case "SoC": "Percent"
        case "Frequency": "Hz"
        case "Temperature": "Celsius"
        case "RPM": "RPM"
        default: "Wh"
        }
    }
}
