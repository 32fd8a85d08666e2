import CloudCore
import CloudFirmware
import CloudStore
import Foundation
import Hummingbird
import Logging
import ServerSupport
import SyncContract

/// Firmware images and campaigns in the dashboard (the configure permission, as in the API).
extension Dashboard {
    func firmwarePage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let images = try await repository.firmwareImages().filter {
            FirmwareCatalog.sees(owner: $0.organization, organization: identity.organization)
        }
        let names = Dictionary(images.map { ($0.id, "\($0.name) \($0.version)") }, uniquingKeysWith: { first, _ in first })
        let campaigns = try await repository.campaigns().filter {
            FirmwareCatalog.sees(owner: $0.organization, organization: identity.organization)
        }
        let sites = try await repository.sites(in: identity.scope).filter { identity.seesWhole(site: $0.id) }
        let groups = try await GroupInput.visible(to: identity, repository: repository)
        let model = FirmwarePage(
            images: images.map { image in
                .init(
                    id: image.id, name: image.name, version: image.version, fileName: image.fileName, url: image.url,
                    size: image.size.map { formats.number(Double($0) / 1_048_576, digits: 2) + " MiB" },
                    sha: image.sha256.map { String($0.prefix(16)) + "…" }, added: formats.dateTime(image.createdAt),
                    signed: image.signature != nil)
            },
            hasImages: !images.isEmpty,
            campaigns: campaigns.map { campaign in
                .init(
                    id: campaign.id, name: campaign.name, image: names[campaign.image] ?? campaign.image, state: campaign.state,
                    start: formats.dateTime(campaign.startAt), rate: campaign.ratePerMinute,
                    progress: Self.progressText(campaign.progress))
            },
            hasCampaigns: !campaigns.isEmpty, sites: sites.map { .init(id: $0.id, name: $0.name) },
            groups: groups.map { .init(id: $0.id, name: $0.name) }, hasGroups: !groups.isEmpty)
        return page("firmware", title: "fw.title", language: language, context: context, model: model, nav: "firmware")
    }

    /// An upload from the page's script: the file's bytes as the body, name, version and file name in the query.
    func uploadFirmware(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let query = Query(request)
        let body = try await request.body.collect(upTo: FirmwareCatalog.maxImageBytes)
        let image = try await Problem.mappingFirmwareErrors {
            try await FirmwareCatalog.addUpload(
                name: query.string("name") ?? "", version: query.string("version") ?? "",
                fileName: query.string("fileName") ?? "", data: Data(body.readableBytesView), user: identity.user,
                organization: identity.organization, repository: repository)
        }
        logger.notice(
            "firmware image uploaded",
            metadata: ["image": "\(image.id)", "size": "\(image.size ?? 0)", "user": "\(identity.user ?? "")"])
        return Response(status: .created)
    }

    func registerFirmware(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        _ = try await Problem.mappingFirmwareErrors {
            try await FirmwareCatalog.addExternal(
                name: form["name"] ?? "", version: form["version"] ?? "", url: form["url"] ?? "",
                allowUnencrypted: form["allowUnencrypted"] == "on", user: identity.user,
                organization: identity.organization, repository: repository)
        }
        return Response(status: .seeOther, headers: [.location: "/firmware"])
    }

    /// The manufacturer's signature and signing certificate of an image (security review, finding 20).
    func signFirmware(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        let image = try await Problem.mappingFirmwareErrors {
            try await FirmwareCatalog.setSignature(
                image: form["image"] ?? "", signature: form["signature"], signingCertificate: form["signingCertificate"],
                organization: identity.organization, repository: repository)
        }
        logger.notice(
            "firmware image signature set", metadata: ["image": "\(image.id)", "user": "\(identity.user ?? "")"])
        return Response(status: .seeOther, headers: [.location: "/firmware"])
    }

    func createCampaign(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        var request = request
        let form = Form(String(buffer: try await request.collectBody(upTo: 1 << 16)))
        var startAt: Date?
        if let text = form["startAt"], !text.isEmpty {
            // <input type="datetime-local"> sends 2026-12-01T10:30 (no zone); the form says UTC.
            guard let date = SyncJSON.parse(text.count == 16 ? text + ":00Z" : text + "Z") else {
                throw Problem(status: 400, detail: "the start must be a date and time, got '\(text)'")
            }
            startAt = date
        }
        let rateText = form["ratePerMinute"] ?? ""
        guard rateText.isEmpty || Int(rateText) != nil else {
            throw Problem(status: 400, detail: "stations per minute must be a whole number, got '\(rateText)'")
        }
        let stations = (form["stations"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let campaignRequest = CampaignRequest(
            name: form["name"] ?? "", image: form["image"] ?? "", sites: form.all("sites").filter { !$0.isEmpty },
            stations: stations, groups: form.all("groups").filter { !$0.isEmpty }, startAt: startAt,
            ratePerMinute: Int(rateText))
        let campaign = try await Problem.mappingFirmwareErrors {
            try await FirmwareCatalog.createCampaign(
                campaignRequest, scope: identity.scope, publicBase: publicURL,
                user: identity.user, organization: identity.organization, repository: repository)
        }
        logger.notice(
            "firmware campaign created",
            metadata: [
                "campaign": "\(campaign.id)", "stations": "\(campaign.targets?.count ?? 0)", "user": "\(identity.user ?? "")",
            ])
        return Response(status: .seeOther, headers: [.location: "/firmware/campaigns/\(campaign.id)"])
    }

    /// The campaign of the path if the caller may see it (404 otherwise, whether it exists or not).
    func visibleCampaign(_ context: APIRequestContext, identity: APIIdentity) async throws -> FirmwareCampaign {
        let id = try context.parameters.require("campaign")
        guard let campaign = try await repository.campaign(id: id),
            FirmwareCatalog.sees(owner: campaign.organization, organization: identity.organization)
        else {
            throw Problem(status: 404, detail: "no firmware campaign '\(id)'")
        }
        return campaign
    }

    func campaignPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let campaign = try await visibleCampaign(context, identity: try viewer(request, context, .configure))
        let language = language(request: request, context: context)
        let formats = Formats(language: language)
        let image = try await repository.firmwareImage(id: campaign.image)
        let running = campaign.state == "scheduled" || campaign.state == "running"
        let model = CampaignPage(
            id: campaign.id, name: campaign.name, image: image.map { "\($0.name) \($0.version)" } ?? campaign.image,
            location: campaign.location, state: campaign.state, start: formats.dateTime(campaign.startAt),
            rate: campaign.ratePerMinute, progress: Self.progressText(campaign.progress), createdBy: campaign.createdBy,
            canStop: running, refresh: running ? "3" : nil,
            targets: (campaign.targets ?? []).map { target in
                .init(
                    station: target.station, stationPath: Self.stationPath(site: target.site, station: target.station),
                    site: target.site, state: target.state, sent: formats.dateTime(target.sentAt), detail: target.detail)
            })
        return page("campaign", title: "fw.campaign", language: language, context: context, model: model, nav: "firmware")
    }

    func stopCampaign(_ request: Request, context: APIRequestContext) async throws -> Response {
        let identity = try viewer(request, context, .configure)
        let campaign = try await visibleCampaign(context, identity: identity)
        let id = campaign.id
        if campaign.state == "scheduled" || campaign.state == "running" {
            try await repository.setCampaignState(id: id, state: "stopped", at: Date())
            logger.notice("firmware campaign stopped", metadata: ["campaign": "\(id)", "user": "\(identity.user ?? "")"])
        }
        return Response(status: .seeOther, headers: [.location: "/firmware/campaigns/\(id)"])
    }

    static func progressText(_ progress: [String: Int]) -> String {
        progress.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " · ")
    }

}

/// Firmware images and roll-out campaigns (`firmware.mustache`).
struct FirmwarePage: PageModel {
    struct Image {
        let id, name, version: String
        let fileName, url, size, sha: String?
        let added: String
        let signed: Bool
    }

    struct Campaign {
        let id, name, image, state, start: String
        let rate: Int
        let progress: String
    }

    /// A site or a group a campaign may target.
    struct Target {
        let id, name: String
    }

    let images: [Image]
    let hasImages: Bool
    let campaigns: [Campaign]
    let hasCampaigns: Bool
    let sites, groups: [Target]
    let hasGroups: Bool
}

/// One campaign and its targets, refreshed while it runs (`campaign.mustache`).
struct CampaignPage: PageModel {
    struct Target {
        let station, stationPath, site, state, sent: String
        let detail: String?
    }

    let id, name, image, location, state, start: String
    let rate: Int
    let progress: String
    let createdBy: String?
    let canStop: Bool
    let refresh: String?
    let targets: [Target]
}
