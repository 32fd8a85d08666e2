public import Foundation
public import OCPP

/// The charging profiles a simulated charger holds, and the current limit they impose now (OCPP 1.6, 3.13).
public struct ChargingLimits: Sendable {
    private var profiles: [Int: [OCPP16.ChargingProfile]] = [:]

    public init() {}

    /// Installs a profile for a connector (0: the whole charger), replacing one with the same id or the same
    /// purpose and stack level.
    public mutating func set(_ profile: OCPP16.ChargingProfile, connectorId: Int) {
        profiles[connectorId, default: []].removeAll {
            $0.chargingProfileId == profile.chargingProfileId
                || ($0.chargingProfilePurpose == profile.chargingProfilePurpose && $0.stackLevel == profile.stackLevel)
        }
        profiles[connectorId, default: []].append(profile)
    }

    /// Removes the profiles matching every given criterion; returns how many went.
    public mutating func clear(id: Int?, connectorId: Int?, purpose: OCPP16.ChargingProfilePurposeType?, stackLevel: Int?) -> Int
    {
        var removed = 0
        for key in profiles.keys where connectorId == nil || connectorId == key {
            let before = profiles[key]!.count
            profiles[key]!.removeAll { profile in
                (id == nil || profile.chargingProfileId == id) && (purpose == nil || profile.chargingProfilePurpose == purpose)
                    && (stackLevel == nil || profile.stackLevel == stackLevel)
            }
            removed += before - profiles[key]!.count
        }
        return removed
    }

    /// Drops transaction profiles when their transaction ends.
    public mutating func endTransaction(connectorId: Int) {
        profiles[connectorId]?.removeAll { $0.chargingProfilePurpose == .txProfile }
    }

    /// The per-phase current limit in A for a connector at `now`, or nil when no profile applies.
    public func limit(connectorId: Int, transactionActive: Bool, at now: Date, voltage: Double, phases: Int) -> Double? {
        func current(of profiles: [OCPP16.ChargingProfile], purpose: OCPP16.ChargingProfilePurposeType) -> Double? {
            let candidates = profiles.filter { $0.chargingProfilePurpose == purpose }.sorted { $0.stackLevel > $1.stackLevel }
            for profile in candidates {
                if let from = profile.validFrom, now < from { continue }
                if let to = profile.validTo, now >= to { continue }
                guard let value = Self.periodLimit(profile.chargingSchedule, at: now) else { continue }
                let usedPhases = Double(Self.periodPhases(profile.chargingSchedule, at: now) ?? phases)
                return profile.chargingSchedule.chargingRateUnit == .w ? value / (voltage * usedPhases) : value
            }
            return nil
        }
        let own = profiles[connectorId] ?? []
        let site = profiles[0] ?? []
        let maxProfile = current(of: site, purpose: .chargePointMaxProfile)
        let tx =
            transactionActive
            ? (current(of: own, purpose: .txProfile) ?? current(of: own, purpose: .txDefaultProfile)
                ?? current(of: site, purpose: .txDefaultProfile))
            : (current(of: own, purpose: .txDefaultProfile) ?? current(of: site, purpose: .txDefaultProfile))
        switch (maxProfile, tx) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    private static func activePeriod(_ schedule: OCPP16.ChargingSchedule, at now: Date) -> OCPP16.ChargingSchedulePeriod? {
        let start = schedule.startSchedule ?? now
        let offset = Int(now.timeIntervalSince(start))
        if let duration = schedule.duration, offset >= duration { return nil }
        return schedule.chargingSchedulePeriod.filter { $0.startPeriod <= max(0, offset) }.max { $0.startPeriod < $1.startPeriod }
    }

    private static func periodLimit(_ schedule: OCPP16.ChargingSchedule, at now: Date) -> Double? {
        activePeriod(schedule, at: now)?.limit
    }

    private static func periodPhases(_ schedule: OCPP16.ChargingSchedule, at now: Date) -> Int? {
        activePeriod(schedule, at: now)?.numberPhases
    }
}
