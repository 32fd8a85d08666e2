import EdgeConfig
import LoadControl
import LoadManagement
import SyncContract
import Testing

/// Load-management settings changed from the cloud: checked as edge.yaml is, each problem named by its field.
@Suite struct RemoteSettingsTests {
    static func site(_ mode: EdgeConfiguration.LoadManagement.Mode = .static(currentPerPhase: 20)) -> ActiveLoadSettings {
        var settings = EdgeConfiguration.LoadManagement.off
        settings.mode = mode
        return ActiveLoadSettings(grid: .init(limit: 40, margin: 2), loadManagement: settings)
    }

    @Test func onlyTheFieldsGivenChange() throws {
        let next = try Self.site().applying(
            LoadSettings(strategy: "fifo", failsafeCurrentA: 8), hasMeter: false, fuse: 40, failsafe: 10
        ).get()
        #expect(next.loadManagement.strategy == .fifo)
        #expect(next.loadManagement.failsafeCurrent == 8)
        #expect(next.loadManagement.mode == .static(currentPerPhase: 20))
        #expect(next.grid?.limit == 40)
        #expect(
            next.described
                == LoadSettings(
                    mode: "static", staticCurrentA: 20, strategy: "fifo", gridLimitA: 40, failsafeCurrentA: 8, minCurrentA: 6))
    }

    @Test func modesSwitchBetweenStaticAndDynamic() throws {
        let dynamic = try Self.site().applying(LoadSettings(mode: "dynamic"), hasMeter: true, fuse: 40, failsafe: 10).get()
        #expect(dynamic.loadManagement.mode == .dynamic)
        let fixed = try dynamic.applying(LoadSettings(mode: "static", staticCurrentA: 16), hasMeter: true, fuse: 40, failsafe: 10)
            .get()
        #expect(fixed.loadManagement.mode == .static(currentPerPhase: 16))
        let share = try fixed.applying(LoadSettings(staticCurrentA: 30), hasMeter: true, fuse: 40, failsafe: 10).get()
        #expect(share.loadManagement.mode == .static(currentPerPhase: 30), "a new share keeps static mode")
    }

    @Test func changesThatDoNotFitTheSiteAreRefusedNamingTheField() {
        func problems(_ change: LoadSettings, on site: ActiveLoadSettings = Self.site(), hasMeter: Bool = false) -> String {
            guard case .failure(let rejected) = site.applying(change, hasMeter: hasMeter, fuse: 40, failsafe: 10) else {
                return ""
            }
            return rejected.description
        }
        #expect(problems(LoadSettings(mode: "dynamic")).contains("mode: dynamic load management needs a meter"))
        #expect(problems(LoadSettings(mode: "off")).contains("mode: must be static or dynamic"))
        #expect(problems(LoadSettings(mode: "static"), on: Self.site(.dynamic)).contains("staticCurrentA: is required"))
        #expect(
            problems(LoadSettings(staticCurrentA: 10), on: Self.site(.dynamic), hasMeter: true)
                .contains("staticCurrentA: applies only with mode static"))
        #expect(problems(LoadSettings(strategy: "random")).contains("strategy: must be one of equal, fifo, priority"))
        #expect(problems(LoadSettings(failsafeCurrentA: 3)).contains("failsafeCurrentA: must be 0"))
        #expect(problems(LoadSettings(failsafeCurrentA: 0)).isEmpty, "0 pauses every car, which is allowed")
        #expect(problems(LoadSettings(gridLimitA: 16)).contains("staticCurrentA: is above the main fuse"))
        #expect(problems(LoadSettings(gridLimitA: 2)).contains("gridLimitA: must be 6 to 4000 A"))
        #expect(
            problems(LoadSettings(gridLimitA: 63)).contains("gridLimitA: may not be above the main fuse in the edge's edge.yaml"),
            "the cloud may lower the installer's fuse, never raise it")
        #expect(problems(LoadSettings(staticCurrentA: 30, gridLimitA: 32)).isEmpty)
        #expect(
            problems(LoadSettings(failsafeCurrentA: 16)).contains(
                "failsafeCurrentA: may not be above the failsafe current in the edge's edge.yaml (10.0 A)"),
            "the cloud may lower the installer's failsafe, never raise it (security review, finding 12)")
        #expect(problems(LoadSettings(failsafeCurrentA: 10)).isEmpty)
        let both = problems(LoadSettings(strategy: "random", failsafeCurrentA: 200))
        #expect(both.contains("strategy") && both.contains("failsafeCurrentA"), "every problem at once")
    }

    @Test func loadManagementTurnedOffInEdgeYamlCannotBeChangedFromTheCloud() {
        let off = ActiveLoadSettings(grid: .init(limit: 40), loadManagement: .off)
        guard case .failure(let rejected) = off.applying(LoadSettings(strategy: "fifo"), hasMeter: true, fuse: 40, failsafe: 10)
        else {
            Issue.record("a change to a site without load management was accepted")
            return
        }
        #expect(rejected.description.contains("load management is off on this site"))
    }
}
