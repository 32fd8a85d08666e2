import Foundation
import OCPP
public import SiteModel

/// The station port in OCPP 1.6: each request becomes the 1.6 call, each answer the port's value.
extension CentralSystem: StationPort {
    public func readConfiguration(stationId: String, keys: [String]) async throws(CommandError) -> [ConfigurationEntry] {
        let names = keys.compactMap { try? CiString50($0) }
        let answer = try await call(stationId: stationId, OCPP16.GetConfigurationRequest(key: names))
        return (answer.configurationKey ?? []).map {
            ConfigurationEntry(key: $0.key.value, value: $0.value?.value, readonly: $0.readonly)
        }
    }

    public func changeConfiguration(
        stationId: String, key: String, value: String
    ) async throws(CommandError) -> ConfigurationChange {
        let request: OCPP16.ChangeConfigurationRequest
        do {
            request = OCPP16.ChangeConfigurationRequest(key: try CiString50(key), value: try CiString500(value))
        } catch {
            throw .invalidPayload(
                action: OCPP16.ChangeConfigurationRequest.action, error: OCPPError(.propertyConstraintViolation, "\(error)"))
        }
        let answer = try await call(stationId: stationId, request)
        return switch answer.status {
        case .accepted: .accepted
        case .rejected: .rejected
        case .rebootRequired: .rebootRequired
        case .notSupported: .notSupported
        }
    }

    public func setChargingLimit(stationId: String, _ limit: ChargingLimit) async throws(CommandError) -> LimitAnswer {
        let transactionId: Int? =
            switch limit.scope {
            case .transaction(let id): id
            case .connectorDefault: nil
            }
        let profile = OCPP16.ChargingProfile(
            chargingProfileId: limit.profileId, transactionId: transactionId, stackLevel: limit.stackLevel,
            chargingProfilePurpose: transactionId == nil ? .txDefaultProfile : .txProfile, chargingProfileKind: .relative,
            validTo: limit.validTo,
            chargingSchedule: OCPP16.ChargingSchedule(
                chargingRateUnit: limit.unit == .amperes ? .a : .w,
                chargingSchedulePeriod: [
                    OCPP16.ChargingSchedulePeriod(startPeriod: 0, limit: limit.limit, numberPhases: limit.phases)
                ]))
        let answer = try await call(
            stationId: stationId,
            OCPP16.SetChargingProfileRequest(connectorId: limit.connectorId, csChargingProfiles: profile))
        return switch answer.status {
        case .accepted: .accepted
        case .rejected: .rejected
        case .notSupported: .notSupported
        }
    }

    public func replaceLocalList(
        stationId: String, version: Int, tokens: [Token]
    ) async throws(CommandError) -> String {
        let request = OCPP16.SendLocalListRequest(
            listVersion: version,
            localAuthorizationList: tokens.compactMap { token in
                guard let idTag = try? CiString20(token.idTag) else { return nil }
                return OCPP16.AuthorizationData(
                    idTag: idTag,
                    idTagInfo: OCPP16.IdTagInfo(
                        expiryDate: token.expiry, parentIdTag: token.parentIdTag.flatMap { try? CiString20($0) },
                        status: OCPP16.AuthorizationStatus(rawValue: token.status.rawValue) ?? .invalid))
            },
            updateType: .full)
        return try await call(stationId: stationId, request).status.rawValue
    }
}
