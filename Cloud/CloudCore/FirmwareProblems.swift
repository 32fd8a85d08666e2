import CloudFirmware
public import ServerSupport

extension Problem {
    /// Maps the catalog's refusals to problems.
    public static func mappingFirmwareErrors<T>(_ body: () async throws -> T) async throws -> T {
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
