public import Foundation

// The Smart Charging profile: charging profiles and the schedules they combine into.
extension OCPP16 {
    /// Installs a charging profile on a connector, or on the whole charge point for connector 0
    /// (SetChargingProfile.req).
    public struct SetChargingProfileRequest: OCPPRequest {
        public typealias Response = SetChargingProfileResponse
        public static let action = "SetChargingProfile"
        /// The connector the profile applies to, or 0 for the charge point.
        public var connectorId: Int
        /// The profile.
        public var csChargingProfiles: ChargingProfile

        public init(connectorId: Int, csChargingProfiles: ChargingProfile) {
            self.connectorId = connectorId
            self.csChargingProfiles = csChargingProfiles
        }
    }

    /// Whether the profile was installed (SetChargingProfile.conf).
    public struct SetChargingProfileResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: ChargingProfileStatus

        public init(status: ChargingProfileStatus) {
            self.status = status
        }
    }

    /// Removes the charging profiles that match every criterion given; none given removes them all
    /// (ClearChargingProfile.req).
    public struct ClearChargingProfileRequest: OCPPRequest {
        public typealias Response = ClearChargingProfileResponse
        public static let action = "ClearChargingProfile"
        /// The profile to remove, by its `chargingProfileId`; when given, the other criteria are ignored.
        public var id: Int?
        /// The connector whose profiles to remove, or 0 for the charge point's.
        public var connectorId: Int?
        /// The purpose of the profiles to remove.
        public var chargingProfilePurpose: ChargingProfilePurposeType?
        /// The stack level of the profiles to remove.
        public var stackLevel: Int?

        public init(
            id: Int? = nil, connectorId: Int? = nil, chargingProfilePurpose: ChargingProfilePurposeType? = nil,
            stackLevel: Int? = nil
        ) {
            self.id = id
            self.connectorId = connectorId
            self.chargingProfilePurpose = chargingProfilePurpose
            self.stackLevel = stackLevel
        }
    }

    /// Whether any profile was removed (ClearChargingProfile.conf).
    public struct ClearChargingProfileResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: ClearChargingProfileStatus

        public init(status: ClearChargingProfileStatus) {
            self.status = status
        }
    }

    /// Asks for the schedule that results from all profiles of a connector over the coming period
    /// (GetCompositeSchedule.req).
    public struct GetCompositeScheduleRequest: OCPPRequest {
        public typealias Response = GetCompositeScheduleResponse
        public static let action = "GetCompositeSchedule"
        /// The connector, or 0 for the charge point's total expected consumption from the grid.
        public var connectorId: Int
        /// How many seconds from now the schedule should cover.
        public var duration: Int
        /// The unit to express the schedule in.
        public var chargingRateUnit: ChargingRateUnitType?

        public init(connectorId: Int, duration: Int, chargingRateUnit: ChargingRateUnitType? = nil) {
            self.connectorId = connectorId
            self.duration = duration
            self.chargingRateUnit = chargingRateUnit
        }
    }

    /// The composite schedule of a connector (GetCompositeSchedule.conf).
    public struct GetCompositeScheduleResponse: Codable, Sendable, Equatable {
        /// Whether the schedule could be computed.
        public var status: GetCompositeScheduleStatus
        /// The connector the schedule is for.
        public var connectorId: Int?
        /// When the periods of the schedule are counted from.
        public var scheduleStart: Date?
        /// The schedule.
        public var chargingSchedule: ChargingSchedule?

        public init(
            status: GetCompositeScheduleStatus, connectorId: Int? = nil, scheduleStart: Date? = nil,
            chargingSchedule: ChargingSchedule? = nil
        ) {
            self.status = status
            self.connectorId = connectorId
            self.scheduleStart = scheduleStart
            self.chargingSchedule = chargingSchedule
        }
    }
}
