import CloudStore
import Foundation

/// Load management as the site page shows it: per phase, the grid's current, the building's own load and what the
/// cars draw over the last hours (failsafe stretches shaded), and each connector's allocation, limit and reason now,
/// from the load summaries the site's edge sends. Only for those who see the whole site.
struct LoadSection {
    struct Phase {
        let name, svg: String
    }

    struct Share {
        let station, path: String
        let connector: Int
        let allocated, limit, drawing, reason, reasonLabel: String
    }

    let hours: Int
    let mode, updated: String
    let failsafe: Bool
    let phases: [Phase]
    let shares: [Share]
    let hasShares: Bool
}

extension Dashboard {
    static let loadHours = 6

    func loadSection(site: SiteRecord, formats: Formats, strings: [String: String]) async throws -> LoadSection? {
        let now = Date()
        let series = try await repository.loadSeries(
            site: site.id, from: now - Double(Self.loadHours) * 3600, to: now, limit: 5000)
        guard let latest = series.samples.last else { return nil }
        func amperes(_ value: Double?) -> String { value.map { formats.number($0, digits: 1) + " A" } ?? "–" }
        let phases = (0..<3).map { phase in
            LoadSection.Phase(
                name: "L\(phase + 1)",
                svg: Chart.loadSVG(
                    series.samples, phase: phase, formats: formats, title: "\(strings["lm.title"] ?? "") L\(phase + 1)"))
        }
        let shares = series.connectors.map { share in
            LoadSection.Share(
                station: share.station, path: Self.stationPath(site: site.id, station: share.station),
                connector: share.connector, allocated: amperes(share.allocatedA), limit: amperes(share.limitA),
                drawing: amperes(share.drawingA), reason: share.reason,
                reasonLabel: strings["lm.reason.\(share.reason)"] ?? share.reason)
        }
        return LoadSection(
            hours: Self.loadHours, mode: latest.mode, updated: formats.dateTime(latest.time), failsafe: latest.failsafe,
            phases: phases, shares: shares, hasShares: !shares.isEmpty)
    }
}
