import CloudStore

/// The home page's site rows, written directly: with hundreds of sites the template engine's context lookups (Swift
/// dynamic casts) took half of the page's time. Every text from the store is escaped.
enum HomeRows {
    static func sites(_ summaries: [SiteSummary], formats: Formats, strings: [String: String]) -> String {
        let online = HTML.escape(strings["home.online"] ?? "")
        let offline = HTML.escape(strings["home.offline"] ?? "")
        let stationsOffline = HTML.escape(strings["home.stationsOffline"] ?? "")
        let faulted = HTML.escape(strings["home.faulted"] ?? "")
        var html = ""
        html.reserveCapacity(summaries.count * 600)
        for site in summaries {
            let id = HTML.escape(site.site)
            html += #"<tr data-site="\#(id)"><th scope="row"><a href="/sites/\#(id)">\#(HTML.escape(site.name))</a> "#
            html +=
                site.online
                ? #"<span class="badge online">\#(online)</span>"# : #"<span class="badge offline">\#(offline)</span>"#
            html += "</th><td>\(site.stations)"
            if site.stationsOffline > 0 { html += " <small>(\(site.stationsOffline) \(stationsOffline))</small>" }
            html += #"</td><td data-count="inUse">\#(site.inUse)</td><td data-count="available">\#(site.available)</td>"#
            html += #"<td data-count="reserved">\#(site.reserved)</td><td data-count="inoperative">\#(site.inoperative)"#
            if site.faulted > 0 { html += " <small>(\(site.faulted) \(faulted))</small>" }
            html += #"</td><td data-count="power">\#(HTML.escape(formats.power(site.powerW)))</td>"#
            html += "<td>\(HTML.escape(formats.power(site.gridPowerW)))</td>"
            html += #"<td data-count="activeSessions">\#(site.activeSessions)</td></tr>"#
            html += "\n"
        }
        return html
    }
}

/// Escaping for text put into HTML (elements and quoted attributes).
enum HTML {
    static func escape(_ text: String) -> String {
        guard text.contains(where: { "&<>\"'".contains($0) }) else { return text }
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
