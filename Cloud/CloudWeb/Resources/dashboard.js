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
  // The header's count of notifications not seen listed yet.
  var unread = document.getElementById("unread");
  function showUnread(count) {
    if (!unread) { return; }
    unread.textContent = count > 99 ? "99+" : String(count);
    unread.hidden = count === 0;
    unread.dataset.count = String(count);
  }
  if (unread && !document.getElementById("notification-list")) {
    fetch("/notifications/unread", { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) { if (answer) { showUnread(answer.count); } }).catch(function () {});
  }
  // Live pages hear of everything that changes; every other page of a signed-in reader of its notifications only.
  var live = document.body.getAttribute("data-live");
  if (!window.EventSource || (!live && !document.getElementById("toasts"))) { return; }
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
      cell.className = cell.className.replace(/\bs-\S+/g, "").trim() + " s-" + update.status;
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

  // A notification shows at once in the page, and as the browser's own when its reader allowed them.
  function showNotification(update) {
    var toasts = document.getElementById("toasts");
    if (!toasts || !update.summary) { return; }
    var toast = document.createElement("div");
    toast.className = "toast";
    toast.dataset.notification = String(update.notification);
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", toasts.dataset.dismiss || "Dismiss");
    close.addEventListener("click", function () { toast.remove(); });
    var text = document.createElement("span");
    text.textContent = update.summary;
    toast.appendChild(close);
    toast.appendChild(text);
    if (window.Notification && Notification.permission === "default" && toasts.dataset.allow) {
      // Asked only when the reader chooses to: a button on the notification itself.
      var allow = document.createElement("button");
      allow.type = "button";
      allow.className = "allow";
      allow.textContent = toasts.dataset.allow;
      allow.addEventListener("click", function () {
        try { Notification.requestPermission(); } catch (e) {}
        allow.remove();
      });
      toast.appendChild(allow);
    }
    toasts.prepend(toast);
    while (toasts.children.length > 5) { toasts.lastChild.remove(); }
    if (window.Notification && Notification.permission === "granted") {
      try { new Notification(toasts.dataset.title || "Gridside", { body: update.summary, tag: "gridside-" + update.notification }); } catch (e) {}
    }
  }

  // Web Push: the browser subscribed with the cloud's VAPID key, its subscription kept by the cloud, so the rules
  // naming this user reach it with no tab open (the service worker at /sw.js shows them).
  function subscribePush() {
    if (!("serviceWorker" in navigator) || !window.PushManager) { return Promise.reject(new Error("no Push API")); }
    var token = document.querySelector('meta[name="csrf-token"]').content;
    return navigator.serviceWorker.register("/sw.js").then(function (registration) {
      return fetch("/push/key", { credentials: "same-origin", redirect: "error" }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
        .then(function (key) {
          var raw = atob(key.publicKey.replace(/-/g, "+").replace(/_/g, "/"));
          var bytes = new Uint8Array(raw.length);
          for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes });
        });
    }).then(function (subscription) {
      return fetch("/push-subscriptions", { method: "POST", credentials: "same-origin", redirect: "error",
        body: JSON.stringify(subscription),
        headers: { "X-CSRF-Token": token, "Content-Type": "application/json" } });
    }).then(function (response) { if (!response.ok) { throw new Error("HTTP " + response.status); } });
  }
  var pushButton = document.getElementById("enable-push");
  if (pushButton && "serviceWorker" in navigator && window.PushManager && window.Notification) {
    pushButton.hidden = false;
    pushButton.addEventListener("click", function () {
      var state = document.getElementById("push-state");
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { throw new Error(permission); }
        return subscribePush();
      }).then(function () { state.textContent = pushButton.dataset.on; pushButton.hidden = true; })
        .catch(function (error) { state.textContent = pushButton.dataset.failed + " " + error.message; });
    });
  }

  // A stream refused (too many open in this browser, the cloud restarting) is tried again after a while: the browser
  // itself retries only a connection that was lost, not one that was answered with an error.
  function listen() {
    var source = new EventSource(live ? "/live" : "/live?only=notifications");
    source.onerror = function () { if (source.readyState === 2) { setTimeout(listen, 15000); } };
    source.onmessage = received;
  }
  function received(event) {
    var update;
    try { update = JSON.parse(event.data); } catch (e) { return; }
    if (update.kind === "notification") {
      showNotification(update);
      showUnread(Number((unread && unread.dataset.count) || 0) + 1);
      return;
    }
    if (update.kind === "connector") { updateConnector(update); }
    if (update.kind === "session") { updatePower(update); }
    refreshSummary();
  }
  listen();
})();
