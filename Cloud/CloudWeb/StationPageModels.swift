/// A site, its stations and its settings (`site.mustache`).
struct SitePage: PageModel {
    struct GroupChoice {
        let id, name: String
    }

    struct Station: TemplateRow {
        let id, path: String
        let vendor, model, firmware, connectivity: String?
        let connectors: [ConnectorCell]

        var templateValues: [String: Any] {
            var values: [String: Any] = ["id": id, "path": path, "connectors": connectors.map(\.templateValues)]
            values["vendor"] = vendor
            values["model"] = model
            values["firmware"] = firmware
            values["connectivity"] = connectivity
            return values
        }
    }

    let groupChoices: [GroupChoice]
    let hasGroupChoices: Bool
    let siteId: String
    /// The site's own settings, only for those who see it whole (not through a granted station).
    let canConfigure: Bool
    let address: String?
    let city, postalCode, country: String?
    let result: CommandResultView?
    let latitude, longitude, coordinates, timeZone: String?
    let siteName, presence: String
    let presenceLabel: String?
    let stations: [Station]
    /// Load management over the last hours and now (those who see the whole site, once its edge has told any).
    let load: LoadSection?
    /// Whether the site's edge is online (retiring it then needs a confirmation).
    let online: Bool
}

/// A station: its connectors, sessions in progress, reservations, history and controls (`station.mustache`).
struct StationPage: PageModel {
    /// A connector's cell (``ConnectorCell``) and what only this page shows of it.
    struct Connector {
        let site, station: String
        let connector: Int
        let status, label, time: String
        let errorCode, vendorErrorCode, info: String?
        let since: String
        let transactionId: Int?
        let availabilityAction: String
        let availabilityLabel: String?

        init(
            cell: ConnectorCell, errorCode: String?, vendorErrorCode: String?, info: String?, since: String,
            transactionId: Int?, availabilityAction: String, availabilityLabel: String?
        ) {
            (site, station, connector, status, label, time) = (
                cell.site, cell.station, cell.connector, cell.status, cell.label, cell.time
            )
            self.errorCode = errorCode
            self.vendorErrorCode = vendorErrorCode
            self.info = info
            self.since = since
            self.transactionId = transactionId
            self.availabilityAction = availabilityAction
            self.availabilityLabel = availabilityLabel
        }
    }

    struct Session {
        let siteId: String
        let transactionId, connector: Int
        let station: String
        let token: String?
        let start, energy, power, soc, chart: String
        /// What it costs so far.
        let cost: String
    }

    struct Reservation {
        let reservationId, connector: Int
        let token, expires, by, stationPath: String
    }

    let id, stationPath, siteId, siteName: String
    let vendor, model, serial, firmware, connectivity: String?
    let connectionSince: String
    let connectors: [Connector]
    let canControl, canConfigure: Bool
    /// Sees the whole site: may change, move and retire the station.
    let canManage: Bool
    let sessions: [Session]
    let approvalLabel: String?
    let canApprove: Bool
    let result: CommandResultView?
    let reservations: [Reservation]
    let hasReservations: Bool
    let events: [HistoryRow]
    let hasEvents: Bool
    /// Diagnostics asked of it, newest first (for those who may ask).
    let diagnostics: [DiagnosticsRow]
    let hasDiagnostics: Bool
}

/// A diagnostics request on a station's page.
struct DiagnosticsRow {
    let id, requested, by, state: String
    let stateLabel: String?
    let detail, stationStatus, fileName, size, downloadPath: String?
}

/// The fleet at a glance: totals, sites, alerts and groups, updated live (`home.mustache`).
struct HomePage: PageModel {
    struct Alert: TemplateRow {
        let kind: String
        let label: String?
        let siteId, site: String
        let station, stationPath: String?
        let connector: Int?
        let code, vendorErrorCode: String?
        let since: String

        var templateValues: [String: Any] {
            var values: [String: Any] = ["kind": kind, "siteId": siteId, "site": site, "since": since]
            values["label"] = label
            values["station"] = station
            values["stationPath"] = stationPath
            values["connector"] = connector
            values["code"] = code
            values["vendorErrorCode"] = vendorErrorCode
            return values
        }
    }

    struct Group {
        let id, name: String
        let stations, inUse, available, reserved, inoperative: Int
    }

    /// The same counts the live summary sends (``LiveSummary``).
    let totals: [String: String]
    /// Hundreds of rows: written as HTML by ``HomeRows``, as the template's lookups cost half the page's time.
    let siteRows: String
    let hasSites: Bool
    let alerts: [Alert]
    let hasAlerts, filtered: Bool
    let shown: Int
    let groups: [Group]
    let hasGroups: Bool
    let planned: Int
}
