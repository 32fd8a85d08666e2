import CloudCore
import CloudStore
import Foundation
import Hummingbird
import ServerSupport

/// What a station's connectors are (standard, socket or cable, power type, ratings), set on its life page
/// (`stationRegistration.mustache`) for its Locations at roaming partners. The checks are the API's: ``ConnectorType``.
extension Dashboard {
    /// One connector's row of the form: its values, or a Type 2 socket wired as the station is.
    struct ConnectorTypeRow {
        struct Option {
            let value: String
            let selected: Bool
        }

        let connector: Int
        let standards, formats, powerTypes: [Option]
        let maxVoltage, maxAmperage, maxElectricPower: String
    }

    /// A row for each connector the station has (its reported ones, those set before; connector 1 at least).
    static func connectorTypeRows(_ station: StationView) -> [ConnectorTypeRow] {
        let set = station.connectorTypes ?? []
        let numbers = Set(station.connectors.map(\.connector).filter { $0 > 0 } + set.map(\.connector))
        return (numbers.isEmpty ? [1] : numbers.sorted()).map { number in
            let type =
                set.first { $0.connector == number }
                ?? ConnectorType(
                    connector: number, standard: "IEC_62196_T2", format: "SOCKET",
                    powerType: station.registration?.phases == 1 ? "AC_1_PHASE" : "AC_3_PHASE", maxVoltage: 230,
                    maxAmperage: Int(station.registration?.maxCurrentA ?? 32))
            func options(_ all: [String], _ chosen: String) -> [ConnectorTypeRow.Option] {
                all.map { .init(value: $0, selected: $0 == chosen) }
            }
            return ConnectorTypeRow(
                connector: number, standards: options(ConnectorType.standards, type.standard),
                formats: options(ConnectorType.formats, type.format),
                powerTypes: options(ConnectorType.powerTypes, type.powerType),
                maxVoltage: String(type.maxVoltage), maxAmperage: String(type.maxAmperage),
                maxElectricPower: type.maxElectricPower.map(String.init) ?? "")
        }
    }

    /// The connectors form: every row kept as given, each bad value refused naming its field.
    func changeConnectorTypes(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (_, _, station, form) = try await stationForm(request, context)
        var types: [ConnectorType] = []
        for number in 1...99 {
            let prefix = "c\(number)-"
            guard let standard = form.text(prefix + "standard") else { continue }
            func whole(_ field: String, required: Bool = true) throws -> Int? {
                let value = try form.number(prefix + field, as: Int.self, trimming: true, what: "a whole number")
                if required, value == nil { throw Problem(status: 400, detail: "\(prefix)\(field): required") }
                return value
            }
            types.append(
                ConnectorType(
                    connector: number, standard: standard, format: form.text(prefix + "format") ?? "",
                    powerType: form.text(prefix + "powerType") ?? "", maxVoltage: try whole("maxVoltage")!,
                    maxAmperage: try whole("maxAmperage")!, maxElectricPower: try whole("maxElectricPower", required: false)))
        }
        let problems = ConnectorType.problems(types)
        guard problems.isEmpty else { throw Problem(status: 400, detail: problems.joined(separator: "; ")) }
        guard try await repository.setConnectorTypes(station.key, types, at: Date()) else {
            throw Problem(status: 404, detail: "no station '\(station.id)'")
        }
        return Response(
            status: .seeOther, headers: [.location: "\(Self.stationPath(station))/registration?saved=connectors#connectors"])
    }
}
