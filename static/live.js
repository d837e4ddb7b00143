/* Borgerpanel live screens: the small glue around htmx and its WebSocket extension.
 *
 * - sends the CSRF token and an idempotency key with every htmx request;
 * - keeps track of the panel `seq`, so a reconnect asks only for what it missed, and
 *   asks for a snapshot when a message in its chain is missing;
 * - shows "Reconnecting…" while the socket is down;
 * - counts timers down locally, corrected for the server's clock;
 * - moves focus to the new step's heading when the step changes, for screen readers.
 * Updates are morphed into the page, so what someone is typing survives them.
 */
(function () {
  "use strict";

  // Reconnect quickly after a blip, but never hammer a restarting server: exponential
  // backoff with jitter (the extension's), capped at 8 s instead of a minute.
  if (window.htmx) {
    htmx.config.ws = Object.assign(htmx.config.ws || {}, { reconnectMaxDelay: 8000 });
  }

  var lastSeq = null;     // panel seq the screen reflects, sent on reconnect
  var chain = null;       // seq of the last message in this screen's chain
  var clockOffset = 0;    // server time minus local time, in ms
  var connection = null;  // the hx-ws connection, to ask for a resync
  var stepKey = null;

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.content : "";
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  /* --- requests ------------------------------------------------------------------ */

  document.addEventListener("htmx:config:request", function (event) {
    var ctx = event.detail.ctx;
    ctx.request.headers["X-CSRF-Token"] = meta("csrf-token");
    var form = ctx.sourceElement.closest ? ctx.sourceElement.closest("form") : null;
    if (form && form.hasAttribute("data-idempotent")) {
      // One key per intended submission: kept through retries, renewed after success.
      if (!form.dataset.idempotencyKey) form.dataset.idempotencyKey = newKey();
      ctx.request.body.set("idempotency_key", form.dataset.idempotencyKey);
    }
  });

  document.addEventListener("htmx:after:request", function (event) {
    var ctx = event.detail.ctx;
    var form = ctx.sourceElement.closest ? ctx.sourceElement.closest("form") : null;
    if (!form || !ctx.response) return;
    if (ctx.response.status < 500) delete form.dataset.idempotencyKey;
    // Sent: an empty form for the next one. Refused: keep what was typed to fix it.
    if (ctx.response.status < 300 && form.hasAttribute("data-reset-on-success")) form.reset();
  });

  /* --- personal marks over shared fragments --------------------------------------- */

  // Lists are rendered once per table; how this phone voted arrives separately in
  // #phone-marks and is laid over the shared buttons here.
  function applyMarks() {
    var marks = document.getElementById("phone-marks");
    if (!marks) marks = document.createElement("div");
    var votes = {}, upvotes = [];
    try { votes = JSON.parse(marks.dataset.votes || "{}"); } catch (e) { votes = {}; }
    try { upvotes = JSON.parse(marks.dataset.upvotes || "[]"); } catch (e) { upvotes = []; }
    document.querySelectorAll("[data-statement][data-choice]").forEach(function (button) {
      var pressed = votes[button.dataset.statement] === button.dataset.choice;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
    });
    var ballot = document.getElementById("phone-my-ballot");
    var mine = [];
    try { mine = JSON.parse((ballot && ballot.dataset.mine) || "[]"); } catch (e) { mine = []; }
    document.querySelectorAll(".results [data-option]").forEach(function (row) {
      row.classList.toggle("is-mine", mine.indexOf(row.dataset.option) !== -1);
    });
    document.querySelectorAll("[data-upvote]").forEach(function (button) {
      var pressed = upvotes.indexOf(Number(button.dataset.upvote)) !== -1;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.value = pressed ? "off" : "on";
    });
    applyRecommendationMarks();
  }

  // The recommendations step: this phone's levels of support and quick-vote answers.
  function applyRecommendationMarks() {
    var marks = document.getElementById("phone-recommendation-marks");
    if (!marks) return;
    var levels = {}, votes = {};
    try { levels = JSON.parse(marks.dataset.levels || "{}"); } catch (e) { levels = {}; }
    try { votes = JSON.parse(marks.dataset.votes || "{}"); } catch (e) { votes = {}; }
    document.querySelectorAll("[data-support][data-level]").forEach(function (button) {
      var pressed = levels[button.dataset.support] === button.dataset.level;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
    });
    document.querySelectorAll("[data-amendment][data-choice]").forEach(function (button) {
      var pressed = votes[button.dataset.amendment] === button.dataset.choice;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
    });
    document.querySelectorAll("[data-minority]").forEach(function (box) {
      box.hidden = levels[box.dataset.minority] !== marks.dataset.cannot;
    });
  }
  document.addEventListener("htmx:after:swap", applyMarks);

  /* --- the argument wall rotates by itself when the facilitator chooses so -------- */

  var rotation = 0;
  function rotateWall() {
    var wall = document.querySelector(".wall[data-mode='rotating']");
    if (!wall) return;
    var pages = wall.querySelectorAll(".wall-page");
    if (pages.length < 2) return;
    rotation = (rotation + 1) % pages.length;
    showPage(wall, rotation);
  }
  function showPage(wall, index) {
    wall.querySelectorAll(".wall-page").forEach(function (page, i) {
      page.classList.toggle("is-current", i === index);
    });
  }
  function keepRotation() {
    var wall = document.querySelector(".wall[data-mode='rotating']");
    if (!wall) { rotation = 0; return; }
    var pages = wall.querySelectorAll(".wall-page");
    if (rotation >= pages.length) rotation = 0;
    showPage(wall, rotation);
  }

  /* --- the live socket ------------------------------------------------------------ */

  function banner(state) {
    var el = document.getElementById("connection");
    if (!el) return;
    if (!state) { el.hidden = true; el.textContent = ""; return; }
    el.textContent = el.dataset[state] || "";
    el.hidden = false;
  }

  document.addEventListener("htmx:ws:before:connection", function (event) {
    var live = document.getElementById("live");
    var conn = event.detail.connection;
    if (lastSeq === null && live) lastSeq = Number(live.dataset.seq);
    var url = new URL(conn.url);
    url.searchParams.set("seq", String(lastSeq));
    conn.url = url.toString();
  });

  document.addEventListener("htmx:ws:after:connection", function (event) {
    connection = event.detail.connection;
    var live = document.getElementById("live");
    if (live) live.dataset.connected = "true";
    banner(null);
  });

  document.addEventListener("htmx:ws:close", function (event) {
    var code = event.detail.code;
    if (event.detail.reason === "removed") return;
    var live = document.getElementById("live");
    if (live) delete live.dataset.connected;
    banner(code === 1008 || code === 1000 ? "gone" : "offline");
  });

  window.addEventListener("offline", function () { banner("offline"); });

  function askForSnapshot() {
    if (connection && connection.socket && connection.socket.readyState === WebSocket.OPEN) {
      connection.socket.send(JSON.stringify({ type: "resync" }));
    }
  }

  document.addEventListener("htmx:ws:before:message:incoming", function (event) {
    var data;
    try { data = JSON.parse(event.detail.message.data); } catch (e) { return; }
    if (typeof data.now === "number") clockOffset = data.now - Date.now();
    if (data.snapshot !== undefined) {
      chain = data.chain;
      lastSeq = data.seq;
    } else if (data.prev !== undefined) {
      if (chain !== null && data.prev !== chain) {
        // A link is missing: drop this one and ask for the whole screen.
        event.detail.cancelled = true;
        chain = null;
        askForSnapshot();
        return;
      }
      chain = data.seq;
      if (data.seq > lastSeq) lastSeq = data.seq;
    }
    var live = document.getElementById("live");
    if (live && lastSeq !== null) live.dataset.seq = String(lastSeq);
  });

  document.addEventListener("htmx:ws:after:message:incoming", function () {
    tick();
    applyMarks();
    keepRotation();
    var step = document.querySelector("[data-step-key]");
    if (!step) return;
    var key = step.getAttribute("data-step-key");
    if (stepKey !== null && key !== stepKey) {
      var active = document.activeElement;
      if (!active || active === document.body || step.contains(active)) {
        var heading = step.querySelector("h1[tabindex]");
        if (heading) heading.focus();
      }
    }
    stepKey = key;
  });

  /* --- timers --------------------------------------------------------------------- */

  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function tick() {
    var now = Date.now() + clockOffset;
    document.querySelectorAll(".timer[data-ends]").forEach(function (timer) {
      var ends = Number(timer.dataset.ends);
      if (!ends) return;
      var left = Math.max(0, Math.ceil((ends - now) / 1000));
      var clock = timer.querySelector(".timer-clock");
      if (clock) clock.textContent = format(left);
      timer.classList.toggle("is-done", left === 0);
      timer.classList.toggle("is-ending", left > 0 && left <= 60);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var serverNow = Number(meta("server-now"));
    if (serverNow) clockOffset = serverNow - Date.now();
    var step = document.querySelector("[data-step-key]");
    stepKey = step ? step.getAttribute("data-step-key") : null;
    tick();
    applyMarks();
    setInterval(tick, 1000);
    setInterval(rotateWall, 12000);
  });
})();
