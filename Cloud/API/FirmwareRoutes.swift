import CloudFirmware
import CloudStore
import Foundation
public import Hummingbird
import NIOCore
import SyncContract

extension CloudAPI {
    /// `/api/v1/firmware/…`: images (uploaded or external) and campaigns. Every route needs the configure permission:
    /// campaigns span organizations, so partners and viewers do not see them.
    func addFirmwareRoutes(to api: RouterGroup<APIRequestContext>) {
        api.get("/firmware/images") { _, context in
            _ = try context.require(.configure)
            return try json(Items(items: try await repository.firmwareImages()))
        }
        api.post("/firmware/images") { request, context in
            let identity = try context.require(.configure)
            let image = try await Self.firmware {
                if request.headers[.contentType]?.hasPrefix("application/json") == true {
                    let input = try await decode(ExternalImageInput.self, from: request)
                    return try await FirmwareCatalog.addExternal(
                        name: input.name, version: input.version, url: input.url, user: identity.user, repository: repository)
                }
                let query = Query(request)
                guard let name = query.string("name"), let version = query.string("version"),
                    let fileName = query.string("fileName")
                else {
                    throw Problem(
                        status: 400,
                        detail: "an upload needs the query parameters name, version and fileName (or a JSON body with a url)")
                }
                let body = try await request.body.collect(upTo: FirmwareCatalog.maxImageBytes)
                return try await FirmwareCatalog.addUpload(
                    name: name, version: version, fileName: fileName, data: Data(body.readableBytesView), user: identity.user,
                    repository: repository)
            }
            var response = try json(image)
            response.status = .created
            return response
        }
        api.get("/firmware/campaigns") { _, context in
            _ = try context.require(.configure)
            return try json(Items(items: try await repository.campaigns()))
        }
        api.post("/firmware/campaigns") { request, context in
            let identity = try context.require(.configure)
            let input = try await decode(CampaignRequest.self, from: request)
            let campaign = try await Self.firmware {
                try await FirmwareCatalog.createCampaign(
                    input, scope: identity.scope, publicBase: publicBase(request), user: identity.user,
                    repository: repository)
            }
            var response = try json(campaign)
            response.status = .created
            return response
        }
        api.get("/firmware/campaigns/:campaign") { _, context in
            _ = try context.require(.configure)
            return try json(try await visibleCampaign(context))
        }
        api.post("/firmware/campaigns/:campaign/stop") { _, context in
            _ = try context.require(.configure)
            let campaign = try await visibleCampaign(context)
            guard campaign.state == "scheduled" || campaign.state == "running" else {
                throw Problem(status: 409, detail: "the campaign is already \(campaign.state)")
            }
            try await repository.setCampaignState(id: campaign.id, state: "stopped", at: Date())
            return try json(try await visibleCampaign(context))
        }
    }

    /// `GET /firmware/<image>/<file>`: an uploaded image, as chargers download it. No token (a charger has none): the
    /// image id is 128 random bits, so the URL itself is the secret.
    func addFirmwareDownload(to router: Router<APIRequestContext>) {
        router.get("/firmware/:image/:file") { _, context in
            let id = try context.parameters.require("image")
            let file = try context.parameters.require("file")
            guard let image = try await repository.firmwareImage(id: id), image.fileName == file,
                let data = try await repository.firmwareFile(id: id)
            else {
                throw Problem(status: 404, detail: "no such firmware file")
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(file)\"",
                    .init("X-Checksum-SHA256")!: image.sha256 ?? "",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    private func visibleCampaign(_ context: APIRequestContext) async throws -> FirmwareCampaign {
        let id = try context.parameters.require("campaign")
        guard let campaign = try await repository.campaign(id: id) else {
            throw Problem(status: 404, detail: "no firmware campaign '\(id)'")
        }
        return campaign
    }

    /// How stations reach this cloud: the configured public URL, or the address this request came to.
    public func publicBase(_ request: Request) -> String {
        publicURL ?? "https://\(request.head.authority ?? "localhost")"
    }

    /// Maps the catalog's refusals to problems.
    public static func firmware<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as FirmwareError {
            switch error {
            case .invalid(let reason): throw Problem(status: 400, detail: reason)
            case .notFound(let reason): throw Problem(status: 404, detail: reason)
            }
        }
    }
}

struct ExternalImageInput: Decodable {
    let name: String
    let version: String
    let url: String
}
