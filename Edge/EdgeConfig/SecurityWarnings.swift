import MQTT
import SiteModel

extension EdgeConfiguration {
    /// What in this configuration leaves the site open, in words an installer acts on (naming the key); `check` prints
    /// them and `run` logs them at start. None stops the edge: a demo or a closed network may choose so knowingly.
    public var securityWarnings: [String] {
        var warnings: [String] = []
        let everyStationHasAPassword = !stations.isEmpty && stations.allSatisfy { $0.passwordHash != nil }
        if !ocpp.basicAuth, ocpp.unknownStations == .accept, !everyStationHasAPassword {
            warnings.append(
                "ocpp: stations connect without a password and unknown ones are accepted (security profile 0): any "
                    + "device on the network can connect as a charger, or replace one; set ocpp.basic_auth: true, or "
                    + "ocpp.unknown_stations: pending")
        }
        let withoutPassword = stations.filter { $0.passwordHash == nil }.map(\.id)
        if ocpp.basicAuth, ocpp.tls?.clientCA == nil, !withoutPassword.isEmpty {
            warnings.append(
                "stations: ocpp.basic_auth is on (the default), so \(withoutPassword.joined(separator: ", ")) cannot connect "
                    + "until each has a password_hash (echo -n 'its password' | gridside-edge hash-password)")
        }
        if ocpp.tls == nil, !Self.isLoopback(ocpp.host) {
            warnings.append(
                "ocpp.listen: chargers connect over plain ws:// on \(ocpp.host), so their passwords and messages cross "
                    + "the network in clear; add ocpp.tls (security profile 2)")
        }
        if !Self.isLoopback(http.host) {
            warnings.append(
                "http.listen: the local HTTP interface on \(http.host) is open to the network; every request but /healthz "
                    + "needs its token, which crosses the network in clear with any OCPP command: keep it on 127.0.0.1")
        }
        for station in stations {
            if let problem = StationIdentity.problem(station.id) {
                warnings.append(
                    "stations: \(station.id.debugDescription) \(problem); it is kept because it is listed here, but rename it "
                        + "(in the charger too)")
            }
        }
        if let cloud, !cloud.broker.tls, !Self.isLoopback(cloud.broker.host) {
            warnings.append(
                "cloud.broker: mqtt:// to \(cloud.broker.host) sends the site's password, commands and sessions in clear; "
                    + "use mqtts://")
        }
        return warnings
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
