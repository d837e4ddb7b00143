/* Borgerpanel's service worker for participants' phones, served as /p/sw.js (scope /p/).
 *
 * The venue's Wi-Fi drops; a phone that reloads then must still show its page, with the
 * writes its queue kept (live.js). So this worker keeps:
 * - the static files the page needs (their URLs carry a digest, so a copy never goes stale);
 * - the last copy of each phone page the server sent, for when the network is gone.
 * Pages always come from the network first; the copy is used only when there is no answer.
 * Live data (the socket, fragments, every write) is never cached: it comes from the server.
 * The server puts `ASSETS` and `VERSION` in front of this file.
 */
/* global ASSETS, VERSION */
"use strict";

var STATIC_CACHE = "borgerpanel-static-" + VERSION;
var PAGES_CACHE = "borgerpanel-pages";
var PAGE = /^\/p\/\d+$/;
var PAGE_TIMEOUT = 5000;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(ASSETS); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("borgerpanel-static-") === 0 && name !== STATIC_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function fromNetworkFirst(request) {
  return new Promise(function (resolve, reject) {
    var settled = false;
    // A stalled network answers from the copy after a while instead of hanging.
    var timer = setTimeout(function () {
      caches.match(request, { cacheName: PAGES_CACHE }).then(function (copy) {
        if (copy && !settled) { settled = true; resolve(copy); }
      });
    }, PAGE_TIMEOUT);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(PAGES_CACHE).then(function (cache) { return cache.put(request, copy); });
      }
      if (!settled) { settled = true; resolve(response); }
    }, function (error) {
      clearTimeout(timer);
      caches.match(request, { cacheName: PAGES_CACHE }).then(function (copy) {
        if (settled) return;
        settled = true;
        if (copy) resolve(copy); else reject(error);
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && PAGE.test(url.pathname)) {
    event.respondWith(fromNetworkFirst(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.match(request, { cacheName: STATIC_CACHE }).then(function (copy) {
        return copy || fetch(request);
      })
    );
  }
});
