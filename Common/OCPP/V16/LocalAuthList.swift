// The Local Auth List Management profile: the list of identifiers a charge point may authorize offline.
extension OCPP16 {
    /// Asks for the version of the charge point's local authorization list (GetLocalListVersion.req); it has no
    /// fields.
    public struct GetLocalListVersionRequest: OCPPRequest {
        public typealias Response = GetLocalListVersionResponse
        public static let action = "GetLocalListVersion"

        public init() {}
        public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoFieldKeys.self) }
        public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoFieldKeys.self) }
    }

    /// The version of the local authorization list (GetLocalListVersion.conf).
    public struct GetLocalListVersionResponse: Codable, Sendable, Equatable {
        /// The current version; 0 when the list is empty, -1 when the charge point does not support one.
        public var listVersion: Int

        public init(listVersion: Int) {
            self.listVersion = listVersion
        }
    }

    /// Replaces or updates the local authorization list (SendLocalList.req).
    public struct SendLocalListRequest: OCPPRequest {
        public typealias Response = SendLocalListResponse
        public static let action = "SendLocalList"
        /// The version the list has after this update.
        public var listVersion: Int
        /// The entries to set, or with `Differential`, to add, change or (without `idTagInfo`) remove.
        public var localAuthorizationList: [AuthorizationData]?
        /// Whether the entries replace the list or change it.
        public var updateType: UpdateType

        public init(listVersion: Int, localAuthorizationList: [AuthorizationData]? = nil, updateType: UpdateType) {
            self.listVersion = listVersion
            self.localAuthorizationList = localAuthorizationList
            self.updateType = updateType
        }
    }

    /// Whether the local authorization list was updated (SendLocalList.conf).
    public struct SendLocalListResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: UpdateStatus

        public init(status: UpdateStatus) {
            self.status = status
        }
    }
}
