// The patient app's service worker, scoped to /app/: it keeps the app's
// shell (the check-in page as last loaded, the style, the script and the
// icons) so that the form opens without a connection. The API is never
// cached; check-ins wait in IndexedDB (static/app.js), not here.
"use strict";

const CACHE = "aftercare-app-v3";
const SHELL = [
  "/static/app.css",
  "/static/app.js",
  "/static/icon-192.png",
  "/static/icon-512.png",
  "/app/manifest.webmanifest",
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== CACHE; })
        .map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// The check-in page: from the network, kept for offline use when it is the
// signed-in page itself (not the sign-in page it may redirect to).
function page(request) {
  return fetch(request).then(function (response) {
    const url = new URL(request.url);
    if (url.pathname === "/app/" && response.ok && !response.redirected) {
      const copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put("/app/", copy); });
    }
    return response;
  }).catch(function () {
    return caches.match("/app/").then(function (cached) {
      return cached || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
    });
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate" && url.pathname.startsWith("/app/")) {
    event.respondWith(page(request));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    // The cached copy at once; a fresh one for next time.
    event.respondWith(caches.match(request).then(function (cached) {
      const fresh = fetch(request).then(function (response) {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      }).catch(function () { return cached; });
      return cached || fresh;
    }));
  }
});

// A reminder: its text is the server's (no health data); a tap opens the
// check-in.
self.addEventListener("push", function (event) {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {};
  }
  event.waitUntil(self.registration.showNotification(message.title || "aftercare", {
    body: message.body || "",
    icon: "/static/icon-192.png",
    tag: message.tag || "checkin",
    data: { url: message.url || "/app/" },
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/app/";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (windows) {
    const open = windows.find(function (w) { return new URL(w.url).pathname.startsWith("/app/"); });
    return open ? open.focus().then(function (w) { return w.navigate(url); }) : self.clients.openWindow(url);
  }));
});
