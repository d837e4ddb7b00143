/* Borgerpanel live screens: the small glue around htmx and its WebSocket extension.
 *
 * - sends the CSRF token and an idempotency key with every htmx request;
 * - keeps every write a participant makes in one queue (the page and localStorage) until
 *   the server has answered it, so a dropped network or a reload loses nothing;
 * - keeps what someone is typing as a draft that survives a reload;
 * - keeps an amendment being written on the version of the text its author read;
 * - keeps track of the panel `seq`, so a reconnect asks only for what it missed, and
 *   asks for a snapshot when a message in its chain is missing;
 * - shows "Reconnecting…" while the socket or the network is down, and only then;
 * - counts timers down locally, corrected for the server's clock;
 * - moves focus to the new step's heading when the step changes, for screen readers.
 * Updates are morphed into the page, so what someone is typing survives them.
 */
(function () {
  "use strict";

  // Reconnect quickly after a blip, but never all at once: a room of 2,000 phones that
  // lost the server together must not come back in the same instant. Exponential backoff
  // with ±50 % jitter, capped at 8 s. A server that says it is restarting (1012) is ready
  // again within a second or two: it is tried after 0.125–0.375 s and then every
  // 0.25–0.75 s, so a phone knocks at most 0.75 s after the server is ready (a longer
  // step is what the phone waits, on average half of it, before it is back). While
  // nothing listens a knock is a refused connection, which costs the server nothing; the
  // jitter spreads a room's knocks over each step. After RESTART_WINDOW without success
  // it is an outage, not a restart, and the usual backoff applies. The projector and the
  // facilitators' tablets (a handful of screens, the ones a whole room watches) knock
  // every 0.05-0.15 s instead: they are back first, before the room's phones arrive,
  // and their knocks cost nothing while nothing listens.
  // bench/restart.py models exactly this schedule: change both together.
  var RECONNECT = { reconnectDelay: 500, reconnectMaxDelay: 8000, reconnectJitter: 0.5 };
  var RESTARTING = { reconnectDelay: 250, reconnectMaxDelay: 500, reconnectJitter: 0.5 };
  var RESTARTING_SHARED = { reconnectDelay: 100, reconnectMaxDelay: 100, reconnectJitter: 0.5 };
  var RESTART_WINDOW = 30000;
  var restartingSince = null;  // when the server said it was restarting, until back
  if (window.htmx) {
    htmx.config.ws = Object.assign(htmx.config.ws || {}, RECONNECT);
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
    var form = ctx.sourceElement.closest ? ctx.sourceElement.closest("form") : null;
    if (form && queued(form)) {
      // A participant's write: the queue sends it, keeps it and says what became of it.
      event.preventDefault();
      enqueue(form, ctx.request.body);
      return;
    }
    ctx.request.headers["X-CSRF-Token"] = meta("csrf-token");
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
    if (ctx.response.status < 300 && form.hasAttribute("data-reset-on-success")) {
      form.reset();
      writing.delete(form);
      takeNewest(form);
      forgetDraft(form);
    }
  });

  /* --- the write queue ------------------------------------------------------------ *
   * Every write a participant makes (argument, question, support, statement vote, ballot,
   * survey answer) is an entry here before anything is sent: in this page and in
   * localStorage, with its idempotency key. It is shown beside its form (or, once the form
   * is gone, in #outbox) as waiting, sending, refused or failed, sent one at a time, tried
   * again with backoff and jitter, at once when the network or the socket comes back and
   * after a reload, and forgotten only when the server has answered it. A form marked
   * data-queue="latest" keeps one entry (a newer ballot replaces an unsent older one);
   * "each" keeps every one (two arguments are two). */

  var STORE = "borgerpanel:outbox";
  var TIMEOUT = 15000;      // a request with no answer by then is tried again later
  var MAX_BACKOFF = 30000;
  var entries = load();     // [{id, url, fields, mode, slot, page, what, state, message, tries, next}]
  var outcomes = {};        // slot -> the last answer shown there this page (sent entries)
  var sending = false;
  var pumpTimer = null;

  function load() {
    var kept;
    try { kept = JSON.parse(localStorage.getItem(STORE) || "[]") || []; } catch (e) { kept = []; }
    // One being sent when the page went away got no answer: it waits to be sent again.
    kept.forEach(function (e) { if (e.state === "sending") e.state = "waiting"; });
    return kept;
  }
  function save() {
    try { localStorage.setItem(STORE, JSON.stringify(entries)); } catch (e) { /* full: the page still has them */ }
  }
  function words() { return document.getElementById("outbox"); }
  function queued(form) { return form.hasAttribute("data-queue") && words() !== null; }

  // What the participant wrote or chose, in their words, to show beside a kept write.
  function describe(form, submitter) {
    if (form.dataset.queueLabel) return [form.dataset.queueLabel];
    var lines = [];
    var item = form.closest(".item");
    var itemText = item && item.querySelector(".item-text");
    if (itemText) lines.push(itemText.textContent.trim());
    form.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (!field.name || field.type === "hidden" || field.type === "submit") return;
      var labelled = field.labels && field.labels[0];
      var named = labelled && (labelled.querySelector(".likert-label") || labelled);
      var label = named ? named.textContent.replace(/\s+/g, " ").trim() : "";
      if (field.type === "radio" || field.type === "checkbox") {
        if (!field.checked) return;
        var set = field.closest("fieldset.likert");
        var legend = set && set.querySelector("legend");
        lines.push((legend ? legend.textContent.trim() + ": " : "") + label);
      } else if (field.tagName === "SELECT") {
        var option = field.selectedOptions[0];
        if (field.value && option) lines.push((label ? label + ": " : "") + option.textContent.trim());
      } else if (field.value.trim()) {
        lines.push(field.type === "number" ? label + ": " + field.value : field.value.trim());
      }
    });
    if (submitter && submitter.name) lines.push(submitter.firstChild ? submitter.firstChild.textContent.trim() : submitter.textContent.trim());
    return lines;
  }

  function enqueue(form, body) {
    var fields = [];
    body.forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "idempotency_key") fields.push([name, String(value)]);
    });
    var mode = form.dataset.queue === "each" ? "each" : "latest";
    var slot = form.id;
    var submitter = null;
    fields.forEach(function (pair) {
      var button = form.querySelector(
        'button[name="' + CSS.escape(pair[0]) + '"][value="' + CSS.escape(pair[1]) + '"]');
      if (button) submitter = button;
    });
    var entry = {
      id: newKey(),
      url: form.getAttribute("hx-post") || form.getAttribute("action"),
      fields: fields,
      mode: mode,
      slot: slot,
      page: location.pathname,
      what: describe(form, submitter),
      state: "waiting",
      message: "",
      tries: 0,
      next: 0
    };
    if (mode === "latest") {
      // The newest choice replaces an unsent older one; one being sent finishes first.
      entries = entries.filter(function (e) { return e.slot !== slot || e.state === "sending"; });
    }
    entries.push(entry);
    delete outcomes[slot];
    if (form.hasAttribute("data-reset-on-success")) {
      // What was typed now lives in the entry, shown beside the form until it is sent.
      form.reset();
      forgetDraft(form);
    }
    save();
    show();
    pump();
  }

  function backoff(tries) {
    var delay = Math.min(MAX_BACKOFF, 1000 * Math.pow(2, tries));
    return delay * (0.5 + Math.random() / 2);
  }

  // The network or the socket is back, or the page has just loaded: try everything soon,
  // each phone after its own short random pause so a whole room does not send at once.
  function retrySoon() {
    var now = Date.now();
    entries.forEach(function (e) {
      if (e.state === "waiting" || e.state === "failed") e.next = now + Math.random() * 1000;
    });
    schedule(0);
  }

  function schedule(delay) {
    clearTimeout(pumpTimer);
    pumpTimer = setTimeout(pump, Math.max(0, delay));
  }

  function pump() {
    if (sending) return;
    var now = Date.now();
    var due = null, soonest = Infinity;
    entries.forEach(function (e) {
      if (e.state !== "waiting" && e.state !== "failed") return;
      if (e.next <= now) { if (!due) due = e; } else soonest = Math.min(soonest, e.next);
    });
    if (!due) { if (soonest < Infinity) schedule(soonest - now); return; }
    send(due);
  }

  function send(entry) {
    sending = true;
    var previous = entry.state;
    entry.state = "sending";
    show();
    var body = new URLSearchParams();
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.set("csrf_token", meta("csrf-token"));
    body.set("idempotency_key", entry.id);
    var abort = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (abort) abort.abort(); }, TIMEOUT);
    fetch(entry.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRF-Token": meta("csrf-token") },
      signal: abort ? abort.signal : undefined
    }).then(function (response) {
      return response.text().then(function (text) { answered(entry, response.status, text); });
    }, function () {
      // No answer at all: the network is gone (or the server is). Keep it and wait.
      entry.state = previous === "failed" ? "failed" : "waiting";
      entry.tries += 1;
      entry.next = Date.now() + backoff(entry.tries);
    }).then(function () {
      clearTimeout(timer);
      sending = false;
      save();
      show();
      pump();
    });
  }

  function flashText(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var flash = doc.querySelector(".flash, .saved");
    return flash ? flash.textContent.trim() : "";
  }

  function answered(entry, status, text) {
    if (status >= 200 && status < 300) {
      entries = entries.filter(function (e) { return e !== entry; });
      entry.state = "sent";
      entry.message = flashText(text);
      outcomes[entry.slot] = (outcomes[entry.slot] || []).concat([entry]).slice(-3);
      var form = document.getElementById(entry.slot);
      if (form && entry.mode === "latest") forgetDraft(form);
      // Anything else the answer carries (your ballot as counted) goes where it belongs.
      if (window.htmx) htmx.swap({ sourceElement: document.body, target: document.body, swap: "none", text: text });
    } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      // Refused (the vote closed, the step moved on, the form expired): the server's
      // answer is final, so it is not sent again; what was written stays on the screen.
      entry.state = "refused";
      entry.message = flashText(text);
    } else {
      // The server failed or is busy: its message, and another try later.
      entry.state = "failed";
      entry.message = flashText(text);
      entry.tries += 1;
      entry.next = Date.now() + backoff(entry.tries);
    }
  }

  function dismiss(id) {
    entries = entries.filter(function (e) { return e.id !== id; });
    save();
    show();
  }

  function card(entry, texts) {
    var box = document.createElement("div");
    box.className = "outbox-entry is-" + entry.state;
    box.dataset.entry = entry.id;
    if (entry.what && entry.what.length && !(entry.state === "sent" && entry.mode === "latest")) {
      var what = document.createElement("p");
      what.className = "outbox-what";
      entry.what.forEach(function (line, i) {
        if (i) what.appendChild(document.createElement("br"));
        what.appendChild(document.createTextNode(line));
      });
      box.appendChild(what);
    }
    var state = document.createElement("p");
    state.className = "outbox-state";
    var says = {
      waiting: texts.waiting,
      sending: texts.sending,
      sent: entry.message,
      refused: [entry.message, texts.refused].filter(Boolean).join(" "),
      failed: [entry.message, texts.failed].filter(Boolean).join(" ")
    };
    state.textContent = says[entry.state] || "";
    box.appendChild(state);
    if (entry.state === "refused") {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button small";
      button.textContent = texts.dismiss;
      button.addEventListener("click", function () { dismiss(entry.id); });
      box.appendChild(button);
    }
    return box;
  }

  // Put every entry of this page beside its form, or in #outbox when its form is gone.
  // Runs after every change of the queue and every live update; touches the DOM only
  // where something changed, so screen readers hear each outcome once.
  function show() {
    var outbox = words();
    if (!outbox) return;
    var texts = outbox.dataset;
    var places = new Map();
    function place(slot) {
      var form = slot && document.getElementById(slot);
      var status = form && form.querySelector("[data-send-status]");
      var target = status || outbox.querySelector(".outbox-entries");
      if (!places.has(target)) places.set(target, []);
      return places.get(target);
    }
    entries.forEach(function (e) { if (e.page === location.pathname) place(e.slot).push(e); });
    Object.keys(outcomes).forEach(function (slot) {
      var form = document.getElementById(slot);
      if (!form) return;  // a sent write whose form is gone needs no word any more
      outcomes[slot].forEach(function (e) { place(slot).push(e); });
    });
    var kept = outbox.querySelector(".outbox-entries");
    if (!places.has(kept)) places.set(kept, []);
    document.querySelectorAll("[data-send-status]").forEach(function (status) {
      if (!places.has(status)) places.set(status, []);
    });
    places.forEach(function (list, target) {
      var signature = list.map(function (e) { return e.id + e.state + e.message; }).join("|");
      if (target.dataset.shown === signature) return;
      target.dataset.shown = signature;
      target.replaceChildren.apply(target, list.map(function (e) { return card(e, texts); }));
    });
    outbox.hidden = places.get(kept).length === 0;
    // A refusal whose form has gone (the vote closed) is brought to where the person looks.
    places.get(kept).forEach(function (e) {
      if (e.state !== "refused" || shownRefusals[e.id]) return;
      shownRefusals[e.id] = true;
      var shown = kept.querySelector('[data-entry="' + e.id + '"]');
      if (shown && shown.scrollIntoView) shown.scrollIntoView({ block: "nearest" });
    });
  }
  var shownRefusals = {};

  /* --- drafts: what someone is typing survives a reload ------------------------------ */

  function draftKey(form) { return "borgerpanel:draft:" + location.pathname + ":" + form.id; }

  // A hidden field marked data-version is kept too: the version of the text the person
  // was writing against (see "a form being written" below).
  function drafted(field) {
    return field.name && field.type !== "submit" &&
      (field.type !== "hidden" || field.hasAttribute("data-version"));
  }

  function keepDraft(form) {
    var values = {};
    form.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (!drafted(field)) return;
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) return;
      if (field.tagName === "SELECT" && !touched.has(field)) return;
      (values[field.name] = values[field.name] || []).push(field.value);
    });
    try { localStorage.setItem(draftKey(form), JSON.stringify(values)); } catch (e) { /* full */ }
  }

  function forgetDraft(form) {
    try { localStorage.removeItem(draftKey(form)); } catch (e) { /* unavailable */ }
  }

  var restored = new WeakSet();  // forms whose draft is back (a new form gets its own)
  var touched = new WeakSet();   // selects the person chose in (a default is no draft)

  function restoreDrafts() {
    document.querySelectorAll("form[data-draft][id]").forEach(function (form) {
      if (restored.has(form)) return;
      restored.add(form);
      var values;
      try { values = JSON.parse(localStorage.getItem(draftKey(form)) || "null"); } catch (e) { values = null; }
      if (!values) return;
      form.querySelectorAll("input, select, textarea").forEach(function (field) {
        var wanted = values[field.name];
        if (!wanted || !drafted(field)) return;
        if (field.hasAttribute("data-version")) {
          // The page has the newest version; the draft was written against this one.
          if (field.value !== wanted[0]) newest.set(field, field.value);
          field.value = wanted[0];
          return;
        }
        if (field.tagName === "TEXTAREA" && form.hasAttribute("data-hold") && wanted[0] !== field.defaultValue) {
          writing.add(form);
        }
        if (field.type === "radio" || field.type === "checkbox") {
          field.checked = wanted.indexOf(field.value) !== -1;
        } else {
          field.value = wanted[0];
          if (field.tagName === "SELECT") touched.add(field);
        }
      });
    });
  }

  function onEdit(event) {
    var field = event.target;
    var form = field.form;
    if (!form || !form.hasAttribute("data-draft") || !form.id) return;
    if (field.tagName === "SELECT") touched.add(field);
    keepDraft(form);
  }
  document.addEventListener("input", onEdit);
  document.addEventListener("change", onEdit);

  document.addEventListener("htmx:after:swap", function () { restoreDrafts(); show(); });

  /* --- a form being written keeps the text its author read -------------------------- *
   * An amendment is written against one version of a text. Once someone types in a form
   * marked data-hold, live updates leave its fields as they are: the hidden version they
   * read ([data-version]) and what they typed. The newest values the server sent wait
   * beside each field, and the form's [data-changed] notice (rendered with the newest text)
   * shows while the version held differs from it. Sending against the old version is
   * refused by the server; "write it against the new text" ([data-take-newest]) lays the
   * newest version in and keeps what was typed; a sent form starts again from the newest. */

  var writing = new WeakSet();  // forms someone has typed in
  var newest = new WeakMap();   // held field -> the value the server sent since

  function held(field) {
    var form = field.form;
    return !!form && writing.has(form) && (field.tagName === "TEXTAREA" || field.hasAttribute("data-version"));
  }

  if (window.htmx) {
    htmx.registerExtension("hold", {
      htmx_before_morph_node: function (node, detail) {
        if (!(node instanceof HTMLTextAreaElement || node instanceof HTMLInputElement) || !held(node)) return;
        var incoming = detail.newNode;
        newest.set(node, node.tagName === "TEXTAREA" ? incoming.defaultValue : incoming.getAttribute("value"));
        return false;  // this field stays as its author has it
      }
    });
  }

  function startWriting(event) {
    var field = event.target;
    var form = field.form;
    if (!form || !form.hasAttribute("data-hold") || field.tagName !== "TEXTAREA") return;
    if (field.value !== field.defaultValue) writing.add(form);
  }
  document.addEventListener("input", startWriting);

  // Lay the newest values in: the version always, the text only as the box's starting
  // point (what was typed stays unless the form was just sent and emptied).
  function takeNewest(form) {
    form.querySelectorAll("textarea, input[data-version]").forEach(function (field) {
      if (!newest.has(field)) return;
      var value = newest.get(field);
      newest.delete(field);
      if (field.tagName === "TEXTAREA") {
        var typed = field.value;
        var dirty = typed !== field.defaultValue;
        field.defaultValue = value;
        field.value = dirty ? typed : value;
      } else {
        field.setAttribute("value", value);
        field.value = value;
      }
    });
    showChanged();
  }

  function showChanged() {
    document.querySelectorAll("form[data-hold]").forEach(function (form) {
      var version = form.querySelector("[data-version]");
      var notice = form.querySelector("[data-changed]");
      if (!version || !notice) return;
      notice.hidden = version.value === notice.dataset.changed;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-take-newest]");
    if (!button || !button.form) return;
    takeNewest(button.form);
    if (button.form.hasAttribute("data-draft") && button.form.id) keepDraft(button.form);
    var answer = button.form.querySelector(".form-answer");
    if (answer) answer.replaceChildren();
    var box = button.form.querySelector("textarea");
    if (box) box.focus();
  });

  document.addEventListener("htmx:after:swap", showChanged);

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
    connection = conn;
    if (lastSeq === null && live) lastSeq = Number(live.dataset.seq);
    var url = new URL(conn.url);
    url.searchParams.set("seq", String(lastSeq));
    conn.url = url.toString();
  });

  var socketOpen = false;
  var socketLost = false;  // the socket closed (or never opened) and is not open again
  var gone = false;        // the server will not take this screen back: reload

  // The banner says what is true now: the network is gone, or the socket is down.
  function followState() {
    if (!document.getElementById("live") || gone) return;
    var down = navigator.onLine === false || (socketLost && !socketOpen);
    banner(down ? "offline" : null);
  }

  document.addEventListener("htmx:ws:after:connection", function (event) {
    connection = event.detail.connection;
    Object.assign(connection.config, RECONNECT);
    restartingSince = null;
    socketOpen = true;
    socketLost = false;
    var live = document.getElementById("live");
    if (live) live.dataset.connected = "true";
    followState();
    retrySoon();
  });

  document.addEventListener("htmx:ws:close", function (event) {
    var code = event.detail.code;
    if (event.detail.reason === "removed") return;
    socketOpen = false;
    socketLost = true;
    var live = document.getElementById("live");
    if (live) delete live.dataset.connected;
    var conn = event.detail.connection;
    if (code === 1012) restartingSince = Date.now();
    if (conn) {
      // Restarting: short steps until the socket opens again, for a while; each failed
      // try closes again, and the extension reads the config right after this event.
      var restarting = restartingSince !== null && Date.now() - restartingSince < RESTART_WINDOW;
      var shared = !/\/ws\/p\//.test(conn.url);  // not a phone: the projector or a tablet
      Object.assign(conn.config, restarting ? (shared ? RESTARTING_SHARED : RESTARTING) : RECONNECT);
    }
    gone = code === 1008 || code === 1000;
    if (gone) banner("gone");
    else followState();
  });

  // Back online: reconnect now (after a random pause of up to a second, so a room whose
  // Wi-Fi returns does not knock all at once) instead of when the backoff
  // timer says, and send what waited.
  function reconnectSoon() {
    var conn = connection;
    if (!conn || !conn.visibilityHandler || document.hidden) return;
    if (conn.socket && conn.socket.readyState !== WebSocket.CLOSED) return;
    clearTimeout(conn.timer);
    conn.timer = setTimeout(function () {
      if (!conn.socket || conn.socket.readyState === WebSocket.CLOSED) conn.visibilityHandler();
    }, Math.random() * 1000);
  }

  window.addEventListener("offline", followState);
  window.addEventListener("online", function () {
    followState();
    reconnectSoon();
    retrySoon();
  });

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
    keepCopySoon();
    tick();
    applyMarks();
    showChanged();
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

  /* --- the phone page works without a network ------------------------------------- */

  // A service worker (/p/sw.js, so it controls only participants' pages) keeps the page
  // and its scripts and styles; live data still comes only from the server. The copy of
  // the page is this page as it is now: the live updates change it, so after each one
  // (a while after, once they settle) the copy is replaced, which costs the server nothing.
  var offlinePage = false;
  var copyTimer = null;

  function keepPageOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) return;
    if (!/^\/p\/\d+$/.test(location.pathname) || !words()) return;
    navigator.serviceWorker.register("/p/sw.js", { scope: "/p/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      offlinePage = true;
      keepCopy();
    }).catch(function () { /* no offline page on this browser: the queue still keeps writes */ });
  }

  function keepCopySoon() {
    if (!offlinePage) return;
    clearTimeout(copyTimer);
    copyTimer = setTimeout(keepCopy, 1500);
  }

  function keepCopy() {
    if (!socketOpen) return;  // only a page that is up to date is worth keeping
    var doc = document.documentElement.cloneNode(true);
    // The copy is the page as the server would send it now: without this phone's queue
    // (drawn again from localStorage), connection state or htmx's bookkeeping.
    doc.querySelectorAll("[data-htmx-powered]").forEach(function (el) {
      el.removeAttribute("data-htmx-powered");
    });
    doc.querySelectorAll("[data-send-status], .outbox-entries").forEach(function (el) {
      el.replaceChildren();
      el.removeAttribute("data-shown");
    });
    var outbox = doc.querySelector("#outbox");
    if (outbox) outbox.hidden = true;
    var live = doc.querySelector("#live");
    if (live) live.removeAttribute("data-connected");
    var state = doc.querySelector("#connection");
    if (state) { state.hidden = true; state.textContent = ""; }
    var html = "<!doctype html>\n" + doc.outerHTML;
    caches.open("borgerpanel-pages").then(function (cache) {
      return cache.put(location.pathname, new Response(html, {
        headers: { "Content-Type": "text/html; charset=utf-8" }
      }));
    }).catch(function () { /* storage full: the last copy stays */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var serverNow = Number(meta("server-now"));
    if (serverNow) clockOffset = serverNow - Date.now();
    var step = document.querySelector("[data-step-key]");
    stepKey = step ? step.getAttribute("data-step-key") : null;
    tick();
    applyMarks();
    restoreDrafts();
    showChanged();
    show();
    retrySoon();
    followState();
    keepPageOffline();
    setInterval(tick, 1000);
    setInterval(rotateWall, 12000);
  });
})();
