public import CloudStore
public import Foundation

/// Which tariff prices a session: of the assignments in force at its start that cover its station, one for the
/// token group of its token beats one for everybody; then a station's beats its group's, a group's its site's; among
/// equals, the newest. Pure.
public enum TariffChoice {
    public static func assignment(
        among assignments: [TariffAssignment], station: StationKey, groups: Set<String>, tokenGroup: String?, at time: Date
    ) -> TariffAssignment? {
        assignments.filter { $0.inForce(at: time) }.compactMap { assignment -> (TariffAssignment, Int, Int)? in
            let tokenRank: Int
            switch assignment.tokenGroup {
            case nil: tokenRank = 1
            case let group? where group == tokenGroup: tokenRank = 0
            default: return nil
            }
            let placeRank: Int
            if let site = assignment.site, let id = assignment.station {
                guard site == station.site, id == station.station else { return nil }
                placeRank = 0
            } else if let group = assignment.group {
                guard groups.contains(group) else { return nil }
                placeRank = 1
            } else if let site = assignment.site {
                guard site == station.site else { return nil }
                placeRank = 2
            } else {
                return nil
            }
            return (assignment, tokenRank, placeRank)
        }.min { lhs, rhs in
            (lhs.1, lhs.2, -lhs.0.validFrom.timeIntervalSince1970) < (rhs.1, rhs.2, -rhs.0.validFrom.timeIntervalSince1970)
        }?.0
    }
}
