// Gridside's service worker: shows the notifications the cloud pushes (Web Push), even with no dashboard tab open,
// and opens the notification list when one is clicked.
"use strict";

self.addEventListener("push", function (event) {
  var message = {};
  try { message = event.data ? event.data.json() : {}; } catch (e) { message = { body: event.data && event.data.text() }; }
  event.waitUntil(self.registration.showNotification(message.title || "Gridside", {
    body: message.body || "",
    tag: "gridside-" + (message.id || ""),
    data: { url: message.url || "/notifications" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/notifications";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if ("focus" in windows[i]) { windows[i].navigate(url); return windows[i].focus(); }
    }
    return self.clients.openWindow(url);
  }));
});
