import ConfigReading
import EdgeConfig
import Foundation
import LoadManagement
import Meters
import Testing

@Suite struct ConfigurationTests {
    private func problems(_ yaml: String) -> [ConfigProblem] {
        do {
            _ = try EdgeConfiguration.parse(yaml: yaml)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func exampleConfigurationInTheRepositoryIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../config/edge.example.yaml"
        ).path
        let config = try EdgeConfiguration.load(path: path)
        #expect(config.site.id == "depot-north")
        #expect(config.ocpp.port == 9000)
        #expect(config.http.host == "127.0.0.1")
        #expect(config.authorization.tokens.count == 3)
        #expect(config.stations.map(\.id) == ["CP-ENTRANCE-1", "CP-ENTRANCE-2"])
    }

    @Test func defaultsApplyWhenOnlyTheSiteIsGiven() throws {
        let config = try EdgeConfiguration.parse(yaml: "site:\n  id: s1\n")
        #expect(config.ocpp.port == 9000)
        #expect(config.http.port == 9001)
        #expect(config.store.path == "/var/lib/gridside/edge.sqlite")
        #expect(config.http.tokenFile == "/var/lib/gridside/http.token")
        #expect(config.ocpp.connectionsPerAddress == 256)
        #expect(
            try EdgeConfiguration.parse(yaml: "site:\n  id: s1\nocpp:\n  connections_per_address: 2000\n").ocpp
                .connectionsPerAddress == 2000)
        // Secure by default (security review, finding 4).
        #expect(config.ocpp.unknownStations == .pending && config.ocpp.basicAuth)
        #expect(config.authorization.unknownTokens == .reject)
        #expect(config.ocpp.callTimeout == .seconds(30))
        #expect(config.ocpp.pingInterval == 60)
    }

    @Test func everyProblemIsReportedWithItsKey() {
        let found = problems(
            """
            site:
              id: "bad id!"
            ocpp:
              listen: nowhere
              unknown_stations: sometimes
              heartbeat_interval: 2
              basic_auth: maybe
              tls:
                certificate: /nonexistent/cert.pem
                key: /nonexistent/key.pem
            stations:
              - id: CP1
                password_hash: plaintext
              - id: CP1
            authorization:
              tokens:
                - id_tag: "012345678901234567890"
                  expiry: tomorrow
            colour: blue
            """)
        let keys = Set(found.map(\.key))
        for key in [
            "site.id", "ocpp.listen", "ocpp.unknown_stations", "ocpp.heartbeat_interval", "ocpp.basic_auth",
            "ocpp.tls.certificate", "ocpp.tls.key", "stations[0].password_hash", "stations[1].id",
            "authorization.tokens[0].id_tag", "authorization.tokens[0].expiry", "colour",
        ] {
            #expect(keys.contains(key), "no problem reported for \(key): \(found)")
        }
        #expect(found.first { $0.key == "ocpp.unknown_stations" }?.reason.contains("accept, pending, reject") == true)
    }

    @Test func missingSiteIdAndNonMappingFileAreNamed() {
        #expect(problems("ocpp:\n  listen: 0.0.0.0:9000\n").map(\.key) == ["site.id"])
        #expect(problems("- just\n- a list\n").map(\.key) == ["(top level)"])
        #expect(problems("site: [unclosed\n").first?.key == "(file)")
        #expect(problems("").first?.reason.contains("empty") == true)
        #expect(problems("# only a comment\n").first?.reason.contains("empty") == true)
    }

    @Test func samePortForOCPPAndHTTPIsRefused() {
        #expect(
            problems("site:\n  id: s\nocpp:\n  listen: 0.0.0.0:9000\nhttp:\n  listen: 127.0.0.1:9000\n").map(\.key) == [
                "http.listen"
            ])
    }

    @Test func loadManagementAndWiringAreReadAndChecked() throws {
        let config = try EdgeConfiguration.parse(
            yaml: """
                site: {id: s}
                grid: {limit_a: 63, margin_a: 2, limit_kw: 40}
                meters:
                  - {name: grid, role: grid, url: "rtu:///dev/ttyUSB0?baud=19200&parity=E", unit: 3, profile: em24}
                load_management: {mode: dynamic, strategy: priority, failsafe_current_a: 8}
                stations:
                  - id: CP1
                    phases: 3
                    rotation: L2L3L1
                    priority: 5
                    connectors:
                      - {id: 2, phases: 1, rotation: L3, max_current_a: 16}
                      - {id: 3, max_current_a: 20}
                """)
        #expect(config.grid?.limit == 63 && config.grid?.limitKW == 40)
        #expect(config.meters.first?.unit == 3 && config.meters.first?.role == .grid)
        #expect(config.loadManagement.mode == .dynamic && config.loadManagement.failsafeCurrent == 8)
        let station = try #require(config.stations.first)
        #expect(station.wiring(connector: 1).gridPhases == [1, 2, 0] && station.wiring(connector: 1).priority == 5)
        #expect(station.wiring(connector: 2).gridPhases == [2] && station.wiring(connector: 2).maxCurrent == 16)
        #expect(station.wiring(connector: 3).gridPhases == [1, 2, 0] && station.wiring(connector: 3).maxCurrent == 20)
        #expect(station.wiring(connector: 2).priority == 5)
    }

    @Test func loadManagementProblemsNameTheirKeys() {
        let found = problems(
            """
            site: {id: s}
            meters:
              - {name: grid, url: "http://meter", profile: sdm999}
              - {name: grid, url: "tcp://10.0.0.2", profile: custom, registers: [{quantity: power, phase: 1, address: 0xZZ}]}
            load_management: {mode: dynamic, failsafe_current_a: 3}
            stations:
              - {id: CP1, phases: 1, rotation: L1L2}
              - {id: CP2, connectors: [{phases: 3}]}
            """
        ).map(\.key)
        #expect(
            Set(found).isSuperset(of: [
                "meters[0].url", "meters[0].profile", "meters[1].name", "meters[1].registers[0].address",
                "meters[1].registers", "stations[0].rotation", "stations[1].connectors[0].id", "grid",
            ]), "\(found)")
        #expect(problems("site: {id: s}\ngrid: {limit_a: 63}\nload_management: {mode: dynamic}\n").map(\.key) == ["meters"])
        #expect(
            problems("site: {id: s}\ngrid: {limit_a: 63}\nload_management: {mode: static, static_current_a: 80}\n").map(\.key)
                == [
                    "load_management.static_current_a"
                ])
    }
}
