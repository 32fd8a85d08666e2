public import Foundation

/// What a connector is, as roaming partners and drivers need to know it (OCPI's Connector): its plug standard, socket
/// or cable, AC or DC, and its ratings. Set per station by an operator; a connector without one is taken as a Type 2
/// socket wired as the station is.
public struct ConnectorType: Codable, Sendable, Equatable {
    /// The connector's number at its station (OCPP's connectorId, 1 or more).
    public var connector: Int
    /// OCPI's ConnectorType: `IEC_62196_T2`, `IEC_62196_T2_COMBO`, `CHADEMO`, …
    public var standard: String
    /// `SOCKET` or `CABLE`.
    public var format: String
    /// `AC_1_PHASE`, `AC_2_PHASE`, `AC_2_PHASE_SPLIT`, `AC_3_PHASE` or `DC`.
    public var powerType: String
    /// V (line to neutral for AC).
    public var maxVoltage: Int
    /// A (per phase for AC).
    public var maxAmperage: Int
    /// W, when it is less than voltage × amperage × phases allows.
    public var maxElectricPower: Int?

    public init(
        connector: Int, standard: String, format: String, powerType: String, maxVoltage: Int, maxAmperage: Int,
        maxElectricPower: Int? = nil
    ) {
        self.connector = connector
        self.standard = standard
        self.format = format
        self.powerType = powerType
        self.maxVoltage = maxVoltage
        self.maxAmperage = maxAmperage
        self.maxElectricPower = maxElectricPower
    }

    /// OCPI 2.2.1's connector standards.
    public static let standards: [String] =
        [
            "CHADEMO", "CHAOJI", "GBT_AC", "GBT_DC", "IEC_60309_2_single_16", "IEC_60309_2_three_16",
            "IEC_60309_2_three_32", "IEC_60309_2_three_64", "IEC_62196_T1", "IEC_62196_T1_COMBO", "IEC_62196_T2",
            "IEC_62196_T2_COMBO", "IEC_62196_T3A", "IEC_62196_T3C", "NEMA_5_20", "NEMA_6_30", "NEMA_6_50", "NEMA_10_30",
            "NEMA_10_50", "NEMA_14_30", "NEMA_14_50", "PANTOGRAPH_BOTTOM_UP", "PANTOGRAPH_TOP_DOWN", "TESLA_R", "TESLA_S",
        ] + "ABCDEFGHIJKLMNO".map { "DOMESTIC_\($0)" }
    public static let formats = ["SOCKET", "CABLE"]
    public static let powerTypes = ["AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"]

    /// What is wrong with it, each naming the field as `connectors[index].field`.
    public func problems(at index: Int) -> [String] {
        let field = "connectors[\(index)]"
        var problems: [String] = []
        if !(1...99).contains(connector) { problems.append("\(field).connector: must be 1 to 99, got \(connector)") }
        if !Self.standards.contains(standard) {
            problems.append("\(field).standard: must be one of OCPI's connector types such as IEC_62196_T2, got \"\(standard)\"")
        }
        if !Self.formats.contains(format) { problems.append("\(field).format: must be SOCKET or CABLE, got \"\(format)\"") }
        if !Self.powerTypes.contains(powerType) {
            problems.append(
                "\(field).powerType: must be one of \(Self.powerTypes.joined(separator: ", ")), got \"\(powerType)\"")
        }
        if !(1...2000).contains(maxVoltage) { problems.append("\(field).maxVoltage: must be 1 to 2000 V, got \(maxVoltage)") }
        if !(1...2000).contains(maxAmperage) {
            problems.append("\(field).maxAmperage: must be 1 to 2000 A, got \(maxAmperage)")
        }
        if let maxElectricPower, !(1...2_000_000).contains(maxElectricPower) {
            problems.append("\(field).maxElectricPower: must be 1 to 2,000,000 W, got \(maxElectricPower)")
        }
        return problems
    }

    /// What is wrong with a station's list: each entry's problems, and a connector named twice.
    public static func problems(_ types: [ConnectorType]) -> [String] {
        var problems = types.enumerated().flatMap { $0.element.problems(at: $0.offset) }
        var seen = Set<Int>()
        for (index, type) in types.enumerated() where !seen.insert(type.connector).inserted {
            problems.append("connectors[\(index)].connector: connector \(type.connector) is given twice")
        }
        if types.count > 99 { problems.append("connectors: at most 99") }
        return problems
    }
}
