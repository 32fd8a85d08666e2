import Mustache

/// The dashboard's pages as Mustache templates, kept in the binary so that an installed `gridside-cloud` needs no
/// files beside it. Every page extends `layout`; `{{t.key}}` is a string of ``Catalog`` in the reader's language.
enum Templates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in all { try library.register(text, named: name) }
        return library
    }

    static let all: [(String, String)] = [
        ("layout", layout), ("login", login), ("configuration", configuration), ("loadSettings", loadSettings),
        ("firmware", firmware), ("campaign", campaign), ("vehicles", vehicles), ("groups", groups), ("group", group),
        ("homeSites", homeSites), ("access", access), ("user", user), ("organization", organization),
        ("home", home),
        ("site", site), ("station", station),
        ("sessions", sessions), ("session", session), ("events", events), ("error", error), ("eventTable", eventTable),
    ]

    static let layout = """
        <!DOCTYPE html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        {{#csrf}}<meta name="csrf-token" content="{{csrf}}">{{/csrf}}
        {{#refresh}}<meta http-equiv="refresh" content="{{refresh}}">{{/refresh}}
        <meta name="status-labels" content="{{statusLabels}}">
        <title>{{title}} · {{t.app}}</title>
        <link rel="stylesheet" href="/static/app.css">
        <script src="/static/app.js" defer></script>
        </head>
        <body data-live="{{live}}">
        <a class="skip" href="#main">{{t.nav_skip}}</a>
        <header class="top">
        <a class="brand" href="/">{{t.app}}</a>
        {{#signedIn}}
        <nav aria-label="{{t.app}}">
        <a href="/"{{#nav_home}} aria-current="page"{{/nav_home}}>{{t.nav_home}}</a>
        <a href="/sessions"{{#nav_sessions}} aria-current="page"{{/nav_sessions}}>{{t.nav_sessions}}</a>
        <a href="/events"{{#nav_events}} aria-current="page"{{/nav_events}}>{{t.nav_events}}</a>
        {{#seesGroups}}<a href="/groups"{{#nav_groups}} aria-current="page"{{/nav_groups}}>{{t.nav_groups}}</a>{{/seesGroups}}
        <a href="/vehicles"{{#nav_vehicles}} aria-current="page"{{/nav_vehicles}}>{{t.nav_vehicles}}</a>
        {{#canConfigure}}<a href="/firmware"{{#nav_firmware}} aria-current="page"{{/nav_firmware}}>{{t.nav_firmware}}</a>{{/canConfigure}}
        {{#staffAdmin}}<a href="/access"{{#nav_access}} aria-current="page"{{/nav_access}}>{{t.nav_access}}</a>{{/staffAdmin}}
        </nav>
        {{/signedIn}}
        <form class="language" method="post" action="/language">
        {{#csrf}}<input type="hidden" name="_csrf" value="{{csrf}}">{{/csrf}}
        <label for="language">{{t.nav_language}}</label>
        <select id="language" name="language">{{#languages}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/languages}}</select>
        <button type="submit">OK</button>
        </form>
        {{#signedIn}}
        <span class="who">{{userName}} · {{role}}</span>
        <form method="post" action="/logout"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" id="logout">{{t.nav_logout}}</button></form>
        {{/signedIn}}
        </header>
        <main id="main">
        {{$content}}{{/content}}
        </main>
        </body>
        </html>
        """

    static let login = """
        {{<layout}}{{$content}}
        <section class="login">
        <h1>{{t.login_title}}</h1>
        {{#failed}}<p class="problem" role="alert">{{t.login_failed}}</p>{{/failed}}
        <form method="post" action="/login">
        <input type="hidden" name="next" value="{{next}}">
        <label for="user">{{t.login_user}}</label>
        <input id="user" name="user" autocomplete="username" required value="{{userValue}}">
        <label for="password">{{t.login_password}}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit" id="sign-in">{{t.login_submit}}</button>
        </form>
        </section>
        {{/content}}{{/layout}}
        """

    static let home = """
        {{<layout}}{{$content}}
        <h1>{{t.home_title}} <small class="live-note">{{t.home_live}}</small></h1>
        <section class="totals" aria-label="{{t.home_totals}}">
        <div class="card in-use"><span class="value" data-total="inUse">{{totals.inUse}}</span><span class="label">{{t.home_inUse}}</span></div>
        <div class="card available"><span class="value" data-total="available">{{totals.available}}</span><span class="label">{{t.home_available}}</span></div>
        <div class="card reserved"><span class="value" data-total="reserved">{{totals.reserved}}</span><span class="label">{{t.home_reserved}}</span></div>
        <div class="card inoperative"><span class="value" data-total="inoperative">{{totals.inoperative}}</span><span class="label">{{t.home_inoperative}}</span></div>
        <div class="card"><span class="value" data-total="power">{{totals.power}}</span><span class="label">{{t.home_power}}</span></div>
        <div class="card"><span class="value" data-total="activeSessions">{{totals.activeSessions}}</span><span class="label">{{t.home_sessions}}</span></div>
        <div class="card"><span class="value" id="planned">{{planned}}</span><span class="label"><a href="/sessions">{{t.home_planned}}</a></span></div>
        </section>
        <section>
        <h2>{{t.home_alerts}}</h2>
        {{^alerts}}<p>{{t.home_noAlerts}}</p>{{/alerts}}
        {{#hasAlerts}}<ul class="alerts">{{#alerts}}<li class="alert {{kind}}"><strong>{{label}}</strong> · <a href="/sites/{{siteId}}">{{site}}</a>{{#station}} · <a href="{{stationPath}}">{{station}}</a>{{/station}}{{#connector}} / {{connector}}{{/connector}}{{#code}} · <code>{{code}}</code>{{/code}}{{#vendorErrorCode}} · <code>{{vendorErrorCode}}</code>{{/vendorErrorCode}} · {{since}}</li>{{/alerts}}</ul>{{/hasAlerts}}
        </section>
        {{#hasGroups}}<section>
        <h2>{{t.nav_groups}}</h2>
        <table class="groups">
        <thead><tr><th scope="col">{{t.group_name}}</th><th scope="col">{{t.home_stations}}</th><th scope="col">{{t.home_inUse}}</th><th scope="col">{{t.home_available}}</th><th scope="col">{{t.home_reserved}}</th><th scope="col">{{t.home_inoperative}}</th></tr></thead>
        <tbody>{{#groups}}<tr data-group="{{id}}"><th scope="row"><a href="/groups/{{id}}">{{name}}</a></th><td>{{stations}}</td><td>{{inUse}}</td><td>{{available}}</td><td>{{reserved}}</td><td>{{inoperative}}</td></tr>{{/groups}}</tbody>
        </table>
        </section>{{/hasGroups}}
        <section>
        <h2>{{t.nav_home}}</h2>
        {{#filtered}}<p id="view-note">{{t.view_mine}} ({{shown}}) · <a href="/?all=1">{{t.view_all}}</a></p>{{/filtered}}
        {{#hasSites}}<p><a href="/home/sites" id="choose-sites">{{t.view_choose}}</a></p>{{/hasSites}}
        {{^hasSites}}<p>{{t.home_noSites}}</p>{{/hasSites}}
        {{#hasSites}}
        <table class="sites">
        <thead><tr><th scope="col">{{t.home_site}}</th><th scope="col">{{t.home_stations}}</th><th scope="col">{{t.home_inUse}}</th><th scope="col">{{t.home_available}}</th><th scope="col">{{t.home_reserved}}</th><th scope="col">{{t.home_inoperative}}</th><th scope="col">{{t.home_power}}</th><th scope="col">{{t.home_gridPower}}</th><th scope="col">{{t.home_sessions}}</th></tr></thead>
        <tbody>
        {{{siteRows}}}
        </tbody>
        </table>
        {{/hasSites}}
        </section>
        {{/content}}{{/layout}}
        """

    static let site = """
        {{<layout}}{{$content}}
        <h1>{{siteName}} <span class="badge {{presence}}">{{presenceLabel}}</span></h1>
        {{#result}}<p class="result {{outcome}}" role="status" id="command-result">{{t.lm_answer}}: <strong>{{action}}</strong> → <strong>{{outcomeLabel}}</strong>{{#detail}} · <code>{{detail}}</code>{{/detail}} ({{t.action_by}} {{user}})</p>{{/result}}
        <dl class="facts">
        <dt>{{t.site_address}}</dt><dd id="site-address">{{address}}</dd>
        <dt>{{t.site_coordinates}}</dt><dd>{{#coordinates}}<a href="https://www.openstreetmap.org/?mlat={{latitude}}&amp;mlon={{longitude}}#map=17/{{latitude}}/{{longitude}}">{{coordinates}}</a>{{/coordinates}}</dd>
        <dt>{{t.site_timeZone}}</dt><dd>{{timeZone}}</dd>
        </dl>
        {{#canConfigure}}<p><a href="/sites/{{siteId}}/load-management" id="load-management">{{t.lm_title}}</a></p>
        <details><summary>{{t.site_edit}}</summary>
        <form class="settings" method="post" action="/sites/{{siteId}}/details" id="site-details">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <label for="s-name">{{t.vehicle_name}}</label><input id="s-name" name="name" value="{{siteName}}" maxlength="100" required>
        <label for="s-address">{{t.site_address}}</label><input id="s-address" name="address" value="{{address}}" maxlength="200">
        <label for="s-lat">{{t.site_latitude}}</label><input id="s-lat" name="latitude" value="{{latitude}}" inputmode="decimal">
        <label for="s-lon">{{t.site_longitude}}</label><input id="s-lon" name="longitude" value="{{longitude}}" inputmode="decimal">
        <label for="s-tz">{{t.site_timeZone}}</label><input id="s-tz" name="timeZone" value="{{timeZone}}" placeholder="Europe/Berlin">
        <button type="submit" id="save-site">{{t.site_save}}</button>
        </form></details>
        <details><summary>{{t.reg_title}}</summary>
        <form class="settings" method="post" action="/sites/{{siteId}}/stations" id="register-station">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <label for="r-id">{{t.reg_id}}</label><input id="r-id" name="id" required maxlength="48">
        <label for="r-password">{{t.reg_password}}</label><input id="r-password" name="password" type="password" minlength="16" maxlength="40" autocomplete="new-password">
        <label for="r-current">{{t.reg_current}}</label><input id="r-current" name="maxCurrentA" value="32" inputmode="decimal">
        <label for="r-phases">{{t.reg_phases}}</label><select id="r-phases" name="phases"><option>3</option><option>1</option></select>
        <label for="r-rotation">{{t.reg_rotation}}</label><input id="r-rotation" name="rotation" placeholder="L1L2L3 / L2">
        <label for="r-priority">{{t.reg_priority}}</label><input id="r-priority" name="priority" type="number" min="-100" max="100" value="0">
        {{#hasGroupChoices}}<label for="r-group">{{t.reg_group}}</label><select id="r-group" name="group"><option value="">—</option>{{#groupChoices}}<option value="{{id}}">{{name}}</option>{{/groupChoices}}</select>{{/hasGroupChoices}}
        <button type="submit" id="register">{{t.reg_add}}</button>
        </form></details>{{/canConfigure}}
        <table class="stations">
        <thead><tr><th scope="col">{{t.session_station}}</th><th scope="col">{{t.station_connectivity}}</th><th scope="col">{{t.station_connectors}}</th><th scope="col">{{t.station_firmware}}</th></tr></thead>
        <tbody>
        {{#stations}}<tr><th scope="row"><a href="{{path}}">{{id}}</a><br><small>{{vendor}} {{model}}</small></th><td>{{connectivity}}</td><td>{{#connectors}}<span class="status s-{{status}}" data-site="{{site}}" data-station="{{station}}" data-connector="{{connector}}" data-time="{{time}}" title="{{t.station_connector}} {{connector}}">{{connector}}: <span class="label">{{label}}</span></span> {{/connectors}}</td><td>{{firmware}}</td></tr>
        {{/stations}}
        </tbody>
        </table>
        {{/content}}{{/layout}}
        """

    static let station = """
        {{<layout}}{{$content}}
        <h1>{{t.station_title}} {{id}}</h1>
        <p><a href="/sites/{{siteId}}">{{t.station_site}}: {{siteName}}</a></p>
        {{#result}}<p class="result {{outcome}}" role="status" id="command-result">{{t.action_result}}: <strong>{{action}}</strong> → <strong>{{outcomeLabel}}</strong>{{#detail}} · <code>{{detail}}</code>{{/detail}} ({{t.action_by}} {{user}})</p>{{/result}}
        <dl class="facts">
        <dt>{{t.station_vendor}}</dt><dd>{{vendor}}</dd><dt>{{t.station_model}}</dt><dd>{{model}}</dd>
        <dt>{{t.station_serial}}</dt><dd>{{serial}}</dd><dt>{{t.station_firmware}}</dt><dd>{{firmware}}</dd>
        <dt>{{t.station_connectivity}}</dt><dd>{{connectivity}} · {{t.station_since}} {{connectionSince}}</dd>
        <dt>{{t.station_approval}}</dt><dd id="approval">{{approvalLabel}}</dd>
        </dl>
        {{#canApprove}}<div class="station-actions">
        <form method="post" action="{{stationPath}}/approval"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="approval" value="accepted"><button type="submit" id="approve">{{t.station_approve}}</button></form>
        <form method="post" action="{{stationPath}}/approval"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="approval" value="rejected"><button type="submit" class="stop" id="reject">{{t.station_reject}}</button></form>
        </div>{{/canApprove}}
        <h2>{{t.station_connectors}}</h2>
        <table class="connectors">
        <thead><tr><th scope="col">{{t.station_connector}}</th><th scope="col">{{t.station_status}}</th><th scope="col">{{t.station_errorCode}}</th><th scope="col">{{t.station_vendorError}}</th><th scope="col">{{t.station_info}}</th><th scope="col">{{t.station_since}}</th>{{#canControl}}<th scope="col">{{t.station_actions}}</th>{{/canControl}}</tr></thead>
        <tbody>
        {{#connectors}}<tr><th scope="row">{{connector}}</th><td><span class="status s-{{status}}" data-site="{{site}}" data-station="{{station}}" data-connector="{{connector}}" data-time="{{time}}"><span class="label">{{label}}</span></span></td><td><code>{{errorCode}}</code></td><td><code>{{vendorErrorCode}}</code></td><td>{{info}}</td><td>{{since}}</td>
        {{#canControl}}<td class="actions">
        {{#transactionId}}<form method="post" action="{{stationPath}}/actions"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="action" value="stop"><input type="hidden" name="transactionId" value="{{transactionId}}"><button type="submit" class="stop" id="stop-{{connector}}">{{t.action_stop}}</button></form>{{/transactionId}}
        <form method="post" action="{{stationPath}}/actions"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="action" value="unlock"><input type="hidden" name="connector" value="{{connector}}"><button type="submit">{{t.action_unlock}}</button></form>
        <form method="post" action="{{stationPath}}/actions"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="action" value="{{availabilityAction}}"><input type="hidden" name="connector" value="{{connector}}"><button type="submit">{{availabilityLabel}}</button></form>
        </td>{{/canControl}}</tr>
        {{/connectors}}
        </tbody>
        </table>
        {{#canConfigure}}<p><a href="{{stationPath}}/configuration" id="read-configuration">{{t.config_read}}</a></p>{{/canConfigure}}
        {{#canControl}}
        <h2>{{t.station_actions}}</h2>
        <div class="station-actions">
        <form method="post" action="{{stationPath}}/actions" class="start"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="action" value="start">
        <label for="start-connector">{{t.station_connector}}</label><select id="start-connector" name="connector">{{#connectors}}<option>{{connector}}</option>{{/connectors}}</select>
        <label for="start-token">{{t.action_idTag}}</label><input id="start-token" name="idTag" required maxlength="20">
        <button type="submit">{{t.action_start}}</button></form>
        <form method="post" action="{{stationPath}}/actions"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="action" value="softReset"><button type="submit">{{t.action_softReset}}</button></form>
        <form method="post" action="{{stationPath}}/actions"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="action" value="hardReset"><button type="submit">{{t.action_hardReset}}</button></form>
        <form method="post" action="{{stationPath}}/actions"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="action" value="makeUnavailable"><input type="hidden" name="connector" value="0"><button type="submit">{{t.action_whole}}: {{t.action_makeUnavailable}}</button></form>
        <form method="post" action="{{stationPath}}/actions"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="action" value="makeAvailable"><input type="hidden" name="connector" value="0"><button type="submit">{{t.action_whole}}: {{t.action_makeAvailable}}</button></form>
        </div>
        {{/canControl}}
        {{#canControl}}<form method="post" action="{{stationPath}}/actions" class="start" id="reserve"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="action" value="reserve">
        <label for="reserve-connector">{{t.station_connector}}</label><select id="reserve-connector" name="connector">{{#connectors}}<option>{{connector}}</option>{{/connectors}}</select>
        <label for="reserve-token">{{t.action_idTag}}</label><input id="reserve-token" name="idTag" required maxlength="20">
        <label for="reserve-minutes">{{t.reserve_minutes}}</label><input id="reserve-minutes" name="minutes" type="number" min="5" max="1440" value="30">
        <button type="submit" id="reserve-button">{{t.reserve_button}}</button></form>{{/canControl}}
        {{#hasReservations}}<h2>{{t.reserve_upcoming}}</h2>
        <table class="reservations"><thead><tr><th scope="col">{{t.station_connector}}</th><th scope="col">{{t.session_token}}</th><th scope="col">{{t.reserve_until}}</th><th scope="col">{{t.event_who}}</th>{{#canControl}}<th scope="col"><span class="visually-hidden">{{t.reserve_cancel}}</span></th>{{/canControl}}</tr></thead>
        <tbody>{{#reservations}}<tr><td>{{connector}}</td><td><code>{{token}}</code></td><td>{{expires}}</td><td>{{by}}</td>{{#canControl}}<td><form method="post" action="{{stationPath}}/actions"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="action" value="cancelReservation"><input type="hidden" name="reservationId" value="{{reservationId}}"><button type="submit">{{t.reserve_cancel}}</button></form></td>{{/canControl}}</tr>{{/reservations}}</tbody></table>{{/hasReservations}}
        <h2>{{t.station_session}}</h2>
        {{^sessions}}<p>{{t.station_noSession}}</p>{{/sessions}}
        {{#sessions}}<section class="session"><p><a href="/sessions/{{siteId}}/{{transactionId}}">#{{transactionId}}</a> · {{t.station_connector}} {{connector}} · {{t.session_token}} <code>{{token}}</code> · {{t.session_start}} {{start}} · {{t.session_energy}} {{energy}} · {{t.session_power}} <span data-power-site="{{siteId}}" data-power-station="{{station}}" data-power-connector="{{connector}}">{{power}}</span> · {{t.session_soc}} {{soc}}</p>
        <figure><figcaption>{{t.station_chart}}</figcaption>{{{chart}}}</figure></section>{{/sessions}}
        <h2>{{t.station_events}}</h2>
        {{> eventTable}}
        {{/content}}{{/layout}}
        """

    static let configuration = """
        {{<layout}}{{$content}}
        <h1>{{t.config_title}}: {{id}}</h1>
        <p><a href="{{stationPath}}">← {{t.station_title}} {{id}}</a></p>
        {{#result}}<p class="result {{outcome}}" role="status" id="command-result">{{t.action_result}}: <strong>{{action}}</strong> → <strong>{{outcomeLabel}}</strong>{{#detail}} · <code>{{detail}}</code>{{/detail}} ({{t.action_by}} {{user}})</p>{{/result}}
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        {{#hasKeys}}<table class="configuration">
        <thead><tr><th scope="col">{{t.config_key}}</th><th scope="col">{{t.config_value}}</th><th scope="col">{{t.config_change}}</th></tr></thead>
        <tbody>{{#keys}}<tr><th scope="row"><code>{{key}}</code></th><td><code>{{value}}</code>{{#readonly}} <small>({{t.config_readonly}})</small>{{/readonly}}</td>
        <td>{{^readonly}}<form method="post" action="{{stationPath}}/configuration"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="key" value="{{key}}"><label class="visually-hidden" for="value-{{key}}">{{key}}</label><input id="value-{{key}}" name="value" value="{{value}}" maxlength="500"><button type="submit">{{t.config_change}}</button></form>{{/readonly}}</td></tr>{{/keys}}</tbody>
        </table>{{/hasKeys}}
        {{#unknown}}<p>{{t.config_unknown}}: {{unknown}}</p>{{/unknown}}
        {{/content}}{{/layout}}
        """

    static let loadSettings = """
        {{<layout}}{{$content}}
        <h1>{{t.lm_title}}: {{siteName}}</h1>
        <p><a href="/sites/{{siteId}}">← {{siteName}}</a></p>
        {{#result}}<p class="result {{outcome}}" role="status" id="command-result">{{t.lm_answer}}: <strong>{{outcomeLabel}}</strong>{{#detail}} · <code>{{detail}}</code>{{/detail}}</p>{{/result}}
        <p>{{t.lm_explain}}</p>
        <form method="post" action="/sites/{{siteId}}/load-management" class="settings">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <label for="lm-mode">{{t.lm_mode}}</label><select id="lm-mode" name="mode"><option value="">–</option><option value="static">{{t.lm_static}}</option><option value="dynamic">{{t.lm_dynamic}}</option></select>
        <label for="lm-strategy">{{t.lm_strategy}}</label><select id="lm-strategy" name="strategy"><option value="">–</option><option value="equal">{{t.lm_equal}}</option><option value="fifo">{{t.lm_fifo}}</option><option value="priority">{{t.lm_priority}}</option></select>
        <label for="lm-static">{{t.lm_staticCurrent}}</label><input id="lm-static" name="staticCurrentA" inputmode="decimal">
        <label for="lm-limit">{{t.lm_gridLimit}}</label><input id="lm-limit" name="gridLimitA" inputmode="decimal">
        <label for="lm-failsafe">{{t.lm_failsafe}}</label><input id="lm-failsafe" name="failsafeCurrentA" inputmode="decimal">
        <button type="submit" id="lm-apply">{{t.lm_apply}}</button>
        </form>
        {{/content}}{{/layout}}
        """

    static let firmware = """
        {{<layout}}{{$content}}
        <h1>{{t.fw_title}}</h1>
        <h2>{{t.fw_images}}</h2>
        {{#hasImages}}<table class="images">
        <thead><tr><th scope="col">{{t.fw_name}}</th><th scope="col">{{t.fw_version}}</th><th scope="col">{{t.fw_file}}</th><th scope="col">{{t.fw_size}}</th><th scope="col">SHA-256</th><th scope="col">{{t.fw_added}}</th></tr></thead>
        <tbody>{{#images}}<tr><th scope="row">{{name}}</th><td>{{version}}</td><td>{{#fileName}}<a href="/firmware/{{id}}/{{fileName}}">{{fileName}}</a>{{/fileName}}{{#url}}<a href="{{url}}">{{url}}</a>{{/url}}</td><td>{{size}}</td><td><code>{{sha}}</code>{{#signed}} <span class="signed">{{t.fw_signed}}</span>{{/signed}}</td><td>{{added}}</td></tr>{{/images}}</tbody>
        </table>{{/hasImages}}
        {{^hasImages}}<p>{{t.fw_noImages}}</p>{{/hasImages}}
        <div class="forms">
        <form id="upload-image" class="settings" method="post" action="/firmware/upload">
        <h3>{{t.fw_upload}}</h3><span></span>
        <label for="up-name">{{t.fw_name}}</label><input id="up-name" name="name" required maxlength="100">
        <label for="up-version">{{t.fw_version}}</label><input id="up-version" name="version" required maxlength="50">
        <label for="up-file">{{t.fw_file}}</label><input id="up-file" name="file" type="file" required>
        <button type="submit" id="upload">{{t.fw_uploadButton}}</button>
        <p class="problem" role="alert" id="upload-problem" hidden></p>
        </form>
        <form class="settings" method="post" action="/firmware/external">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <h3>{{t.fw_external}}</h3><span></span>
        <label for="ex-name">{{t.fw_name}}</label><input id="ex-name" name="name" required maxlength="100">
        <label for="ex-version">{{t.fw_version}}</label><input id="ex-version" name="version" required maxlength="50">
        <label for="ex-url">URL</label><input id="ex-url" name="url" type="url" required maxlength="512">
        <label for="ex-plain">{{t.fw_allowUnencrypted}}</label><input id="ex-plain" name="allowUnencrypted" type="checkbox">
        <button type="submit">{{t.fw_register}}</button>
        </form>
        {{#hasImages}}<form class="settings" method="post" action="/firmware/signature" id="sign-image">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <h3>{{t.fw_signTitle}}</h3><span></span>
        <label for="s-image">{{t.fw_image}}</label><select id="s-image" name="image">{{#images}}<option value="{{id}}">{{name}} {{version}}</option>{{/images}}</select>
        <label for="s-signature">{{t.fw_signature}}</label><input id="s-signature" name="signature" required maxlength="800">
        <label for="s-certificate">{{t.fw_signingCertificate}}</label><textarea id="s-certificate" name="signingCertificate" required maxlength="5500" rows="6"></textarea>
        <button type="submit" id="save-signature">{{t.fw_saveSignature}}</button>
        </form>{{/hasImages}}
        </div>
        <h2>{{t.fw_campaigns}}</h2>
        {{#hasCampaigns}}<table class="campaigns">
        <thead><tr><th scope="col">{{t.fw_name}}</th><th scope="col">{{t.fw_image}}</th><th scope="col">{{t.fw_state}}</th><th scope="col">{{t.fw_start}}</th><th scope="col">{{t.fw_rate}}</th><th scope="col">{{t.fw_progress}}</th></tr></thead>
        <tbody>{{#campaigns}}<tr><th scope="row"><a href="/firmware/campaigns/{{id}}">{{name}}</a></th><td>{{image}}</td><td>{{state}}</td><td>{{start}}</td><td>{{rate}}</td><td>{{progress}}</td></tr>{{/campaigns}}</tbody>
        </table>{{/hasCampaigns}}
        {{#hasImages}}<form class="settings" method="post" action="/firmware/campaigns" id="new-campaign">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <h3>{{t.fw_newCampaign}}</h3><span></span>
        <label for="c-name">{{t.fw_name}}</label><input id="c-name" name="name" required maxlength="100">
        <label for="c-image">{{t.fw_image}}</label><select id="c-image" name="image">{{#images}}<option value="{{id}}">{{name}} {{version}}</option>{{/images}}</select>
        <label for="c-sites">{{t.fw_sites}}</label><select id="c-sites" name="sites" multiple size="4">{{#sites}}<option value="{{id}}">{{name}}</option>{{/sites}}</select>
        {{#hasGroups}}<label for="c-groups">{{t.fw_groups}}</label><select id="c-groups" name="groups" multiple size="4">{{#groups}}<option value="{{id}}">{{name}}</option>{{/groups}}</select>{{/hasGroups}}
        <label for="c-stations">{{t.fw_stations}}</label><input id="c-stations" name="stations" placeholder="CP-1, CP-2">
        <label for="c-start">{{t.fw_start}} (UTC)</label><input id="c-start" name="startAt" type="datetime-local">
        <label for="c-rate">{{t.fw_rate}}</label><input id="c-rate" name="ratePerMinute" type="number" min="1" max="10000" value="10">
        <button type="submit" id="create-campaign">{{t.fw_create}}</button>
        </form>{{/hasImages}}
        {{/content}}{{/layout}}
        """

    static let campaign = """
        {{<layout}}{{$content}}
        <h1>{{t.fw_campaign}}: {{name}}</h1>
        <p><a href="/firmware">← {{t.fw_title}}</a></p>
        <dl class="facts">
        <dt>{{t.fw_image}}</dt><dd>{{image}}</dd><dt>{{t.fw_location}}</dt><dd><code>{{location}}</code></dd>
        <dt>{{t.fw_state}}</dt><dd id="campaign-state">{{state}}</dd><dt>{{t.fw_start}}</dt><dd>{{start}}</dd>
        <dt>{{t.fw_rate}}</dt><dd>{{rate}}</dd><dt>{{t.fw_progress}}</dt><dd id="campaign-progress">{{progress}}</dd>
        <dt>{{t.event_who}}</dt><dd>{{createdBy}}</dd>
        </dl>
        {{#canStop}}<form method="post" action="/firmware/campaigns/{{id}}/stop"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" class="stop" id="stop-campaign">{{t.fw_stop}}</button></form>{{/canStop}}
        <table class="targets">
        <thead><tr><th scope="col">{{t.event_station}}</th><th scope="col">{{t.event_site}}</th><th scope="col">{{t.fw_state}}</th><th scope="col">{{t.fw_sent}}</th><th scope="col">{{t.event_detail}}</th></tr></thead>
        <tbody>{{#targets}}<tr data-target="{{site}}/{{station}}"><th scope="row"><a href="{{stationPath}}">{{station}}</a></th><td>{{site}}</td><td class="target-state">{{state}}</td><td>{{sent}}</td><td>{{detail}}</td></tr>{{/targets}}</tbody>
        </table>
        {{/content}}{{/layout}}
        """

    static let vehicles = """
        {{<layout}}{{$content}}
        <h1>{{t.vehicle_title}}</h1>
        {{^hasVehicles}}<p>{{t.vehicle_none}}</p>{{/hasVehicles}}
        {{#hasVehicles}}<table class="vehicles">
        <thead><tr><th scope="col">{{t.vehicle_name}}</th><th scope="col">{{t.vehicle_plate}}</th><th scope="col">{{t.vehicle_fleet}}</th><th scope="col">{{t.vehicle_tokens}}</th><th scope="col">{{t.vehicle_where}}</th><th scope="col">{{t.session_soc}}</th><th scope="col">{{t.session_power}}</th>{{#canConfigure}}<th scope="col"><span class="visually-hidden">{{t.vehicle_remove}}</span></th>{{/canConfigure}}</tr></thead>
        <tbody>{{#vehicles}}<tr data-vehicle="{{name}}"><th scope="row">{{name}}</th><td>{{plate}}</td><td>{{fleet}}</td><td><code>{{tokens}}</code></td>
        <td class="where">{{#charging}}<a href="{{stationPath}}">{{station}}</a> / {{connector}} · <a href="/sites/{{site}}">{{siteName}}</a> · <a href="/sessions/{{site}}/{{transactionId}}">#{{transactionId}}</a>{{/charging}}{{^charging}}{{t.vehicle_notCharging}}{{/charging}}</td>
        <td>{{#charging}}{{soc}}{{/charging}}</td><td>{{#charging}}{{power}}{{/charging}}</td>
        {{#canConfigure}}<td><form method="post" action="/vehicles/{{id}}/delete"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">{{t.vehicle_remove}}</button></form></td>{{/canConfigure}}</tr>{{/vehicles}}</tbody>
        </table>{{/hasVehicles}}
        {{#canConfigure}}<form class="settings" method="post" action="/vehicles" id="new-vehicle">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <h2>{{t.vehicle_add}}</h2><span></span>
        <label for="v-name">{{t.vehicle_name}}</label><input id="v-name" name="name" required maxlength="100">
        <label for="v-plate">{{t.vehicle_plate}}</label><input id="v-plate" name="plate" maxlength="20">
        <label for="v-fleet">{{t.vehicle_fleet}}</label><input id="v-fleet" name="fleet" maxlength="100">
        <label for="v-tokens">{{t.vehicle_tokensHelp}}</label><input id="v-tokens" name="tokens" required>
        <button type="submit" id="add-vehicle">{{t.vehicle_add}}</button>
        </form>{{/canConfigure}}
        {{/content}}{{/layout}}
        """

    static let access = """
        {{<layout}}{{$content}}
        <h1>{{t.access_title}}</h1>
        <h2>{{t.access_users}}</h2>
        <table class="users">
        <thead><tr><th scope="col">{{t.access_login}}</th><th scope="col">{{t.access_name}}</th><th scope="col">{{t.access_role}}</th><th scope="col">{{t.access_organization}}</th><th scope="col">{{t.access_language}}</th><th scope="col">{{t.access_locked}}</th></tr></thead>
        <tbody>{{#users}}<tr data-user="{{id}}"><th scope="row"><a href="/access/users/{{id}}">{{id}}</a></th><td>{{name}}</td><td>{{role}}</td><td>{{organization}}</td><td>{{language}}</td><td>{{lockedUntil}}</td></tr>{{/users}}</tbody>
        </table>
        <form class="settings" method="post" action="/access/users" id="new-user">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <h3>{{t.access_addUser}}</h3><span></span>
        <label for="u-id">{{t.access_login}}</label><input id="u-id" name="id" required maxlength="64" autocomplete="off">
        <label for="u-name">{{t.access_name}}</label><input id="u-name" name="name" maxlength="100">
        <label for="u-role">{{t.access_role}}</label><select id="u-role" name="role">{{#roleChoices}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/roleChoices}}</select>
        <label for="u-organization">{{t.access_organization}}</label><select id="u-organization" name="organization"><option value="">{{t.access_staff}}</option>{{#organizationChoices}}<option value="{{value}}">{{name}}</option>{{/organizationChoices}}</select>
        <label for="u-language">{{t.access_language}}</label><select id="u-language" name="language"><option value="">{{t.access_browserLanguage}}</option>{{#languageChoices}}<option value="{{value}}">{{name}}</option>{{/languageChoices}}</select>
        <label for="u-password">{{t.access_password}}</label><input id="u-password" name="password" type="password" required minlength="10" autocomplete="new-password">
        <button type="submit" id="add-user">{{t.access_addUser}}</button>
        </form>
        <h2>{{t.access_tokens}}</h2>
        {{#hasTokens}}<table class="tokens">
        <thead><tr><th scope="col">{{t.access_id}}</th><th scope="col">{{t.access_name}}</th><th scope="col">{{t.access_role}}</th><th scope="col">{{t.access_user}}</th><th scope="col">{{t.access_tokenExpires}}</th><th scope="col">{{t.access_tokenUsed}}</th><th scope="col"></th></tr></thead>
        <tbody>{{#tokens}}<tr data-token="{{id}}"><th scope="row"><code>{{id}}</code></th><td>{{name}}</td><td>{{role}}</td><td>{{user}}</td><td>{{expires}}</td><td>{{used}}</td><td>{{#revoked}}{{t.access_tokenRevoked}}{{/revoked}}{{^revoked}}<form method="post" action="/access/tokens/{{id}}/revoke"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" class="stop" id="revoke-{{id}}">{{t.access_tokenRevoke}}</button></form>{{/revoked}}</td></tr>{{/tokens}}</tbody>
        </table>{{/hasTokens}}
        <p>{{t.access_tokensHelp}}</p>
        <h2>{{t.access_organizations}}</h2>
        {{#hasOrganizations}}<table class="organizations">
        <thead><tr><th scope="col">{{t.access_id}}</th><th scope="col">{{t.access_name}}</th><th scope="col">{{t.access_sites}}</th><th scope="col">{{t.access_stations}}</th><th scope="col">{{t.access_groups}}</th></tr></thead>
        <tbody>{{#organizations}}<tr data-organization="{{id}}"><th scope="row"><a href="/access/organizations/{{id}}">{{id}}</a></th><td>{{name}}</td><td>{{sites}}</td><td>{{stations}}</td><td>{{groups}}</td></tr>{{/organizations}}</tbody>
        </table>{{/hasOrganizations}}
        <form class="settings" method="post" action="/access/organizations" id="new-organization">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <h3>{{t.access_addOrganization}}</h3><span></span>
        <label for="o-id">{{t.access_id}}</label><input id="o-id" name="id" required maxlength="64">
        <label for="o-name">{{t.access_name}}</label><input id="o-name" name="name" required maxlength="100">
        <button type="submit" id="add-organization">{{t.access_addOrganization}}</button>
        </form>
        {{/content}}{{/layout}}
        """

    static let user = """
        {{<layout}}{{$content}}
        <h1>{{t.access_user}}: {{id}}</h1>
        <p><a href="/access">← {{t.access_title}}</a></p>
        {{#lockedUntil}}<p class="alert">{{t.access_locked}}: {{lockedUntil}}</p>{{/lockedUntil}}
        <form class="settings" method="post" action="/access/users/{{id}}" id="change-user">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <label for="u-name">{{t.access_name}}</label><input id="u-name" name="name" required maxlength="100" value="{{name}}">
        <label for="u-role">{{t.access_role}}</label><select id="u-role" name="role">{{#roleChoices}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/roleChoices}}</select>
        <label for="u-organization">{{t.access_organization}}</label><select id="u-organization" name="organization"><option value="">{{t.access_staff}}</option>{{#organizationChoices}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/organizationChoices}}</select>
        <label for="u-language">{{t.access_language}}</label><select id="u-language" name="language"><option value="">{{t.access_browserLanguage}}</option>{{#languageChoices}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/languageChoices}}</select>
        <label for="u-password">{{t.access_newPassword}}</label><input id="u-password" name="password" type="password" minlength="10" autocomplete="new-password">
        <label for="u-unlock">{{t.access_unlock}}</label><input id="u-unlock" name="unlock" type="checkbox" value="1">
        <button type="submit" id="save-user">{{t.site_save}}</button>
        </form>
        <form method="post" action="/access/users/{{id}}/delete"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" id="remove-user">{{t.access_removeUser}}</button></form>
        {{/content}}{{/layout}}
        """

    static let organization = """
        {{<layout}}{{$content}}
        <h1>{{t.access_organization}}: {{name}}</h1>
        <p><a href="/access">← {{t.access_title}}</a></p>
        {{#hasMembers}}<p>{{t.access_members}}: {{members}}</p>{{/hasMembers}}
        <form class="settings" method="post" action="/access/organizations/{{id}}" id="organization-grants">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <label for="o-name">{{t.access_name}}</label><input id="o-name" name="name" required maxlength="100" value="{{name}}">
        <label for="o-sites">{{t.access_sites}}</label><select id="o-sites" name="sites" multiple size="8">{{#siteChoices}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/siteChoices}}</select>
        <label for="o-stations">{{t.access_stationsHelp}}</label><input id="o-stations" name="stations" value="{{stations}}" placeholder="CP-1, CP-2">
        {{#hasGroups}}<label for="o-groups">{{t.access_groups}}</label><select id="o-groups" name="groups" multiple size="6">{{#groupChoices}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/groupChoices}}</select>{{/hasGroups}}
        <button type="submit" id="save-organization">{{t.site_save}}</button>
        </form>
        {{^hasMembers}}<form method="post" action="/access/organizations/{{id}}/delete"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" id="remove-organization">{{t.access_removeOrganization}}</button></form>{{/hasMembers}}
        {{/content}}{{/layout}}
        """

    static let homeSites = """
        {{<layout}}{{$content}}
        <h1>{{t.view_choose}}</h1>
        <form method="post" action="/home/sites" class="settings" id="choose-sites-form"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label for="home-sites">{{t.view_sites}}</label><select id="home-sites" name="sites" multiple size="12">{{#siteChoices}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/siteChoices}}</select>
        {{#hasGroups}}<label for="home-groups">{{t.view_groups}}</label><select id="home-groups" name="groups" multiple size="6">{{#groupChoices}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/groupChoices}}</select>{{/hasGroups}}
        <button type="submit" id="save-view">{{t.site_save}}</button></form>
        {{/content}}{{/layout}}
        """

    static let groups = """
        {{<layout}}{{$content}}
        <h1>{{t.nav_groups}}</h1>
        {{^hasGroups}}<p>{{t.group_none}}</p>{{/hasGroups}}
        {{#hasGroups}}<table class="groups">
        <thead><tr><th scope="col">{{t.group_name}}</th><th scope="col">{{t.home_stations}}</th>{{#canConfigure}}<th scope="col"><span class="visually-hidden">{{t.vehicle_remove}}</span></th>{{/canConfigure}}</tr></thead>
        <tbody>{{#groups}}<tr><th scope="row"><a href="/groups/{{id}}">{{name}}</a></th><td>{{stationList}}</td>{{#canConfigure}}<td><form method="post" action="/groups/{{id}}/delete"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">{{t.vehicle_remove}}</button></form></td>{{/canConfigure}}</tr>{{/groups}}</tbody>
        </table>{{/hasGroups}}
        {{#canConfigure}}<form class="settings" method="post" action="/groups" id="save-group">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <h2>{{t.group_save}}</h2><span></span>
        <label for="g-id">{{t.group_id}}</label><input id="g-id" name="id" required maxlength="64">
        <label for="g-name">{{t.group_name}}</label><input id="g-name" name="name" required maxlength="100">
        <label for="g-stations">{{t.fw_stations}}</label><input id="g-stations" name="stations">
        <button type="submit" id="save-group-button">{{t.site_save}}</button>
        </form>{{/canConfigure}}
        {{/content}}{{/layout}}
        """

    static let group = """
        {{<layout}}{{$content}}
        <h1>{{name}}</h1>
        <p><a href="/groups">← {{t.nav_groups}}</a></p>
        <table class="stations">
        <thead><tr><th scope="col">{{t.session_station}}</th><th scope="col">{{t.event_site}}</th><th scope="col">{{t.station_connectivity}}</th><th scope="col">{{t.station_connectors}}</th></tr></thead>
        <tbody>
        {{#stations}}<tr><th scope="row"><a href="{{path}}">{{id}}</a></th><td><a href="/sites/{{site}}">{{site}}</a></td><td>{{connectivity}}</td><td>{{#connectors}}<span class="status s-{{status}}" data-site="{{site}}" data-station="{{station}}" data-connector="{{connector}}" data-time="{{time}}">{{connector}}: <span class="label">{{label}}</span></span> {{/connectors}}</td></tr>
        {{/stations}}
        </tbody>
        </table>
        {{/content}}{{/layout}}
        """

    static let eventTable = """
        {{^events}}<p>{{t.event_none}}</p>{{/events}}
        {{#hasEvents}}<table class="events">
        <thead><tr><th scope="col">{{t.event_time}}</th><th scope="col">{{t.event_site}}</th><th scope="col">{{t.event_station}}</th><th scope="col">{{t.event_kind}}</th><th scope="col">{{t.event_severity}}</th><th scope="col">{{t.event_code}}</th><th scope="col">{{t.event_detail}}</th><th scope="col">{{t.event_who}}</th></tr></thead>
        <tbody>{{#events}}<tr class="sev-{{severity}}"><td>{{time}}</td><td>{{site}}</td><td>{{station}}{{#connector}} / {{connector}}{{/connector}}</td><td>{{kind}}</td><td>{{severityLabel}}</td><td><code>{{code}}</code></td><td>{{detail}}</td><td>{{who}}</td></tr>{{/events}}</tbody>
        </table>{{/hasEvents}}
        """

    static let sessions = """
        {{<layout}}{{$content}}
        <h1>{{t.session_title}}</h1>
        <form class="filters" method="get" action="/sessions">
        <label for="f-site">{{t.session_site}}</label><select id="f-site" name="site"><option value="">{{t.session_all}}</option>{{#siteOptions}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/siteOptions}}</select>
        <label for="f-station">{{t.session_station}}</label><input id="f-station" name="station" value="{{filter.station}}">
        <label for="f-token">{{t.session_token}}</label><input id="f-token" name="token" value="{{filter.token}}">
        <label for="f-state">{{t.session_state}}</label><select id="f-state" name="state">{{#stateOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/stateOptions}}</select>
        <button type="submit">{{t.session_filter}}</button>
        </form>
        {{#hasUpcoming}}<h2>{{t.reserve_upcoming}}</h2>
        <table class="reservations"><thead><tr><th scope="col">{{t.session_site}}</th><th scope="col">{{t.session_station}}</th><th scope="col">{{t.session_token}}</th><th scope="col">{{t.session_vehicle}}</th><th scope="col">{{t.reserve_until}}</th></tr></thead>
        <tbody>{{#upcoming}}<tr><td>{{site}}</td><td><a href="{{stationPath}}">{{station}}</a> / {{connector}}</td><td><code>{{token}}</code></td><td>{{vehicle}}</td><td>{{expires}}</td></tr>{{/upcoming}}</tbody></table>
        <h2>{{t.session_title}}</h2>{{/hasUpcoming}}
        {{^items}}<p>{{t.session_none}}</p>{{/items}}
        {{#hasItems}}<table class="sessions">
        <thead><tr><th scope="col">#</th><th scope="col">{{t.session_site}}</th><th scope="col">{{t.session_station}}</th><th scope="col">{{t.session_token}}</th><th scope="col">{{t.session_vehicle}}</th><th scope="col">{{t.session_start}}</th><th scope="col">{{t.session_stop}}</th><th scope="col">{{t.session_duration}}</th><th scope="col">{{t.session_energy}}</th><th scope="col">{{t.session_soc}}</th></tr></thead>
        <tbody>{{#items}}<tr{{#active}} class="active"{{/active}}><td><a href="/sessions/{{siteId}}/{{transactionId}}">{{transactionId}}</a></td><td>{{site}}</td><td><a href="{{stationPath}}">{{station}}</a> / {{connector}}</td><td><code>{{token}}</code></td><td>{{vehicle}}</td><td>{{start}}</td><td>{{stop}}</td><td>{{duration}}</td><td>{{energy}}</td><td>{{soc}}</td></tr>{{/items}}</tbody>
        </table>{{/hasItems}}
        {{#next}}<p><a href="{{next}}">{{t.session_more}} →</a></p>{{/next}}
        {{/content}}{{/layout}}
        """

    static let session = """
        {{<layout}}{{$content}}
        <h1>{{t.session_detail}} #{{transactionId}}</h1>
        <dl class="facts">
        <dt>{{t.session_site}}</dt><dd>{{site}}</dd><dt>{{t.session_station}}</dt><dd><a href="{{stationPath}}">{{station}}</a> / {{connector}}</dd>
        <dt>{{t.session_token}}</dt><dd><code>{{token}}</code></dd><dt>{{t.session_vehicle}}</dt><dd>{{vehicle}}</dd>
        <dt>{{t.session_start}}</dt><dd>{{start}}</dd>
        <dt>{{t.session_stop}}</dt><dd>{{stop}}</dd><dt>{{t.session_reason}}</dt><dd>{{reason}}</dd>
        <dt>{{t.session_duration}}</dt><dd>{{duration}}</dd><dt>{{t.session_energy}}</dt><dd>{{energy}}</dd>
        <dt>{{t.session_power}}</dt><dd>{{power}}</dd><dt>{{t.session_soc}}</dt><dd>{{soc}}</dd>
        </dl>
        <figure><figcaption>{{t.station_chart}}</figcaption>{{{chart}}}</figure>
        {{/content}}{{/layout}}
        """

    static let events = """
        {{<layout}}{{$content}}
        <h1>{{t.event_title}}</h1>
        <form class="filters" method="get" action="/events">
        <label for="e-site">{{t.event_site}}</label><select id="e-site" name="site"><option value="">{{t.event_any}}</option>{{#siteOptions}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/siteOptions}}</select>
        <label for="e-station">{{t.event_station}}</label><input id="e-station" name="station" value="{{filter.station}}">
        <label for="e-severity">{{t.event_severity}}</label><select id="e-severity" name="severity">{{#severityOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/severityOptions}}</select>
        <label for="e-code">{{t.event_code}}</label><input id="e-code" name="code" value="{{filter.code}}">
        <label for="e-from">{{t.event_from}}</label><input id="e-from" name="from" type="date" value="{{filter.from}}">
        <label for="e-to">{{t.event_to}}</label><input id="e-to" name="to" type="date" value="{{filter.to}}">
        <label for="e-order">{{t.event_order}}</label><select id="e-order" name="order">{{#orderOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/orderOptions}}</select>
        <button type="submit">{{t.session_filter}}</button>
        </form>
        {{> eventTable}}
        {{/content}}{{/layout}}
        """

    static let error = """
        {{<layout}}{{$content}}
        <h1>{{t.error_title}}</h1>
        <p class="problem" role="alert">{{message}}</p>
        <p><a href="/">{{t.error_back}}</a></p>
        {{/content}}{{/layout}}
        """
}
