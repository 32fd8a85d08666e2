import Foundation
import OCPP

/// One sample payload: a value of a concrete OCPP 1.6 message type, named after its schema file.
struct Sample: Sendable, CustomStringConvertible {
    /// The schema file's base name, e.g. `BootNotification` or `BootNotificationResponse`.
    let name: String
    /// `full` (every optional field filled) or `minimal` (required fields only).
    let variant: String
    /// The message.
    let value: any Codable & Sendable
    /// Encodes the value, decodes it back as its own type and tells whether the result equals the original.
    let roundTrip: @Sendable () throws -> Bool

    init<Message: Codable & Sendable & Equatable>(name: String, variant: String, value: Message) {
        self.name = name
        self.variant = variant
        self.value = value
        roundTrip = {
            let data = try OCPPJSON.makeEncoder().encode(value)
            return try OCPPJSON.makeDecoder().decode(Message.self, from: data) == value
        }
    }

    /// The value as OCPP JSON.
    func json() throws -> Data {
        try OCPPJSON.makeEncoder().encode(value)
    }

    var description: String { "\(name).\(variant)" }
}

/// A full and a minimal request and response of every OCPP 1.6 action.
enum OCPP16Samples {
    static let all: [Sample] =
        core() + coreFromMeterValues() + coreFromStartTransaction() + firmwareManagement() + localAuthList() + reservation()
        + smartCharging()
        + remoteTrigger() + security()

    static let idTag: CiString20 = "04A1B2C3D4"
    /// 2025-11-24T16:00:00.123Z
    static let now = Date(timeIntervalSince1970: 1_764_000_000.123)
    /// 2025-11-24T15:00:00.250Z
    static let anHourAgo = Date(timeIntervalSince1970: 1_763_996_400.25)
    /// 2025-11-24T17:00:00.750Z
    static let inAnHour = Date(timeIntervalSince1970: 1_764_003_600.75)
    /// 2025-11-24T00:00:00.000Z
    static let midnight = Date(timeIntervalSince1970: 1_763_942_400)
    /// 2025-12-01T00:00:00.000Z
    static let nextMonth = Date(timeIntervalSince1970: 1_764_547_200)

    static let fullIdTagInfo = OCPP16.IdTagInfo(
        expiryDate: Date(timeIntervalSince1970: 1_767_225_599.5), parentIdTag: "FLEET-NL-0042", status: .accepted)

    /// A daily-recurring transaction profile with every optional field filled.
    static let fullChargingProfile = OCPP16.ChargingProfile(
        chargingProfileId: 7, transactionId: 1042, stackLevel: 2, chargingProfilePurpose: .txProfile,
        chargingProfileKind: .recurring, recurrencyKind: .daily, validFrom: midnight, validTo: nextMonth,
        chargingSchedule: OCPP16.ChargingSchedule(
            duration: 86_400, startSchedule: midnight, chargingRateUnit: .a,
            chargingSchedulePeriod: [
                OCPP16.ChargingSchedulePeriod(startPeriod: 0, limit: 32.0, numberPhases: 3),
                OCPP16.ChargingSchedulePeriod(startPeriod: 61_200, limit: 10.0, numberPhases: 1),
            ],
            minChargingRate: 6.0))

    static let minimalChargingProfile = OCPP16.ChargingProfile(
        chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: .chargePointMaxProfile,
        chargingProfileKind: .absolute,
        chargingSchedule: OCPP16.ChargingSchedule(
            chargingRateUnit: .a, chargingSchedulePeriod: [OCPP16.ChargingSchedulePeriod(startPeriod: 0, limit: 32.0)]))

    /// Readings of one moment with every optional field of every sampled value filled.
    static func fullMeterValue(
        at timestamp: Date, context: OCPP16.ReadingContext, energy: String
    ) -> OCPP16.MeterValue {
        OCPP16.MeterValue(
            timestamp: timestamp,
            sampledValue: [
                OCPP16.SampledValue(
                    value: energy, context: context, format: .raw, measurand: .energyActiveImportRegister, phase: .l1,
                    location: .outlet, unit: .kWh),
                OCPP16.SampledValue(
                    value: "15.9", context: context, format: .raw, measurand: .currentImport, phase: .l1,
                    location: .outlet, unit: .a),
                OCPP16.SampledValue(
                    value: "230.4", context: context, format: .raw, measurand: .voltage, phase: .l1N, location: .inlet,
                    unit: .v),
            ])
    }

    /// The four samples of one action: its full and minimal request and response.
    static func action<Request: OCPPRequest>(
        full: (Request, Request.Response), minimal: (Request, Request.Response)
    ) -> [Sample] {
        let name = Request.action
        return [
            Sample(name: name, variant: "full", value: full.0),
            Sample(name: name + "Response", variant: "full", value: full.1),
            Sample(name: name, variant: "minimal", value: minimal.0),
            Sample(name: name + "Response", variant: "minimal", value: minimal.1),
        ]
    }

    /// Core, Authorize to Heartbeat.
    static func core() -> [Sample] {
        var samples: [Sample] = []
        samples += action(
            full: (OCPP16.AuthorizeRequest(idTag: idTag), OCPP16.AuthorizeResponse(idTagInfo: fullIdTagInfo)),
            minimal: (
                OCPP16.AuthorizeRequest(idTag: "04E5F6A7B8"),
                OCPP16.AuthorizeResponse(idTagInfo: OCPP16.IdTagInfo(status: .invalid))
            ))
        samples += action(
            full: (
                OCPP16.BootNotificationRequest(
                    chargePointVendor: "Alfen", chargePointModel: "Eve Single Pro-line",
                    chargePointSerialNumber: "ACE0123456", chargeBoxSerialNumber: "ACE0123456-CB",
                    firmwareVersion: "6.4.1-4166", iccid: "8931440400012345678", imsi: "204080123456789",
                    meterType: "Eastron SDM630", meterSerialNumber: "SDM630-2025-0042"),
                OCPP16.BootNotificationResponse(status: .accepted, currentTime: now, interval: 300)
            ),
            minimal: (
                OCPP16.BootNotificationRequest(chargePointVendor: "Alfen", chargePointModel: "Eve Double"),
                OCPP16.BootNotificationResponse(status: .pending, currentTime: now, interval: 60)
            ))
        samples += action(
            full: (
                OCPP16.ChangeAvailabilityRequest(connectorId: 1, type: .inoperative),
                OCPP16.ChangeAvailabilityResponse(status: .scheduled)
            ),
            minimal: (
                OCPP16.ChangeAvailabilityRequest(connectorId: 0, type: .operative),
                OCPP16.ChangeAvailabilityResponse(status: .accepted)
            ))
        samples += action(
            full: (
                OCPP16.ChangeConfigurationRequest(key: "HeartbeatInterval", value: "300"),
                OCPP16.ChangeConfigurationResponse(status: .accepted)
            ),
            minimal: (
                OCPP16.ChangeConfigurationRequest(key: "ConnectorPhaseRotation", value: "1.RST,2.STR"),
                OCPP16.ChangeConfigurationResponse(status: .rebootRequired)
            ))
        samples += action(
            full: (OCPP16.ClearCacheRequest(), OCPP16.ClearCacheResponse(status: .accepted)),
            minimal: (OCPP16.ClearCacheRequest(), OCPP16.ClearCacheResponse(status: .rejected)))
        samples += action(
            full: (
                OCPP16.DataTransferRequest(
                    vendorId: "com.alfen", messageId: "GetMaxCurrent", data: #"{"connector":1}"#),
                OCPP16.DataTransferResponse(status: .accepted, data: #"{"maxCurrent":32}"#)
            ),
            minimal: (
                OCPP16.DataTransferRequest(vendorId: "com.example.unknown"),
                OCPP16.DataTransferResponse(status: .unknownVendorId)
            ))
        samples += action(
            full: (
                OCPP16.GetConfigurationRequest(key: ["HeartbeatInterval", "NumberOfConnectors", "Alfen-Unknown"]),
                OCPP16.GetConfigurationResponse(
                    configurationKey: [
                        OCPP16.KeyValue(key: "HeartbeatInterval", readonly: false, value: "300"),
                        OCPP16.KeyValue(key: "NumberOfConnectors", readonly: true, value: "2"),
                    ],
                    unknownKey: ["Alfen-Unknown"])
            ),
            minimal: (OCPP16.GetConfigurationRequest(), OCPP16.GetConfigurationResponse()))
        samples += action(
            full: (OCPP16.HeartbeatRequest(), OCPP16.HeartbeatResponse(currentTime: now)),
            minimal: (OCPP16.HeartbeatRequest(), OCPP16.HeartbeatResponse(currentTime: midnight)))
        return samples
    }

    /// Core, MeterValues to Reset.
    static func coreFromMeterValues() -> [Sample] {
        var samples: [Sample] = []
        samples += action(
            full: (
                OCPP16.MeterValuesRequest(
                    connectorId: 1, transactionId: 1042,
                    meterValue: [fullMeterValue(at: now, context: .samplePeriodic, energy: "1245.200")]),
                OCPP16.MeterValuesResponse()
            ),
            minimal: (
                OCPP16.MeterValuesRequest(
                    connectorId: 0,
                    meterValue: [
                        OCPP16.MeterValue(timestamp: now, sampledValue: [OCPP16.SampledValue(value: "1245200")])
                    ]
                ),
                OCPP16.MeterValuesResponse()
            ))
        samples += action(
            full: (
                OCPP16.RemoteStartTransactionRequest(
                    connectorId: 1, idTag: idTag, chargingProfile: fullChargingProfile),
                OCPP16.RemoteStartTransactionResponse(status: .accepted)
            ),
            minimal: (
                OCPP16.RemoteStartTransactionRequest(idTag: idTag),
                OCPP16.RemoteStartTransactionResponse(status: .rejected)
            ))
        samples += action(
            full: (
                OCPP16.RemoteStopTransactionRequest(transactionId: 1042),
                OCPP16.RemoteStopTransactionResponse(status: .accepted)
            ),
            minimal: (
                OCPP16.RemoteStopTransactionRequest(transactionId: 1),
                OCPP16.RemoteStopTransactionResponse(status: .rejected)
            ))
        samples += action(
            full: (OCPP16.ResetRequest(type: .soft), OCPP16.ResetResponse(status: .accepted)),
            minimal: (OCPP16.ResetRequest(type: .hard), OCPP16.ResetResponse(status: .rejected)))
        return samples
    }

    /// Core, StartTransaction to UnlockConnector.
    static func coreFromStartTransaction() -> [Sample] {
        var samples: [Sample] = []
        samples += action(
            full: (
                OCPP16.StartTransactionRequest(
                    connectorId: 1, idTag: idTag, meterStart: 1_239_100, reservationId: 17, timestamp: anHourAgo),
                OCPP16.StartTransactionResponse(idTagInfo: fullIdTagInfo, transactionId: 1042)
            ),
            minimal: (
                OCPP16.StartTransactionRequest(connectorId: 2, idTag: idTag, meterStart: 0, timestamp: now),
                OCPP16.StartTransactionResponse(idTagInfo: OCPP16.IdTagInfo(status: .concurrentTx), transactionId: 1043)
            ))
        samples += action(
            full: (
                OCPP16.StatusNotificationRequest(
                    connectorId: 2, errorCode: .groundFailure, info: "RCD tripped", status: .faulted, timestamp: now,
                    vendorId: "com.alfen", vendorErrorCode: "E-214"),
                OCPP16.StatusNotificationResponse()
            ),
            minimal: (
                OCPP16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .suspendedEV),
                OCPP16.StatusNotificationResponse()
            ))
        samples += action(
            full: (
                OCPP16.StopTransactionRequest(
                    idTag: idTag, meterStop: 1_251_300, timestamp: inAnHour, transactionId: 1042,
                    reason: .evDisconnected,
                    transactionData: [
                        fullMeterValue(at: anHourAgo, context: .transactionBegin, energy: "1239.100"),
                        fullMeterValue(at: inAnHour, context: .transactionEnd, energy: "1251.300"),
                    ]),
                OCPP16.StopTransactionResponse(idTagInfo: fullIdTagInfo)
            ),
            minimal: (
                OCPP16.StopTransactionRequest(meterStop: 1_251_300, timestamp: inAnHour, transactionId: 1042),
                OCPP16.StopTransactionResponse()
            ))
        samples += action(
            full: (OCPP16.UnlockConnectorRequest(connectorId: 1), OCPP16.UnlockConnectorResponse(status: .unlocked)),
            minimal: (
                OCPP16.UnlockConnectorRequest(connectorId: 2), OCPP16.UnlockConnectorResponse(status: .unlockFailed)
            ))
        return samples
    }

    static func firmwareManagement() -> [Sample] {
        var samples: [Sample] = []
        samples += action(
            full: (
                OCPP16.GetDiagnosticsRequest(
                    location: "ftp://diag.gridside.example/uploads/", retries: 3, retryInterval: 120,
                    startTime: midnight, stopTime: now),
                OCPP16.GetDiagnosticsResponse(fileName: "diagnostics-ACE0123456-20251124.zip")
            ),
            minimal: (
                OCPP16.GetDiagnosticsRequest(location: "https://diag.gridside.example/uploads/"),
                OCPP16.GetDiagnosticsResponse()
            ))
        samples += action(
            full: (
                OCPP16.DiagnosticsStatusNotificationRequest(status: .uploaded),
                OCPP16.DiagnosticsStatusNotificationResponse()
            ),
            minimal: (
                OCPP16.DiagnosticsStatusNotificationRequest(status: .idle),
                OCPP16.DiagnosticsStatusNotificationResponse()
            ))
        samples += action(
            full: (
                OCPP16.FirmwareStatusNotificationRequest(status: .installed),
                OCPP16.FirmwareStatusNotificationResponse()
            ),
            minimal: (
                OCPP16.FirmwareStatusNotificationRequest(status: .downloading),
                OCPP16.FirmwareStatusNotificationResponse()
            ))
        samples += action(
            full: (
                OCPP16.UpdateFirmwareRequest(
                    location: "https://firmware.gridside.example/alfen/6.5.0-4201.bin", retries: 3,
                    retrieveDate: inAnHour, retryInterval: 300),
                OCPP16.UpdateFirmwareResponse()
            ),
            minimal: (
                OCPP16.UpdateFirmwareRequest(
                    location: "https://firmware.gridside.example/alfen/6.5.0-4201.bin", retrieveDate: now),
                OCPP16.UpdateFirmwareResponse()
            ))
        return samples
    }

    static func security() -> [Sample] {
        var samples: [Sample] = []
        samples += action(
            full: (
                OCPP16.SignedUpdateFirmwareRequest(
                    requestId: 42,
                    firmware: OCPP16.Firmware(
                        location: "https://cloud.gridside.example/firmware/ab12/6.5.0.bin", retrieveDateTime: now,
                        installDateTime: inAnHour,
                        signingCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                        signature: "MEUCIQDx"),
                    retries: 3, retryInterval: 120),
                OCPP16.SignedUpdateFirmwareResponse(status: .invalidCertificate)
            ),
            minimal: (
                OCPP16.SignedUpdateFirmwareRequest(
                    requestId: 1,
                    firmware: OCPP16.Firmware(
                        location: "https://x.example/f.bin", retrieveDateTime: now, signingCertificate: "PEM",
                        signature: "c2ln")),
                OCPP16.SignedUpdateFirmwareResponse(status: .accepted)
            ))
        samples += action(
            full: (
                OCPP16.SignedFirmwareStatusNotificationRequest(status: .signatureVerified, requestId: 42),
                OCPP16.SignedFirmwareStatusNotificationResponse()
            ),
            minimal: (
                OCPP16.SignedFirmwareStatusNotificationRequest(status: .idle),
                OCPP16.SignedFirmwareStatusNotificationResponse()
            ))
        samples += action(
            full: (
                OCPP16.SecurityEventNotificationRequest(
                    type: "InvalidFirmwareSignature", timestamp: now, techInfo: "signature does not match the image"),
                OCPP16.SecurityEventNotificationResponse()
            ),
            minimal: (
                OCPP16.SecurityEventNotificationRequest(type: "StartupOfTheDevice", timestamp: now),
                OCPP16.SecurityEventNotificationResponse()
            ))
        return samples
    }

    static func localAuthList() -> [Sample] {
        var samples: [Sample] = []
        samples += action(
            full: (OCPP16.GetLocalListVersionRequest(), OCPP16.GetLocalListVersionResponse(listVersion: 12)),
            minimal: (OCPP16.GetLocalListVersionRequest(), OCPP16.GetLocalListVersionResponse(listVersion: 0)))
        samples += action(
            full: (
                OCPP16.SendLocalListRequest(
                    listVersion: 13,
                    localAuthorizationList: [
                        OCPP16.AuthorizationData(idTag: idTag, idTagInfo: fullIdTagInfo),
                        OCPP16.AuthorizationData(
                            idTag: "04E5F6A7B8",
                            idTagInfo: OCPP16.IdTagInfo(
                                expiryDate: midnight, parentIdTag: "FLEET-NL-0042", status: .blocked)),
                    ],
                    updateType: .full),
                OCPP16.SendLocalListResponse(status: .accepted)
            ),
            minimal: (
                OCPP16.SendLocalListRequest(listVersion: 14, updateType: .differential),
                OCPP16.SendLocalListResponse(status: .versionMismatch)
            ))
        return samples
    }

    static func reservation() -> [Sample] {
        var samples: [Sample] = []
        samples += action(
            full: (
                OCPP16.ReserveNowRequest(
                    connectorId: 1, expiryDate: inAnHour, idTag: idTag, parentIdTag: "FLEET-NL-0042",
                    reservationId: 17),
                OCPP16.ReserveNowResponse(status: .accepted)
            ),
            minimal: (
                OCPP16.ReserveNowRequest(connectorId: 0, expiryDate: inAnHour, idTag: idTag, reservationId: 18),
                OCPP16.ReserveNowResponse(status: .occupied)
            ))
        samples += action(
            full: (
                OCPP16.CancelReservationRequest(reservationId: 17), OCPP16.CancelReservationResponse(status: .accepted)
            ),
            minimal: (
                OCPP16.CancelReservationRequest(reservationId: 18), OCPP16.CancelReservationResponse(status: .rejected)
            ))
        return samples
    }

    static func smartCharging() -> [Sample] {
        var samples: [Sample] = []
        samples += action(
            full: (
                OCPP16.SetChargingProfileRequest(connectorId: 1, csChargingProfiles: fullChargingProfile),
                OCPP16.SetChargingProfileResponse(status: .accepted)
            ),
            minimal: (
                OCPP16.SetChargingProfileRequest(connectorId: 0, csChargingProfiles: minimalChargingProfile),
                OCPP16.SetChargingProfileResponse(status: .notSupported)
            ))
        samples += action(
            full: (
                OCPP16.ClearChargingProfileRequest(
                    id: 7, connectorId: 1, chargingProfilePurpose: .txDefaultProfile, stackLevel: 2),
                OCPP16.ClearChargingProfileResponse(status: .accepted)
            ),
            minimal: (OCPP16.ClearChargingProfileRequest(), OCPP16.ClearChargingProfileResponse(status: .unknown)))
        samples += action(
            full: (
                OCPP16.GetCompositeScheduleRequest(connectorId: 1, duration: 3600, chargingRateUnit: .w),
                OCPP16.GetCompositeScheduleResponse(
                    status: .accepted, connectorId: 1, scheduleStart: now,
                    chargingSchedule: OCPP16.ChargingSchedule(
                        duration: 3600, startSchedule: now, chargingRateUnit: .w,
                        chargingSchedulePeriod: [
                            OCPP16.ChargingSchedulePeriod(startPeriod: 0, limit: 11_000.0, numberPhases: 3),
                            OCPP16.ChargingSchedulePeriod(startPeriod: 1800, limit: 7_400.0, numberPhases: 1),
                        ],
                        minChargingRate: 1_380.0))
            ),
            minimal: (
                OCPP16.GetCompositeScheduleRequest(connectorId: 0, duration: 86_400),
                OCPP16.GetCompositeScheduleResponse(status: .rejected)
            ))
        return samples
    }

    static func remoteTrigger() -> [Sample] {
        action(
            full: (
                OCPP16.TriggerMessageRequest(requestedMessage: .statusNotification, connectorId: 1),
                OCPP16.TriggerMessageResponse(status: .accepted)
            ),
            minimal: (
                OCPP16.TriggerMessageRequest(requestedMessage: .heartbeat),
                OCPP16.TriggerMessageResponse(status: .notImplemented)
            ))
    }
}
