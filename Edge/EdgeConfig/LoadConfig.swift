import ConfigReading
import Foundation
import LoadManagement
import Meters
import SiteModel
import Yams

// The grid connection, the meters, load management and each charger's wiring.
extension ConfigReader {
    mutating func grid(_ node: Node?) -> EdgeConfiguration.Grid? {
        guard let grid = mapping(node, at: "grid", allowed: ["phases", "voltage", "limit_a", "limit_kw", "margin_a"]) else {
            return nil
        }
        let phases = integer(grid["phases"], at: "grid.phases", in: 1...3, default: 3)
        if phases == 2 { problem("grid.phases", "must be 1 or 3") }
        if grid["limit_a"] == nil { problem("grid.limit_a", "is required: the main fuse in A per phase") }
        return .init(
            phases: phases,
            voltage: number(grid["voltage"], at: "grid.voltage", in: 100...400, default: 230)!,
            limit: number(grid["limit_a"], at: "grid.limit_a", in: 6...4000, default: 0)!,
            limitKW: number(grid["limit_kw"], at: "grid.limit_kw", in: 1...10_000, default: nil),
            margin: number(grid["margin_a"], at: "grid.margin_a", in: 0...1000, default: 0)!)
    }

    mutating func meters(_ node: Node?) -> [MeterSettings] {
        guard let list = sequence(node, at: "meters") else { return [] }
        var seen = Set<String>()
        return list.enumerated().compactMap { index, item -> MeterSettings? in
            let at = "meters[\(index)]"
            guard
                let entry = mapping(
                    item, at: at,
                    allowed: [
                        "name", "role", "url", "unit", "profile", "registers", "max_registers_per_read", "poll_interval_ms",
                        "timeout_ms",
                    ])
            else { return nil }
            let name = string(entry["name"], at: "\(at).name", default: "meter\(index + 1)") ?? ""
            if !seen.insert(name).inserted { problem("\(at).name", "meter \"\(name)\" is listed twice") }
            let role = enumeration(entry["role"], at: "\(at).role", default: MeterRole.grid)
            var address: ModbusAddress?
            if let url = string(entry["url"], at: "\(at).url") {
                do {
                    address = try ModbusAddress(parsing: url)
                } catch {
                    problem("\(at).url", "\(error)")
                }
            }
            let unit = integer(entry["unit"], at: "\(at).unit", in: 0...247, default: 1)
            let profileName = choice(
                entry["profile"], at: "\(at).profile", from: ["sdm630", "sdm72", "em24", "sunspec", "custom"], default: "sdm630")
            let kind: MeterKind
            switch profileName {
            case "sunspec":
                kind = .sunSpec
            case "custom":
                let fields = registerMap(entry["registers"], at: "\(at).registers")
                let limit = integer(entry["max_registers_per_read"], at: "\(at).max_registers_per_read", in: 1...125, default: 60)
                kind = .profile(MeterProfile(name: "custom", fields: fields, maxRegistersPerRead: limit))
            default:
                if entry["registers"] != nil { problem("\(at).registers", "is only used with profile: custom") }
                kind = .profile(MeterProfile.builtIn[profileName]!)
            }
            let poll = integer(entry["poll_interval_ms"], at: "\(at).poll_interval_ms", in: 50...60_000, default: 1000)
            let timeout = integer(entry["timeout_ms"], at: "\(at).timeout_ms", in: 10...10_000, default: 500)
            guard let address else { return nil }
            return MeterSettings(
                name: name, role: role, address: address, unit: unit, kind: kind, pollInterval: .milliseconds(poll),
                timeout: .milliseconds(timeout))
        }
    }

    private mutating func registerMap(_ node: Node?, at key: String) -> [RegisterField] {
        guard let list = sequence(node, at: key) else {
            problem(key, "is required with profile: custom (a list of quantity, address, type …)")
            return []
        }
        let fields: [RegisterField] = list.enumerated().compactMap { index, item -> RegisterField? in
            let at = "\(key)[\(index)]"
            guard
                let entry = mapping(
                    item, at: at, allowed: ["quantity", "phase", "address", "function", "type", "word_order", "scale"])
            else { return nil }
            let quantity = enumeration(entry["quantity"], at: "\(at).quantity", default: Quantity.current)
            if entry["quantity"] == nil { problem("\(at).quantity", "is required") }
            var phase: Int?
            if quantity.perPhase {
                phase = integer(entry["phase"], at: "\(at).phase", in: 1...3, default: 1)
                if entry["phase"] == nil { problem("\(at).phase", "is required for \(quantity.rawValue) (1, 2 or 3)") }
            } else if entry["phase"] != nil {
                problem("\(at).phase", "does not apply to \(quantity.rawValue)")
            }
            if entry["address"] == nil { problem("\(at).address", "is required") }
            let address = registerAddress(entry["address"], at: "\(at).address")
            let function = integer(entry["function"], at: "\(at).function", in: 3...4, default: 4)
            return RegisterField(
                quantity: quantity, phase: phase, table: function == 3 ? .holding : .input, address: address,
                type: enumeration(entry["type"], at: "\(at).type", default: RegisterType.float32),
                order: enumeration(entry["word_order"], at: "\(at).word_order", default: WordOrder.highFirst),
                scale: number(entry["scale"], at: "\(at).scale", in: -1e9...1e9, default: 1)!)
        }
        if !fields.contains(where: { $0.quantity == .current }) {
            problem(key, "must read the current of at least one phase (quantity: current) for load management")
        }
        return fields
    }

    /// A register address, decimal or 0x-prefixed hexadecimal.
    private mutating func registerAddress(_ node: Node?, at key: String) -> Int {
        guard let text = string(node, at: key, default: nil) else { return 0 }
        let value = text.lowercased().hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
        guard let value, (0...65_535).contains(value) else {
            problem(key, "must be a register address from 0 to 65535 (or 0x0000 to 0xFFFF), got \"\(text)\"")
            return 0
        }
        return value
    }

    mutating func loadManagement(_ node: Node?) -> EdgeConfiguration.LoadManagement {
        var settings = EdgeConfiguration.LoadManagement.off
        guard
            let entry = mapping(
                node, at: "load_management",
                allowed: [
                    "mode", "static_current_a", "strategy", "min_current_a", "failsafe_current_a", "meter_timeout_s",
                    "interval_ms",
                    "lease_s", "ramp_step_a", "hysteresis_a", "reclaim_after_s", "rotation_interval_s",
                    "meter_values_interval_s",
                ])
        else { return settings }
        let key = "load_management"
        switch choice(entry["mode"], at: "\(key).mode", from: ["off", "static", "dynamic"], default: "off") {
        case "static":
            if entry["static_current_a"] == nil { problem("\(key).static_current_a", "is required with mode: static") }
            settings.mode = .static(
                currentPerPhase: number(entry["static_current_a"], at: "\(key).static_current_a", in: 0...4000, default: 0)!)
        case "dynamic":
            settings.mode = .dynamic
        default:
            settings.mode = .off
        }
        settings.strategy = enumeration(entry["strategy"], at: "\(key).strategy", default: .equal)
        settings.minCurrent = number(entry["min_current_a"], at: "\(key).min_current_a", in: 1...80, default: 6)!
        settings.failsafeCurrent = number(entry["failsafe_current_a"], at: "\(key).failsafe_current_a", in: 0...80, default: 6)!
        settings.meterTimeout = .seconds(
            integer(entry["meter_timeout_s"], at: "\(key).meter_timeout_s", in: 1...600, default: 10))
        settings.interval = .milliseconds(
            integer(entry["interval_ms"], at: "\(key).interval_ms", in: 100...60_000, default: 1000))
        settings.leaseDuration = .seconds(integer(entry["lease_s"], at: "\(key).lease_s", in: 10...86_400, default: 60))
        settings.rampStep = number(entry["ramp_step_a"], at: "\(key).ramp_step_a", in: 0.1...100, default: 4)!
        settings.hysteresis = number(entry["hysteresis_a"], at: "\(key).hysteresis_a", in: 0...10, default: 1)!
        settings.reclaimAfter = .seconds(
            integer(entry["reclaim_after_s"], at: "\(key).reclaim_after_s", in: 5...3600, default: 60))
        settings.rotationInterval = .seconds(
            integer(entry["rotation_interval_s"], at: "\(key).rotation_interval_s", in: 60...86_400, default: 900))
        let meterValues = integer(
            entry["meter_values_interval_s"], at: "\(key).meter_values_interval_s", in: 0...3600, default: 10)
        settings.meterValuesInterval = meterValues == 0 ? nil : meterValues
        return settings
    }

    mutating func wiring(_ entry: [String: Node], at key: String) -> EdgeConfiguration.Wiring {
        var wiring = EdgeConfiguration.Wiring()
        wiring.maxCurrent = number(entry["max_current_a"], at: "\(key).max_current_a", in: 6...500, default: 32)!
        let phases = integer(entry["phases"], at: "\(key).phases", in: 1...3, default: 3)
        if phases == 2 { problem("\(key).phases", "must be 1 or 3") }
        wiring.priority = integer(entry["priority"], at: "\(key).priority", in: -100...100, default: 0)
        let rotation = string(entry["rotation"], at: "\(key).rotation", default: phases == 1 ? "L1" : "L1L2L3") ?? "L1L2L3"
        let grid = PhaseRotation.gridPhases(rotation)
        if let grid, grid.count == phases || (phases == 3 && grid.count == 3) {
            wiring.gridPhases = grid
        } else {
            let examples = phases == 1 ? "L1, L2 or L3" : "L1L2L3, L2L3L1 or L3L1L2"
            problem(
                "\(key).rotation",
                "must name the grid phase of each of the charger's \(phases) phase(s): \(examples), got \"\(rotation)\"")
            wiring.gridPhases = phases == 1 ? [0] : [0, 1, 2]
        }
        return wiring
    }

    mutating func checkLoadManagement(_ config: EdgeConfiguration) {
        let settings = config.loadManagement
        guard settings.mode != .off else { return }
        guard let grid = config.grid else {
            problem("grid", "is required when load_management.mode is not off (the main fuse: grid.limit_a)")
            return
        }
        if settings.mode == .dynamic, config.meters.isEmpty {
            problem("meters", "dynamic load management needs at least one meter (role grid or building)")
        }
        if settings.failsafeCurrent > 0, settings.failsafeCurrent < settings.minCurrent {
            problem(
                "load_management.failsafe_current_a",
                "must be 0 (pause every car) or at least min_current_a (\(settings.minCurrent.formatted()) A)")
        }
        if case .static(let current) = settings.mode, current > grid.limit {
            problem("load_management.static_current_a", "is above the main fuse (grid.limit_a = \(grid.limit.formatted()) A)")
        }
        if grid.margin >= grid.limit { problem("grid.margin_a", "leaves nothing under the fuse (grid.limit_a)") }
        if config.meters.filter({ $0.role == .grid }).count > 1 {
            problem("meters", "more than one meter has role grid; the site has one grid connection")
        }
    }
}
