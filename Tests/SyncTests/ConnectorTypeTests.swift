import CloudCore
import CloudStore
import Foundation
import HTTPTypes
import ServerSupport
import Testing

/// What a station's connectors are, as roaming partners see them: the checks, each naming its field.
@Suite struct ConnectorTypeTests {
    static let ccs = ConnectorType(
        connector: 1, standard: "IEC_62196_T2_COMBO", format: "CABLE", powerType: "DC", maxVoltage: 920, maxAmperage: 200,
        maxElectricPower: 150_000)

    @Test func aGoodListPasses() {
        var socket = Self.ccs
        socket.connector = 2
        socket.standard = "DOMESTIC_F"
        socket.format = "SOCKET"
        socket.powerType = "AC_1_PHASE"
        #expect(ConnectorType.problems([Self.ccs, socket]).isEmpty)
        #expect(ConnectorType.problems([]).isEmpty)
    }

    @Test func eachBadValueIsNamed() {
        var bad = Self.ccs
        bad.connector = 0
        bad.standard = "TYPE2"
        bad.format = "PLUG"
        bad.powerType = "AC"
        bad.maxVoltage = 0
        bad.maxAmperage = 5000
        bad.maxElectricPower = -1
        let problems = ConnectorType.problems([bad, Self.ccs, Self.ccs])
        for field in ["connector", "standard", "format", "powerType", "maxVoltage", "maxAmperage", "maxElectricPower"] {
            #expect(problems.contains { $0.hasPrefix("connectors[0].\(field):") }, "\(field) not named: \(problems)")
        }
        #expect(problems.contains("connectors[2].connector: connector 1 is given twice"))
    }
}

extension CloudAPITests {
    /// Setting what a station's connectors are, in the API's route table.
    static let connectorTypeRoutes: [Route] = [
        Route(
            method: .put, path: "/api/v1/sites/s1/stations/CP1/connector-types",
            documented: "/sites/{site}/stations/{station}/connector-types", needs: .configure,
            body: #"""
                {"connectors":[{"connector":1,"standard":"IEC_62196_T2","format":"CABLE","powerType":"AC_3_PHASE",
                "maxVoltage":230,"maxAmperage":32}]}
                """#)
    ]
}
