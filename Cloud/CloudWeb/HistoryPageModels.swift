/// An option of a filter's `<select>`.
struct Option {
    let value, label: String
    let selected: Bool
}

/// A site to filter by.
struct SiteOption {
    let id, name: String
    let selected: Bool
}

/// Sessions, filtered and paged, and the reservations ahead (`sessions.mustache`).
struct SessionsPage: PageModel {
    struct Filter {
        let station, token: String?
    }

    struct Session: TemplateRow {
        let siteId, site: String
        let transactionId: Int
        let station, stationPath: String
        let connector: Int
        let token: String?
        let start: String
        let stop: String?
        let duration, energy, soc: String
        let active: Bool
        let vehicle: String?

        var templateValues: [String: Any] {
            var values: [String: Any] = [
                "siteId": siteId, "site": site, "transactionId": transactionId, "station": station,
                "stationPath": stationPath, "connector": connector, "start": start, "duration": duration, "energy": energy,
                "soc": soc, "active": active,
            ]
            values["token"] = token
            values["stop"] = stop
            values["vehicle"] = vehicle
            return values
        }
    }

    struct Reservation {
        let site, station, stationPath: String
        let connector: Int
        let token: String
        let vehicle: String?
        let expires: String
    }

    let filter: Filter
    let siteOptions: [SiteOption]
    let stateOptions: [Option]
    let items: [Session]
    let hasItems: Bool
    let next: String?
    let upcoming: [Reservation]
    let hasUpcoming: Bool
}

/// One session with its chart (`session.mustache`).
struct SessionPage: PageModel {
    let transactionId: Int
    let site, station, stationPath: String
    let connector: Int
    let token, vehicle: String?
    let start: String
    let stop, reason: String?
    let duration, energy, power, soc, chart: String
    /// What it cost (or costs so far), and under which tariff.
    let cost: String
    let tariff: String?
    /// Its corrections, whether the reader may make one, and whether one was just made.
    let corrections: [Dashboard.CorrectionRow]
    let hasCorrections, canCorrect, corrected: Bool
    /// It has no price: amounts set by hand need their currency.
    let needsCurrency: Bool
}

/// The event history, filtered (`events.mustache`).
struct EventsPage: PageModel {
    struct Filter {
        let station, code, vendorCode, from, to: String?
    }

    let filter: Filter
    let siteOptions: [SiteOption]
    let severityOptions, kindOptions, orderOptions: [Option]
    let events: [HistoryRow]
    let hasEvents: Bool
    /// The next page, the first page (when this is not it), and the whole filter as CSV.
    let next, first: String?
    let csv: String
}
