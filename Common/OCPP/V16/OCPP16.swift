/// The OCPP 1.6J message set: every request and response of the six feature profiles, and of the security extension
/// signed firmware updates and security events, typed after the official JSON schemas.
public enum OCPP16 {
    /// The requests a charge point sends to the central system.
    public static let stationInitiated: [any OCPPRequest.Type] = [
        AuthorizeRequest.self,
        BootNotificationRequest.self,
        DataTransferRequest.self,
        DiagnosticsStatusNotificationRequest.self,
        FirmwareStatusNotificationRequest.self,
        HeartbeatRequest.self,
        MeterValuesRequest.self,
        SecurityEventNotificationRequest.self,
        SignedFirmwareStatusNotificationRequest.self,
        StartTransactionRequest.self,
        StatusNotificationRequest.self,
        StopTransactionRequest.self,
    ]

    /// The requests the central system sends to a charge point.
    public static let csmsInitiated: [any OCPPRequest.Type] = [
        CancelReservationRequest.self,
        ChangeAvailabilityRequest.self,
        ChangeConfigurationRequest.self,
        ClearCacheRequest.self,
        ClearChargingProfileRequest.self,
        DataTransferRequest.self,
        GetCompositeScheduleRequest.self,
        GetConfigurationRequest.self,
        GetDiagnosticsRequest.self,
        GetLocalListVersionRequest.self,
        RemoteStartTransactionRequest.self,
        RemoteStopTransactionRequest.self,
        ReserveNowRequest.self,
        ResetRequest.self,
        SendLocalListRequest.self,
        SetChargingProfileRequest.self,
        SignedUpdateFirmwareRequest.self,
        TriggerMessageRequest.self,
        UnlockConnectorRequest.self,
        UpdateFirmwareRequest.self,
    ]

    /// The request type of `action` when sent in `direction`, or nil when OCPP 1.6 has no such request that way.
    public static func requestType(forAction action: String, direction: MessageDirection) -> (any OCPPRequest.Type)? {
        switch direction {
        case .fromStation: stationInitiated.first { $0.action == action }
        case .toStation: csmsInitiated.first { $0.action == action }
        }
    }

    /// Coding keys of a payload that has no fields: it must still be a JSON object, and is written as `{}`.
    enum NoFieldKeys: CodingKey {}
}
