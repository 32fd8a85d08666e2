/// The dashboard's stylesheet and script, hand-written and served from the binary.
enum Assets {
    static let css = """
        :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --card: #fff; --accent: #0b5cad;
          --ok: #116329; --warn: #7d4e00; --bad: #a40e26; --use: #0b5cad; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus { outline: 3px solid #f0b400; outline-offset: 1px; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        .settings { display: grid; grid-template-columns: max-content minmax(160px, 320px); gap: 8px 12px; align-items: center; }
        .settings button { grid-column: 2; justify-self: start; }
        table.configuration form { display: flex; gap: 6px; }
        .forms { display: flex; flex-wrap: wrap; gap: 24px; margin: 12px 0; }
        .forms h3, .settings h3 { margin: 0; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
        header.top { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 8px 16px; background: #102a43; color: #fff; }
        header.top a { color: #fff; text-decoration: none; padding: 4px 6px; border-radius: 4px; }
        header.top a[aria-current="page"] { background: #334e68; }
        header.top .brand { font-weight: 700; font-size: 1.15em; margin-right: 8px; }
        header.top nav { display: flex; gap: 4px; flex-wrap: wrap; }
        header.top form { display: inline-flex; gap: 6px; align-items: center; margin: 0; }
        header.top .language { margin-left: auto; }
        header.top .who { color: #d9e2ec; }
        main { padding: 16px; max-width: 1400px; margin: 0 auto; }
        h1 { font-size: 1.5em; margin: 0.3em 0 0.6em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
        .live-note { font-size: 0.55em; color: var(--muted); font-weight: 400; }
        .totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; display: flex; flex-direction: column; }
        .card .value { font-size: 1.8em; font-weight: 700; } .card .label { color: var(--muted); }
        .card.in-use .value { color: var(--use); } .card.available .value { color: var(--ok); } .card.inoperative .value { color: var(--bad); }
        table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        thead th { background: #eaeef2; font-weight: 600; }
        .badge { font-size: 0.75em; padding: 1px 6px; border-radius: 10px; border: 1px solid currentColor; font-weight: 600; }
        .badge.online { color: var(--ok); } .badge.offline { color: var(--bad); }
        .status { display: inline-block; padding: 1px 8px; border-radius: 10px; margin: 1px 0; background: #eaeef2; white-space: nowrap; }
        .s-Available { background: #dafbe1; color: var(--ok); }
        .s-Charging, .s-Preparing, .s-SuspendedEV, .s-SuspendedEVSE, .s-Finishing, .s-Occupied { background: #ddf4ff; color: var(--use); }
        .s-Faulted { background: #ffebe9; color: var(--bad); font-weight: 600; }
        .s-Unavailable, .s-Offline { background: #eaeef2; color: var(--muted); }
        .s-Reserved { background: #fff8c5; color: var(--warn); }
        .alerts { padding-left: 1.2em; } .alert.faulted, .alert.siteOffline { color: var(--bad); }
        .problem { color: var(--bad); font-weight: 600; }
        .result { padding: 8px 12px; border-radius: 6px; background: #ddf4ff; }
        .result.accepted { background: #dafbe1; } .result.rejected, .result.timeout, .result.not_connected, .result.failed { background: #ffebe9; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
        .facts dt { color: var(--muted); } .facts dd { margin: 0; }
        .actions form, .station-actions form { display: inline-flex; gap: 4px; align-items: center; margin: 2px; }
        .station-actions { display: flex; flex-wrap: wrap; gap: 8px; }
        button { font: inherit; padding: 4px 10px; border-radius: 6px; border: 1px solid #8c959f; background: #fff; color: var(--ink); cursor: pointer; }
        button.stop { border-color: var(--bad); color: var(--bad); }
        input, select { font: inherit; padding: 3px 6px; border: 1px solid #8c959f; border-radius: 6px; }
        .filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 12px; }
        .login { max-width: 360px; margin: 40px auto; background: var(--card); padding: 24px; border: 1px solid var(--line); border-radius: 8px; }
        .login form { display: flex; flex-direction: column; gap: 8px; }
        .sev-error td { color: var(--bad); } .sev-warning td { color: var(--warn); }
        tr.active td { font-weight: 600; }
        figure { margin: 8px 0; } figcaption { color: var(--muted); }
        svg.chart { width: 100%; max-width: 900px; height: auto; background: #fff; border: 1px solid var(--line); }
        svg.chart .power { fill: none; stroke: var(--use); stroke-width: 2; }
        svg.chart .energy { fill: none; stroke: var(--ok); stroke-width: 2; stroke-dasharray: 5 3; }
        svg.chart text { font-size: 12px; fill: var(--muted); } svg.chart .axis { stroke: var(--line); }
        @media (max-width: 700px) { table.sites thead { display: none; } table.sites td, table.sites th { display: block; border: 0; }
          table.sites tr { display: block; border-bottom: 1px solid var(--line); } header.top .language { margin-left: 0; } }
        """

    static let javascript = """
        // Gridside dashboard: live updates over Server-Sent Events, and the language menu.
        "use strict";
        (function () {
          var language = document.getElementById("language");
          if (language) {
            language.addEventListener("change", function () { language.form.submit(); });
          }
          // A firmware image is sent as it is (no multipart), with the form token in a header.
          var upload = document.getElementById("upload-image");
          if (upload) {
            upload.addEventListener("submit", function (event) {
              event.preventDefault();
              var file = document.getElementById("up-file").files[0];
              var problem = document.getElementById("upload-problem");
              if (!file) { return; }
              var query = new URLSearchParams({ name: document.getElementById("up-name").value,
                version: document.getElementById("up-version").value, fileName: file.name });
              var token = document.querySelector('meta[name="csrf-token"]').content;
              fetch("/firmware/upload?" + query.toString(), { method: "POST", body: file, credentials: "same-origin",
                headers: { "X-CSRF-Token": token, "Content-Type": "application/octet-stream" } })
                .then(function (response) {
                  if (response.ok) { window.location.reload(); return; }
                  return response.text().then(function (text) { problem.textContent = text; problem.hidden = false; });
                });
            });
          }
          var live = document.body.getAttribute("data-live");
          if (!live || !window.EventSource) { return; }
          var labels = {};
          var meta = document.querySelector('meta[name="status-labels"]');
          if (meta) { try { labels = JSON.parse(meta.content); } catch (e) { labels = {}; } }

          function updateConnector(update) {
            var cells = document.querySelectorAll("[data-station][data-connector]");
            for (var i = 0; i < cells.length; i++) {
              var cell = cells[i];
              if (cell.dataset.site !== update.site || cell.dataset.station !== update.station ||
                  cell.dataset.connector !== String(update.connector)) { continue; }
              // An update older than what the page shows (a late message) changes nothing.
              if (cell.dataset.time && update.time && update.time < cell.dataset.time) { continue; }
              cell.className = cell.className.replace(/\\bs-\\S+/g, "").trim() + " s-" + update.status;
              cell.dataset.time = update.time || "";
              var label = cell.querySelector(".label");
              if (label) { label.textContent = labels[update.status] || update.status; }
            }
          }

          function updatePower(update) {
            var cells = document.querySelectorAll("[data-power-station]");
            for (var i = 0; i < cells.length; i++) {
              var cell = cells[i];
              if (cell.dataset.powerSite === update.site && cell.dataset.powerStation === update.station &&
                  cell.dataset.powerConnector === String(update.connector) &&
                  typeof update.powerW === "number") {
                cell.textContent = (update.powerW / 1000).toLocaleString(document.documentElement.lang, { maximumFractionDigits: 1 }) + " kW";
              }
            }
          }

          var summaryTimer = null;
          function refreshSummary() {
            if (!document.querySelector("[data-total]")) { return; }
            if (summaryTimer) { return; }
            summaryTimer = setTimeout(function () {
              summaryTimer = null;
              fetch("/live/summary", { credentials: "same-origin" }).then(function (response) {
                return response.ok ? response.json() : null;
              }).then(function (summary) {
                if (!summary) { return; }
                Object.keys(summary.totals).forEach(function (key) {
                  var cell = document.querySelector('[data-total="' + key + '"]');
                  if (cell) { cell.textContent = summary.totals[key]; }
                });
                summary.sites.forEach(function (site) {
                  var row = document.querySelector('tr[data-site="' + CSS.escape(site.id) + '"]');
                  if (!row) { return; }
                  Object.keys(site.counts).forEach(function (key) {
                    var cell = row.querySelector('[data-count="' + key + '"]');
                    if (cell && cell.firstChild) { cell.firstChild.textContent = site.counts[key]; }
                  });
                });
              }).catch(function () {});
            }, 250);
          }

          var source = new EventSource("/live");
          source.onmessage = function (event) {
            var update;
            try { update = JSON.parse(event.data); } catch (e) { return; }
            if (update.kind === "connector") { updateConnector(update); }
            if (update.kind === "session") { updatePower(update); }
            refreshSummary();
          };
        })();
        """
}
