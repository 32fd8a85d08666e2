import CloudCore
import CloudFirmware
import CloudStore
import Foundation
import Hummingbird
import NIOCore
import ServerSupport
import SyncContract

extension CloudAPI {
    /// `/api/v1/firmware/…`: images (uploaded or external) and campaigns. Every route needs the configure permission
    /// (partners and viewers do not see them); a client organization's users see, use and stop only their
    /// organization's images and campaigns, and the fleet's staff all (security review, finding 2).
    var firmwareRoutes: RouteCollection<APIRequestContext> {
        let api = RouteCollection(context: APIRequestContext.self)
        api.get("/firmware/images") { _, context in
            let identity = try context.require(.configure)
            let images = try await repository.firmwareImages().filter {
                FirmwareCatalog.sees(owner: $0.organization, organization: identity.organization)
            }
            return json(Items(items: images))
        }
        api.post("/firmware/images") { request, context in
            let identity = try context.require(.configure)
            let image = try await Problem.mappingFirmwareErrors {
                if request.headers[.contentType]?.hasPrefix("application/json") == true {
                    let input = try await decode(ExternalImageInput.self, from: request)
                    return try await FirmwareCatalog.addExternal(
                        name: input.name, version: input.version, url: input.url,
                        allowUnencrypted: input.allowUnencrypted ?? false, user: identity.user,
                        organization: identity.organization, repository: repository)
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
                    organization: identity.organization, repository: repository)
            }
            var response = json(image)
            response.status = .created
            return response
        }
        api.put("/firmware/images/:image/signature") { request, context in
            let identity = try context.require(.configure)
            let input = try await decode(SignatureInput.self, from: request)
            return json(
                try await Problem.mappingFirmwareErrors {
                    try await FirmwareCatalog.setSignature(
                        image: try context.parameters.require("image"), signature: input.signature,
                        signingCertificate: input.signingCertificate, organization: identity.organization,
                        repository: repository)
                })
        }
        api.get("/firmware/campaigns") { _, context in
            let identity = try context.require(.configure)
            let campaigns = try await repository.campaigns().filter {
                FirmwareCatalog.sees(owner: $0.organization, organization: identity.organization)
            }
            return json(Items(items: campaigns))
        }
        api.post("/firmware/campaigns") { request, context in
            let identity = try context.require(.configure)
            let input = try await decode(CampaignRequest.self, from: request)
            let campaign = try await Problem.mappingFirmwareErrors {
                try await FirmwareCatalog.createCampaign(
                    input, scope: identity.scope, publicBase: publicURL, user: identity.user,
                    organization: identity.organization, repository: repository)
            }
            var response = json(campaign)
            response.status = .created
            return response
        }
        api.get("/firmware/campaigns/:campaign") { _, context in
            return json(try await visibleCampaign(context))
        }
        api.post("/firmware/campaigns/:campaign/stop") { _, context in
            let campaign = try await visibleCampaign(context)
            guard campaign.state == "scheduled" || campaign.state == "running" else {
                throw Problem(status: 409, detail: "the campaign is already \(campaign.state)")
            }
            try await repository.setCampaignState(id: campaign.id, state: "stopped", at: Date())
            return json(try await visibleCampaign(context))
        }
        return api
    }

    /// `GET /firmware/<image>/<file>`: an uploaded image, as chargers download it. No token (a charger has none): the
    /// image id is 128 random bits, so the URL itself is the secret, and it works only while a campaign of the image
    /// may send it. Served in chunks (with `Range`), at most ``FirmwareDownload/maxConcurrent`` at once.
    func addFirmwareDownload(to router: Router<APIRequestContext>) {
        router.get("/firmware/:image/:file") { request, context in
            let id = try context.parameters.require("image")
            let file = try context.parameters.require("file")
            guard let image = try await repository.firmwareImage(id: id), image.fileName == file, let size = image.size,
                size > 0, try await FirmwareDownload.isOpen(image: id, repository: repository)
            else {
                throw Problem(status: 404, detail: "no such firmware file")
            }
            var headers: HTTPFields = [
                .contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(file)\"",
                .acceptRanges: "bytes", .init("X-Checksum-SHA256")!: image.sha256 ?? "",
            ]
            var status = HTTPResponse.Status.ok
            var range = 0...(size - 1)
            switch FirmwareDownload.part(request.headers[.range], size: size) {
            case .whole: break
            case .bytes(let part):
                status = .partialContent
                range = part
                headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound)/\(size)"
            case .unsatisfiable:
                headers[.contentRange] = "bytes */\(size)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            guard let slot = downloads.take(lease: FirmwareDownload.lease(bytes: range.count)) else {
                throw Problem(
                    status: 503, detail: "\(downloads.limit) firmware downloads are in progress; try again later",
                    retryAfter: 30)
            }
            let repository = self.repository
            let part = range
            let body = ResponseBody(contentLength: part.count) { writer in
                _ = slot  // Held until the body is written (or dropped).
                var index = part.lowerBound / FirmwareImage.chunkBytes
                var position = index * FirmwareImage.chunkBytes
                while position <= part.upperBound {
                    guard let chunk = try await repository.firmwareChunk(image: id, index: index) else {
                        throw Problem(status: 500, detail: "firmware image \(id) ends before its size")
                    }
                    let from = max(part.lowerBound - position, 0)
                    let to = min(part.upperBound - position + 1, chunk.count)
                    if from < to {
                        try await writer.write(ByteBuffer(bytes: chunk[chunk.startIndex + from..<chunk.startIndex + to]))
                    }
                    position += chunk.count
                    index += 1
                }
                try await writer.finish(nil)
            }
            return Response(status: status, headers: headers, body: body)
        }
    }

    /// The campaign of the path if the caller may see it (404 otherwise, whether it exists or not).
    private func visibleCampaign(_ context: APIRequestContext) async throws -> FirmwareCampaign {
        let identity = try context.require(.configure)
        let id = try context.parameters.require("campaign")
        guard let campaign = try await repository.campaign(id: id),
            FirmwareCatalog.sees(owner: campaign.organization, organization: identity.organization)
        else {
            throw Problem(status: 404, detail: "no firmware campaign '\(id)'")
        }
        return campaign
    }

}

struct ExternalImageInput: Decodable {
    let name: String
    let version: String
    let url: String
    let allowUnencrypted: Bool?
}

/// Both keys must be there, `null` to remove: a body that lacks one (a typo) must not take a signature away, which
/// would make a running campaign send unsigned updates.
struct SignatureInput: Decodable {
    let signature: String?
    let signingCertificate: String?

    enum CodingKeys: String, CodingKey {
        case signature, signingCertificate
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        for key in [CodingKeys.signature, .signingCertificate] where !container.contains(key) {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: [], debugDescription: "give both signature and signingCertificate (null for neither)"))
        }
        signature = try container.decodeNil(forKey: .signature) ? nil : try container.decode(String.self, forKey: .signature)
        signingCertificate =
            try container.decodeNil(forKey: .signingCertificate)
            ? nil : try container.decode(String.self, forKey: .signingCertificate)
    }
}
