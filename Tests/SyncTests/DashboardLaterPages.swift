import CloudCore
import HTTPTypes

extension DashboardTests {
    /// A station's life (issue 17) and what roaming added (issue 18), in the dashboard's page table: who may open or
    /// post them.
    static let laterPages: [Page] = [
        Page(path: "/sites/s1/stations/CP1/registration", needs: .configure, site: "s1"),
        Page(path: "/sites/s2/stations/CP2/registration", needs: .configure, site: "s2"),
        Page(
            path: "/sites/s1/stations/CP1/registration", needs: .configure, site: "s1", method: .post,
            form: "maxCurrentA=16&phases=3&rotation=L2L3L1"),
        Page(path: "/sites/s1/stations/CP1/retire", needs: .configure, site: "s1", method: .post, form: "confirm=1"),
        Page(path: "/sites/s1/stations/CP1/password", needs: .configure, site: "s1", method: .post, form: "go=1"),
        Page(path: "/sites/s1/stations/CP1/diagnostics", needs: .configure, site: "s1", method: .post, form: "go=1"),
        Page(path: "/sites/s1/stations/CP1/move", needs: .admin, site: "s1", method: .post, form: "site=s1", redirects: true),
        Page(
            path: "/sites/s1/stations/CP1/connector-types", needs: .configure, site: "s1", method: .post,
            form: "c1-standard=IEC_62196_T2_COMBO&c1-format=CABLE&c1-powerType=DC&c1-maxVoltage=920&c1-maxAmperage=200",
            redirects: true),
        // The session still runs: not billed yet (409).
        Page(path: "/sessions/s1/7/corrections", needs: .configure, site: "s1", method: .post, form: "reason=x&reprice=1"),
        // No ocpi: section here: refused (409).
        Page(path: "/roaming/p1/tokens", needs: .admin, site: nil, method: .post, form: "go=1"),
    ]
}
