import Foundation
import Logging
import MeterIO
import Meters
import SeededRandom
import Testing

@Suite struct RegisterDecodingTests {
    @Test func everyTypeAndWordOrderRoundTrips() {
        var random = SplitMix(seed: 61851)
        for type in RegisterType.allCases {
            for order in WordOrder.allCases {
                for _ in 0..<200 {
                    let value: Double =
                        switch type {
                        case .int16: Double(Int.random(in: -32768...32767, using: &random))
                        case .uint16: Double(Int.random(in: 0...65535, using: &random))
                        case .int32: Double(Int.random(in: -2_000_000_000...2_000_000_000, using: &random))
                        case .uint32: Double(Int.random(in: 0...4_000_000_000, using: &random))
                        case .float32: Double(Float(Double.random(in: -1e6...1e6, using: &random)))
                        case .float64: Double.random(in: -1e12...1e12, using: &random)
                        }
                    let words = RegisterValue.encode(value, as: type, order: order)
                    #expect(words.count == type.words)
                    #expect(RegisterValue.decode(words, as: type, order: order) == value)
                }
            }
        }
    }

    @Test func wordOrderIsAsMetersDefineIt() {
        // 230.0 as an IEEE float is 0x43660000: Eastron sends the high word first.
        #expect(RegisterValue.decode([0x4366, 0x0000], as: .float32, order: .highFirst) == 230)
        // 70000 is 0x00011170: Carlo Gavazzi sends the low word first.
        #expect(RegisterValue.decode([0x1170, 0x0001], as: .int32, order: .lowFirst) == 70000)
        #expect(RegisterValue.decode([0xFFFF], as: .int16, order: .highFirst) == -1)
        #expect(RegisterValue.decode([0xFFFF], as: .uint16, order: .highFirst) == 65535)
    }

    @Test func readPlansRespectTheMetersLimitPerRequest() {
        for profile in [MeterProfile.sdm630, .sdm72, .em24] {
            let plan = profile.readPlan()
            #expect(plan.allSatisfy { $0.count <= profile.maxRegistersPerRead }, "\(profile.name)")
            for field in profile.fields {
                let covered = plan.contains {
                    $0.table == field.table && $0.address <= field.address
                        && field.address + field.type.words <= $0.address + $0.count
                }
                #expect(covered, "\(profile.name) \(field.quantity) at \(field.address)")
            }
        }
        #expect(MeterProfile.sdm72.readPlan().count > MeterProfile.sdm630.readPlan().count)
    }

    @Test func sunSpecDiscoveryWalksTheModelList() throws {
        // Common model 1 (66 registers), then a wye meter (203), then the end marker.
        let headers: [Int: [UInt16]] = [40002: [1, 66], 40070: [203, 105], 40177: [0xFFFF, 0]]
        let found = try #require(SunSpec.findMeter(base: 40000) { headers[$0] ?? [0xFFFF, 0] })
        #expect(found.model == 203)
        #expect(found.address == 40070)
        let profile = SunSpec.profile(model: 203, modelAddress: 40070)
        // AphA at offset 1 of the data, its scale factor A_SF at offset 4.
        var registers: [Int: UInt16] = [40073: 1234, 40076: UInt16(bitPattern: -2)]
        registers[40072 + 6] = 2301
        registers[40072 + 13] = UInt16(bitPattern: -1)
        let measurement = profile.measurement(from: [.holding: registers], at: Date())
        #expect(abs(measurement.current[0]! - 12.34) < 1e-9)
        #expect(abs(measurement.voltage[0]! - 230.1) < 1e-9)
        #expect(measurement.current[1] == nil)
    }
}

@Suite struct MeterAddressTests {
    @Test func parsesTCPAndRTU() throws {
        #expect(try ModbusAddress(parsing: "tcp://10.0.0.5") == .tcp(host: "10.0.0.5", port: 502))
        #expect(try ModbusAddress(parsing: "tcp://meter.local:1502") == .tcp(host: "meter.local", port: 1502))
        #expect(
            try ModbusAddress(parsing: "rtu:///dev/ttyUSB0?baud=19200&parity=E&stop=1")
                == .rtu(device: "/dev/ttyUSB0", baud: 19200, parity: .even, dataBits: 8, stopBits: 1))
        #expect(
            try ModbusAddress(parsing: "rtu:///dev/ttyS1")
                == .rtu(device: "/dev/ttyS1", baud: 9600, parity: .none, dataBits: 8, stopBits: 1))
    }

    @Test func explainsWhatIsWrong() {
        func problem(_ text: String) -> String {
            do {
                _ = try ModbusAddress(parsing: text)
                return ""
            } catch { return error.description }
        }
        #expect(problem("http://meter").contains("tcp:// or rtu://"))
        #expect(problem("tcp://meter:99999").contains("port"))
        #expect(problem("rtu:///dev/ttyUSB0?baud=1234").contains("baud"))
        #expect(problem("rtu:///dev/ttyUSB0?parity=X").contains("parity"))
        #expect(problem("rtu://ttyUSB0").contains("serial device"))
    }
}

@Suite struct PlausibilityTests {
    let check = Plausibility(fuse: 63)
    let now = Date()

    @Test func rejectsWhatNoMeterMeasures() {
        #expect(check.problem(with: MeterMeasurement(current: [10, 11, 12], takenAt: now), after: nil) == nil)
        #expect(
            check.problem(with: MeterMeasurement(current: [.nan, 11, 12], takenAt: now), after: nil)?.contains("current L1")
                == true)
        #expect(
            check.problem(with: MeterMeasurement(current: [10, 9000, 12], takenAt: now), after: nil)?.contains("fuse") == true)
        #expect(
            check.problem(with: MeterMeasurement(voltage: [230, -5, 230], takenAt: now), after: nil)?.contains("voltage L2")
                == true)
        let before = MeterMeasurement(importEnergy: 5_000_000, takenAt: now)
        #expect(
            check.problem(with: MeterMeasurement(importEnergy: 4_000_000, takenAt: now), after: before)?.contains("went back")
                == true)
        #expect(check.problem(with: MeterMeasurement(importEnergy: 5_000_010, takenAt: now), after: before) == nil)
    }
}

/// The edge's meter reader (libmodbus client) against the simulator's meter (libmodbus server), over real TCP.
@Suite struct LiveMeterTests {
    static let reading = MeterMeasurement(
        current: [12.5, 20.25, 7], voltage: [231, 229.5, 230], power: [2800, 4600, 1500], totalPower: 8900,
        importEnergy: 12_345_600, takenAt: Date())

    private func withServer(
        profile: MeterProfile, measurement: @escaping @Sendable () -> MeterMeasurement?,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let server = ModbusMeterServer(host: "127.0.0.1", port: 0, profile: profile, measurement: measurement)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var port: Int?
            for _ in 0..<100 {
                port = server.port
                if port != nil { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            try await body(try #require(port))
            group.cancelAll()
        }
    }

    private func probe(
        _ profile: MeterProfile, port: Int, timeout: Duration = .milliseconds(500)
    ) async throws
        -> Result<(MeterMeasurement, String), MeterError>
    {
        let settings = MeterSettings(
            name: "grid", role: .grid, address: .tcp(host: "127.0.0.1", port: port), kind: .profile(profile), timeout: timeout)
        let bus = MeterBus(
            address: settings.address, meters: [settings], board: MeterBoard(meters: [settings]),
            plausibility: Plausibility(fuse: 63), logger: Logger(label: "test"))
        return try #require(await bus.probe().first).result
    }

    @Test(arguments: ["sdm630", "sdm72", "em24"])
    func readsEveryValueOfABuiltInProfile(name: String) async throws {
        let profile = MeterProfile.builtIn[name]!
        try await withServer(profile: profile, measurement: { Self.reading }) { port in
            let (measurement, profileName) = try await probe(profile, port: port).get()
            #expect(profileName == name)
            for phase in 0..<3 {
                #expect(abs(measurement.current[phase]! - Self.reading.current[phase]!) < 0.01)
                #expect(abs(measurement.voltage[phase]! - Self.reading.voltage[phase]!) < 0.1)
                #expect(abs(measurement.power[phase]! - Self.reading.power[phase]!) < 0.1)
            }
            #expect(abs(measurement.totalPower! - 8900) < 0.1)
            #expect(abs(measurement.importEnergy! - 12_345_600) < 100)
        }
    }

    @Test func aSilentMeterTimesOut() async throws {
        try await withServer(profile: .sdm630, measurement: { nil }) { port in
            let result = try await probe(.sdm630, port: port, timeout: .milliseconds(200))
            guard case .failure(.timeout(let meter, _)) = result else {
                Issue.record("expected a timeout, got \(result)")
                return
            }
            #expect(meter == "grid")
        }
    }

    @Test func aMeterNobodyListensOnCannotConnect() async throws {
        let result = try await probe(.sdm630, port: 1)
        guard case .failure(.connect) = result else {
            Issue.record("expected a connection failure, got \(result)")
            return
        }
    }

    @Test func anImplausibleReadingIsRejected() async throws {
        var broken = Self.reading
        broken.current[1] = 50_000
        try await withServer(profile: .sdm630, measurement: { [broken] in broken }) { port in
            guard case .failure(.implausible(_, let reason)) = try await probe(.sdm630, port: port) else {
                Issue.record("expected a rejected reading")
                return
            }
            #expect(reason.contains("L2"))
        }
    }
}
