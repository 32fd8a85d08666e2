public import Foundation

extension OCPP16 {
    /// What the central system knows of an identifier: whether it may charge, until when, and its group.
    public struct IdTagInfo: Codable, Sendable, Equatable {
        /// When the identifier stops being valid for the authorization cache; absent means no expiry given.
        public var expiryDate: Date?
        /// The group identifier this identifier belongs to.
        public var parentIdTag: CiString20?
        /// Whether the identifier may charge.
        public var status: AuthorizationStatus

        public init(expiryDate: Date? = nil, parentIdTag: CiString20? = nil, status: AuthorizationStatus) {
            self.expiryDate = expiryDate
            self.parentIdTag = parentIdTag
            self.status = status
        }
    }

    /// One entry of the local authorization list, sent in SendLocalList.
    public struct AuthorizationData: Codable, Sendable, Equatable {
        /// The identifier the entry is for.
        public var idTag: CiString20
        /// Its authorization; in a differential update, absent means "remove this entry".
        public var idTagInfo: IdTagInfo?

        public init(idTag: CiString20, idTagInfo: IdTagInfo? = nil) {
            self.idTag = idTag
            self.idTagInfo = idTagInfo
        }
    }

    /// Meter readings all taken at the same moment.
    public struct MeterValue: Codable, Sendable, Equatable {
        /// When the values were sampled.
        public var timestamp: Date
        /// The readings; the schema of MeterValues wants at least one.
        public var sampledValue: [SampledValue]

        public init(timestamp: Date, sampledValue: [SampledValue]) {
            self.timestamp = timestamp
            self.sampledValue = sampledValue
        }
    }

    /// A single reading of a meter or sensor; the optional fields say what was measured and how.
    public struct SampledValue: Codable, Sendable, Equatable {
        /// The reading as text: a decimal number, or hex when `format` is `SignedData`.
        public var value: String
        /// Why the value was taken; absent means `Sample.Periodic`.
        public var context: ReadingContext?
        /// How `value` is to be read; absent means `Raw`.
        public var format: ValueFormat?
        /// What was measured; absent means `Energy.Active.Import.Register`.
        public var measurand: Measurand?
        /// The phase the value applies to; absent means an overall value.
        public var phase: Phase?
        /// Where the value was measured; absent means `Outlet`.
        public var location: Location?
        /// The unit of `value`; absent means `Wh`.
        public var unit: UnitOfMeasure?

        public init(
            value: String, context: ReadingContext? = nil, format: ValueFormat? = nil, measurand: Measurand? = nil,
            phase: Phase? = nil, location: Location? = nil, unit: UnitOfMeasure? = nil
        ) {
            self.value = value
            self.context = context
            self.format = format
            self.measurand = measurand
            self.phase = phase
            self.location = location
            self.unit = unit
        }
    }

    /// A limit that holds from one offset into a charging schedule until the next period starts.
    public struct ChargingSchedulePeriod: Codable, Sendable, Equatable {
        /// Seconds from the start of the schedule at which this period begins; the first period starts at 0.
        public var startPeriod: Int
        /// The charging rate limit, in the schedule's unit, with one decimal (a multiple of 0.1).
        public var limit: Double
        /// How many phases may be used; absent means 3.
        public var numberPhases: Int?

        public init(startPeriod: Int, limit: Double, numberPhases: Int? = nil) {
            self.startPeriod = startPeriod
            self.limit = limit
            self.numberPhases = numberPhases
        }
    }

    /// A list of charging rate limits over time.
    public struct ChargingSchedule: Codable, Sendable, Equatable {
        /// How long the schedule lasts, in seconds; absent means it lasts indefinitely (or until the transaction ends).
        public var duration: Int?
        /// When an absolute schedule starts.
        public var startSchedule: Date?
        /// The unit of the periods' limits.
        public var chargingRateUnit: ChargingRateUnitType
        /// The periods, in increasing order of `startPeriod`.
        public var chargingSchedulePeriod: [ChargingSchedulePeriod]
        /// The lowest rate the EV supports, in the schedule's unit, with one decimal.
        public var minChargingRate: Double?

        public init(
            duration: Int? = nil, startSchedule: Date? = nil, chargingRateUnit: ChargingRateUnitType,
            chargingSchedulePeriod: [ChargingSchedulePeriod], minChargingRate: Double? = nil
        ) {
            self.duration = duration
            self.startSchedule = startSchedule
            self.chargingRateUnit = chargingRateUnit
            self.chargingSchedulePeriod = chargingSchedulePeriod
            self.minChargingRate = minChargingRate
        }
    }

    /// A charging schedule together with what it applies to, its priority and its validity (`csChargingProfiles`).
    public struct ChargingProfile: Codable, Sendable, Equatable {
        /// Identifies the profile on the charge point; a new profile with the same id replaces the old one.
        public var chargingProfileId: Int
        /// The transaction a `TxProfile` applies to.
        public var transactionId: Int?
        /// The priority among profiles of the same purpose; higher wins. From 0.
        public var stackLevel: Int
        /// What the profile is for.
        public var chargingProfilePurpose: ChargingProfilePurposeType
        /// How the schedule is anchored in time.
        public var chargingProfileKind: ChargingProfileKindType
        /// How a recurring schedule repeats.
        public var recurrencyKind: RecurrencyKindType?
        /// When the profile starts to be valid; absent means at once.
        public var validFrom: Date?
        /// When the profile stops being valid; absent means until replaced.
        public var validTo: Date?
        /// The limits over time.
        public var chargingSchedule: ChargingSchedule

        public init(
            chargingProfileId: Int, transactionId: Int? = nil, stackLevel: Int,
            chargingProfilePurpose: ChargingProfilePurposeType, chargingProfileKind: ChargingProfileKindType,
            recurrencyKind: RecurrencyKindType? = nil, validFrom: Date? = nil, validTo: Date? = nil,
            chargingSchedule: ChargingSchedule
        ) {
            self.chargingProfileId = chargingProfileId
            self.transactionId = transactionId
            self.stackLevel = stackLevel
            self.chargingProfilePurpose = chargingProfilePurpose
            self.chargingProfileKind = chargingProfileKind
            self.recurrencyKind = recurrencyKind
            self.validFrom = validFrom
            self.validTo = validTo
            self.chargingSchedule = chargingSchedule
        }
    }

    /// One configuration key as GetConfiguration reports it.
    public struct KeyValue: Codable, Sendable, Equatable {
        /// The key's name.
        public var key: CiString50
        /// Whether the central system may not change it.
        public var readonly: Bool
        /// Its current value; absent when the key is known but not set.
        public var value: CiString500?

        public init(key: CiString50, readonly: Bool, value: CiString500? = nil) {
            self.key = key
            self.readonly = readonly
            self.value = value
        }
    }
}
