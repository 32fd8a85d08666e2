public import CloudIngest
public import CloudStore
public import Foundation
public import Logging
public import ServiceLifecycle
import SyncContract

/// Runs firmware campaigns: at each tick, sends UpdateFirmware (SignedUpdateFirmware for a signed image) to as many
/// pending stations of each running campaign as its rate allows (through the command relay, recorded with who made
/// the campaign), and follows each station's (Signed)FirmwareStatusNotifications (events from its edge) until it
/// reports Installed or a failure.
///
/// Several cloud instances may run it over one database: a target is claimed in the store before it is sent.
public struct FirmwareRollout: Service {
    let repository: any CloudRepository
    let relay: CommandRelay
    let commandTimeout: Duration
    let tick: Duration
    let logger: Logger

    public init(
        repository: any CloudRepository, relay: CommandRelay, commandTimeout: Duration, tick: Duration = .seconds(1),
        logger: Logger
    ) {
        self.repository = repository
        self.relay = relay
        self.commandTimeout = commandTimeout
        self.tick = tick
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await step(now: Date())
            } catch {
                logger.error("firmware campaigns: a step failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: tick)
        }
    }

    /// One pass over every campaign that is not over.
    public func step(now: Date) async throws {
        // A target claimed for sending by an instance that stopped before it recorded the outcome goes back to
        // pending once no answer can come any more (security review, finding 21).
        let abandoned = try await repository.releaseStaleClaims(
            claimedBefore: now - 2 * (Double(commandTimeout.components.seconds) + 1))
        if abandoned > 0 {
            logger.warning("firmware targets claimed but never sent are pending again", metadata: ["count": "\(abandoned)"])
        }
        for summary in try await repository.campaigns() where summary.state == "scheduled" || summary.state == "running" {
            guard now >= summary.startAt, let campaign = try await repository.campaign(id: summary.id) else { continue }
            if campaign.state == "scheduled" {
                try await repository.setCampaignState(id: campaign.id, state: "running", at: now)
                logger.notice("firmware campaign started", metadata: ["campaign": "\(campaign.id)", "name": "\(campaign.name)"])
            }
            let targets = campaign.targets ?? []
            try await follow(campaign, targets, now: now)
            try await dispatch(campaign, targets, now: now)
            if let current = try await repository.campaign(id: campaign.id), current.state == "running",
                (current.targets ?? []).allSatisfy({ FirmwareTarget.finalStates.contains($0.state) })
            {
                try await repository.setCampaignState(id: campaign.id, state: "finished", at: now)
                logger.notice(
                    "firmware campaign finished",
                    metadata: ["campaign": "\(campaign.id)", "progress": "\(current.progress)"])
            }
        }
    }

    /// Reads what each station that was sent the update has reported since.
    private func follow(_ campaign: FirmwareCampaign, _ targets: [FirmwareTarget], now: Date) async throws {
        for target in targets {
            guard let sentAt = target.sentAt, target.state != "pending", target.state != "sending",
                !FirmwareTarget.finalStates.contains(target.state)
            else { continue }
            // Reports the cloud received after it sent the update (the cloud's clock, not the edge's).
            let report = try await repository.firmwareStatus(station: target.key, since: sentAt)
            let state = report.map { RolloutPlan.state(after: $0.status, current: target.state) } ?? target.state
            guard let report, state != target.state else {
                // Nothing new: a station silent for longer than the limit (none since the update was sent, or the same
                // state since it last changed) is given up.
                let silent = RolloutPlan.state(of: target.state, updatedAt: target.updatedAt, now: now)
                if silent != target.state {
                    try await repository.updateTarget(
                        campaign: campaign.id, station: target.key, state: silent, sentAt: nil,
                        detail: "no new status from the station for \(Int(RolloutPlan.silenceLimit / 3600)) h", at: now)
                }
                continue
            }
            try await repository.updateTarget(
                campaign: campaign.id, station: target.key, state: state, sentAt: nil, detail: report.status, at: now)
        }
    }

    /// Sends the update to the pending stations the rate allows now, concurrently (a station that does not answer
    /// must not hold up the others).
    private func dispatch(_ campaign: FirmwareCampaign, _ targets: [FirmwareTarget], now: Date) async throws {
        let started = targets.filter { $0.state != "pending" }.count
        var budget =
            RolloutPlan.allowedByNow(
                ratePerMinute: campaign.ratePerMinute, startAt: campaign.startAt, now: now, total: targets.count) - started
        var chosen: [FirmwareTarget] = []
        for target in targets where budget > 0 && target.state == "pending" {
            // A station whose last attempt failed waits before the next.
            if target.detail != nil, let updated = target.updatedAt, now.timeIntervalSince(updated) < RolloutPlan.retryAfter {
                continue
            }
            guard try await repository.claimTarget(campaign: campaign.id, station: target.key, at: now) else { continue }
            chosen.append(target)
            budget -= 1
        }
        guard !chosen.isEmpty else { return }
        let update = try await Self.update(campaign, image: try await repository.firmwareImage(id: campaign.image), now: now)
        await withTaskGroup(of: Void.self) { group in
            for target in chosen {
                group.addTask { await send(campaign, target, update: update, now: now) }
            }
        }
    }

    /// The command a campaign sends: SignedUpdateFirmware for an image with its manufacturer's signature and
    /// certificate (the charger verifies the image before installing it: security review, finding 20), else
    /// UpdateFirmware. Download now, up to three tries.
    static func update(
        _ campaign: FirmwareCampaign, image: FirmwareImage?, now: Date
    ) throws -> (action: String, payload: String) {
        let payload: any Encodable
        let action: String
        if let signature = image?.signature, let certificate = image?.signingCertificate {
            action = "SignedUpdateFirmware"
            payload = SignedUpdateFirmware(
                requestId: requestId(of: campaign.id), retries: 3,
                firmware: .init(
                    location: campaign.location, retrieveDateTime: SyncJSON.format(now), signingCertificate: certificate,
                    signature: signature))
        } else {
            action = "UpdateFirmware"
            payload = UpdateFirmware(location: campaign.location, retrieveDate: SyncJSON.format(now), retries: 3)
        }
        return (action, String(decoding: try JSONEncoder().encode(payload), as: UTF8.self))
    }

    /// A campaign's `requestId` for SignedUpdateFirmware: the same for all its stations, from its id (FNV-1a, 31 bits).
    static func requestId(of campaign: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in campaign.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash & 0x7fff_ffff)
    }

    /// What a station's answer to the update makes of its target: `sent`, a final refusal, or `pending` to retry.
    static func outcome(of result: CommandResultRecord, action: String) -> (state: String, detail: String) {
        let failure = "\(result.outcome)\(result.error.map { ": \($0)" } ?? "")"
        guard result.outcome == .accepted else {
            // A station (or an edge) that does not speak the security extension will not later either, and a payload
            // the edge refused will not pass on a retry: both end there rather than be sent every minute for ever.
            let error = result.error ?? ""
            let unsupported =
                action == "SignedUpdateFirmware"
                && (error.contains("NotImplemented") || error.contains("NotSupported")
                    || (result.outcome == .invalid && error.contains("is not a command")))
            if unsupported { return ("NotSupported", failure) }
            return (result.outcome == .invalid ? "Invalid" : "pending", failure)
        }
        guard action == "SignedUpdateFirmware" else { return ("sent", "UpdateFirmware accepted") }
        let status =
            (try? JSONSerialization.jsonObject(with: Data((result.response ?? "").utf8)) as? [String: Any])?["status"]
            as? String
        switch status {
        case "Accepted", "AcceptedCanceled": return ("sent", "SignedUpdateFirmware \(status!)")
        case "InvalidCertificate", "RevokedCertificate": return (status!, "the station refused the signing certificate")
        case "Rejected": return ("Rejected", "the station rejected the signed update")
        default: return ("pending", "SignedUpdateFirmware \(status ?? "answered without a status")")
        }
    }

    private func send(
        _ campaign: FirmwareCampaign, _ target: FirmwareTarget, update: (action: String, payload: String), now: Date
    ) async {
        var state = "pending"
        var sentAt: Date?
        var detail: String
        do {
            let result = try await relay.send(
                site: target.site, station: target.station, action: update.action, payload: update.payload,
                user: campaign.createdBy, timeout: commandTimeout)
            (state, detail) = Self.outcome(of: result, action: update.action)
            if state == "sent" { sentAt = now }
        } catch {
            detail = error.description
        }
        logger.info(
            state == "sent" ? "firmware update sent" : "firmware update not sent; will retry",
            metadata: ["campaign": "\(campaign.id)", "station": "\(target.station)", "detail": "\(detail)"])
        do {
            try await repository.updateTarget(
                campaign: campaign.id, station: target.key, state: state, sentAt: sentAt, detail: detail, at: now)
        } catch {
            logger.error(
                "firmware campaign: could not record a target", metadata: ["station": "\(target.station)", "error": "\(error)"])
        }
    }
}

/// OCPP 1.6 UpdateFirmware.req: download now, up to three tries.
struct UpdateFirmware: Encodable {
    let location: String
    let retrieveDate: String
    let retries: Int
}

/// OCPP 1.6 security extension SignedUpdateFirmware.req.
struct SignedUpdateFirmware: Encodable {
    struct Firmware: Encodable {
        let location: String
        let retrieveDateTime: String
        let signingCertificate: String
        let signature: String
    }

    let requestId: Int
    let retries: Int
    let firmware: Firmware
}
