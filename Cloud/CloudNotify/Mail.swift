public import CloudStore
public import Foundation

/// Why a delivery did not go through, and whether trying again could help.
public struct DeliveryFailure: Error, Sendable, Equatable {
    public var reason: String
    public var permanent: Bool

    public init(_ reason: String, permanent: Bool = false) {
        self.reason = reason
        self.permanent = permanent
    }
}

/// Mails a notification to an address in `language`, with the link that unsubscribes it from the rule; nil when the
/// server took it, else why not (the server's words).
public protocol MailSending: Sendable {
    func send(
        _ notification: NotificationRecord, rule: NotificationRule, to address: String, language: String,
        unsubscribe: String
    ) async -> DeliveryFailure?
}

/// Notifications as mail: plain text and HTML in the rule's language, over ``SMTPClient``.
public struct Mailer: MailSending {
    let client: SMTPClient
    let settings: SMTPSettings

    public init(settings: SMTPSettings) {
        self.settings = settings
        client = SMTPClient(settings: settings)
    }

    public func send(
        _ notification: NotificationRecord, rule: NotificationRule, to address: String, language: String,
        unsubscribe: String
    ) async -> DeliveryFailure? {
        do {
            let message = MailMessage.compose(
                notification, rule: rule, from: settings.from, to: address, language: language, unsubscribe: unsubscribe,
                at: Date())
            try await client.send(message, to: address)
            return nil
        } catch let error as SMTPError {
            return DeliveryFailure(error.description, permanent: error.permanent)
        } catch {
            return DeliveryFailure("\(error)")
        }
    }
}

extension Mailer {
    /// A mail about a user's account (a password-reset link), in the user's language; throws what the server said.
    public func sendPasswordReset(to address: String, user: String, link: String, language: String) async throws {
        let words = PasswordResetMail.words[language] ?? PasswordResetMail.words["en"]!
        let text = [words[0], "", words[1].replacingOccurrences(of: "{user}", with: user), link, "", words[2]]
            .joined(separator: "\r\n")
        let html = """
            <!doctype html><html lang="\(language)"><body><h1>\(MailMessage.escape(words[0]))</h1>
            <p>\(MailMessage.escape(words[1].replacingOccurrences(of: "{user}", with: user)))</p>
            <p><a href="\(MailMessage.escape(link))">\(MailMessage.escape(link))</a></p>
            <p><small>\(MailMessage.escape(words[2]))</small></p></body></html>
            """
        let message = MailMessage.envelope(
            from: settings.from, to: address, subject: "[Gridside] \(words[0])", text: text, html: html,
            id: "password-reset", at: Date())
        try await client.send(message, to: address)
    }
}

/// The password-reset mail's words: its title, what the link does, and what to do when one did not ask.
enum PasswordResetMail {
    static let words: [String: [String]] = [
        "en": [
            "Reset your password",
            "Someone (we hope you) asked to set a new password for the user {user}. This link "
                + "does it, once, within an hour:",
            "If you did not ask, ignore this mail: your password stays as it is.",
        ],
        "de": [
            "Passwort zurücksetzen",
            "Jemand (hoffentlich Sie) möchte ein neues Passwort für den Benutzer {user} "
                + "setzen. Dieser Link tut es, einmal, innerhalb einer Stunde:",
            "Wenn Sie das nicht waren, ignorieren Sie diese Mail: Ihr Passwort bleibt, wie es ist.",
        ],
        "fr": [
            "Réinitialiser votre mot de passe",
            "Quelqu'un (vous, espérons-le) a demandé un nouveau mot de passe pour "
                + "l'utilisateur {user}. Ce lien le permet, une fois, dans l'heure :",
            "Si ce n'était pas vous, ignorez ce message : votre mot de passe ne change pas.",
        ],
    ]
}

/// An RFC 5322 message with a plain-text and an HTML part (base64, UTF-8), its subject encoded when not ASCII.
public enum MailMessage {
    static let words: [String: [String: String]] = [
        "en": [
            "station_faulted": "Station faulted", "connector_unavailable": "Connector unavailable",
            "station_offline": "Station offline", "station_online": "Station back online", "site_offline": "Site offline",
            "site_online": "Site back online", "load_failsafe": "Load management in failsafe",
            "firmware_failed": "Firmware update failed", "session_ended": "Session ended",
            "suspicious_session": "Suspicious session", "station_pending": "Station waiting for approval",
            "statement_ready": "Monthly statement ready", "meter_unreadable": "Meter unreadable", "site": "Site",
            "station": "Station", "connector": "connector",
            "time": "Time", "rule": "Rule", "count": "Events", "footer": "You receive this because the rule names you.",
            "unsubscribe": "Unsubscribe from this rule",
        ],
        "de": [
            "station_faulted": "Ladestation gestört", "connector_unavailable": "Anschluss nicht verfügbar",
            "station_offline": "Ladestation offline", "station_online": "Ladestation wieder online",
            "site_offline": "Standort offline", "site_online": "Standort wieder online",
            "load_failsafe": "Lastmanagement im Notbetrieb", "firmware_failed": "Firmware-Aktualisierung fehlgeschlagen",
            "session_ended": "Ladevorgang beendet", "suspicious_session": "Auffälliger Ladevorgang",
            "station_pending": "Ladestation wartet auf Freigabe", "statement_ready": "Monatsabrechnung bereit",
            "meter_unreadable": "Zähler nicht lesbar",
            "site": "Standort", "station": "Ladestation", "connector": "Anschluss", "time": "Zeit", "rule": "Regel",
            "count": "Ereignisse", "footer": "Sie erhalten diese Nachricht, weil die Regel Sie nennt.",
            "unsubscribe": "Von dieser Regel abmelden",
        ],
        "fr": [
            "station_faulted": "Borne en défaut", "connector_unavailable": "Point de charge indisponible",
            "station_offline": "Borne hors ligne", "station_online": "Borne de nouveau en ligne",
            "site_offline": "Site hors ligne", "site_online": "Site de nouveau en ligne",
            "load_failsafe": "Gestion de charge en mode de secours", "firmware_failed": "Échec de la mise à jour du firmware",
            "session_ended": "Session terminée", "suspicious_session": "Session suspecte",
            "station_pending": "Borne en attente d'approbation", "statement_ready": "Relevé mensuel disponible",
            "meter_unreadable": "Compteur illisible",
            "site": "Site", "station": "Borne", "connector": "point de charge", "time": "Heure", "rule": "Règle",
            "count": "Événements", "footer": "Vous recevez ce message car la règle vous nomme.",
            "unsubscribe": "Se désabonner de cette règle",
        ],
    ]

    /// The facts of `notification` as labelled lines, in `language`.
    static func lines(_ notification: NotificationRecord, rule: NotificationRule, words: [String: String]) -> [(String, String)] {
        var lines = [(words["site"] ?? "Site", notification.site)]
        if let station = notification.station {
            lines.append(
                (
                    words["station"] ?? "Station",
                    station + (notification.connector.map { ", \(words["connector"] ?? "") \($0)" } ?? "")
                ))
        }
        lines.append((words["time"] ?? "Time", notification.at.formatted(.iso8601)))
        for key in notification.fields.keys.sorted() { lines.append((key, notification.fields[key] ?? "")) }
        lines.append((words["rule"] ?? "Rule", rule.name))
        if notification.count > 1 { lines.append((words["count"] ?? "Events", "\(notification.count)")) }
        return lines
    }

    public static func compose(
        _ notification: NotificationRecord, rule: NotificationRule, from: String, to: String, language: String,
        unsubscribe: String, at time: Date
    ) -> String {
        let language = Self.words[language] == nil ? "en" : language
        let words = Self.words[language] ?? [:]
        let title = words[notification.event.rawValue] ?? notification.event.rawValue
        let place = notification.station ?? notification.site
        let facts = lines(notification, rule: rule, words: words)
        let text =
            ([title, notification.summary, ""] + facts.map { "\($0): \($1)" } + ["", words["footer"] ?? ""]
            + ["\(words["unsubscribe"] ?? ""): \(unsubscribe)"])
            .joined(separator: "\r\n")
        let html = """
            <!doctype html><html lang="\(language)"><body>
            <h1>\(escape(title))</h1><p>\(escape(notification.summary))</p>
            <table>\(facts.map { "<tr><th align=\"left\">\(escape($0))</th><td>\(escape($1))</td></tr>" }.joined())</table>
            <p><small>\(escape(words["footer"] ?? "")) <a href="\(escape(unsubscribe))">\(escape(words["unsubscribe"] ?? ""))</a></small></p>
            </body></html>
            """
        return envelope(
            from: from, to: to, subject: "[Gridside] \(title): \(place)", text: text, html: html,
            id: "notification-\(notification.id)", at: time,
            headers: ["List-Unsubscribe: <\(unsubscribe)>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click"])
    }

    /// A message of plain text and HTML (base64, UTF-8), with `headers` besides the usual ones.
    public static func envelope(
        from: String, to: String, subject: String, text: String, html: String, id: String, at time: Date,
        headers: [String] = []
    ) -> String {
        let boundary = "gridside-\(id)-\(Int(time.timeIntervalSince1970))"
        let domain = from.split(separator: "@").last.map { String($0.prefix { $0 != ">" }) } ?? "gridside"
        let top: [String] = [
            "From: \(from)", "To: <\(to)>", "Subject: \(header(subject))", "Date: \(rfc5322(time))",
            "Message-ID: <\(id)-\(UUID().uuidString)@\(domain)>", "MIME-Version: 1.0", "Auto-Submitted: auto-generated",
        ]
        let body: [String] = [
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"", "",
            "--\(boundary)", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
            base64Lines(text), "--\(boundary)", "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: base64", "", base64Lines(html), "--\(boundary)--", "",
        ]
        return (top + headers + body).joined(separator: "\r\n")
    }

    /// A header value: as it is when printable ASCII, else an RFC 2047 encoded word (a station's id with a line break
    /// in it cannot add a header).
    static func header(_ text: String) -> String {
        text.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 })
            ? text : "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    static func base64Lines(_ text: String) -> String {
        Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .gmt
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
