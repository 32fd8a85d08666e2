public import Foundation

// The Reservation profile: holding a connector for an identifier.
extension OCPP16 {
    /// Reserves a connector, or any connector for connector 0, for an identifier until a deadline
    /// (ReserveNow.req).
    public struct ReserveNowRequest: OCPPRequest {
        public typealias Response = ReserveNowResponse
        public static let action = "ReserveNow"
        /// The connector to reserve, or 0 for any.
        public var connectorId: Int
        /// When the reservation ends.
        public var expiryDate: Date
        /// The identifier the connector is held for.
        public var idTag: CiString20
        /// The group identifier whose members may also use the reservation.
        public var parentIdTag: CiString20?
        /// Identifies the reservation; a new reservation with the same id replaces the old one.
        public var reservationId: Int

        public init(
            connectorId: Int, expiryDate: Date, idTag: CiString20, parentIdTag: CiString20? = nil, reservationId: Int
        ) {
            self.connectorId = connectorId
            self.expiryDate = expiryDate
            self.idTag = idTag
            self.parentIdTag = parentIdTag
            self.reservationId = reservationId
        }
    }

    /// Whether the connector was reserved (ReserveNow.conf).
    public struct ReserveNowResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: ReservationStatus

        public init(status: ReservationStatus) {
            self.status = status
        }
    }

    /// Cancels a reservation (CancelReservation.req).
    public struct CancelReservationRequest: OCPPRequest {
        public typealias Response = CancelReservationResponse
        public static let action = "CancelReservation"
        /// The reservation to cancel, as ReserveNow numbered it.
        public var reservationId: Int

        public init(reservationId: Int) {
            self.reservationId = reservationId
        }
    }

    /// Whether the reservation was cancelled (CancelReservation.conf).
    public struct CancelReservationResponse: Codable, Sendable, Equatable {
        /// The outcome.
        public var status: CancelReservationStatus

        public init(status: CancelReservationStatus) {
            self.status = status
        }
    }
}
