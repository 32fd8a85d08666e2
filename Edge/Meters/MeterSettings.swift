/// What a meter measures, which decides how the load manager reads it.
public enum MeterRole: String, Sendable, CaseIterable {
    /// The whole grid connection, chargers included: the building's own load is the meter minus what the chargers
    /// draw (from their MeterValues).
    case grid
    /// The building without the chargers.
    case building
}

/// How a meter's register map is known.
public enum MeterKind: Sendable, Equatable {
    /// A built-in profile or a register map from the config.
    case profile(MeterProfile)
    /// Found on the meter by SunSpec discovery.
    case sunSpec
}

/// One configured meter.
public struct MeterSettings: Sendable, Equatable {
    public var name: String
    public var role: MeterRole
    public var address: ModbusAddress
    /// The Modbus unit (slave) id.
    public var unit: Int
    public var kind: MeterKind
    public var pollInterval: Duration
    public var timeout: Duration

    public init(
        name: String, role: MeterRole, address: ModbusAddress, unit: Int = 1, kind: MeterKind,
        pollInterval: Duration = .seconds(1), timeout: Duration = .milliseconds(500)
    ) {
        self.name = name
        self.role = role
        self.address = address
        self.unit = unit
        self.kind = kind
        self.pollInterval = pollInterval
        self.timeout = timeout
    }

    /// The bus a meter is on: meters on one serial line (or one TCP gateway) share it and are polled in turn.
    public var busKey: String {
        switch address {
        case .tcp: "\(address)"
        case .rtu(let device, _, _, _, _): "rtu://\(device)"
        }
    }
}
