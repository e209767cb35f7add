/* interview.js — the interview pages. Everything here is an enhancement: without it the
 * forms post normally, the progress page refreshes itself and the report prints from the
 * browser's menu.
 *   1. Question page (#iv-form): autosave as typed (debounced POST with the CSRF header,
 *      and on blur / tab hidden / page leave with fetch keepalive), a localStorage copy
 *      per college + interview + question so a dropped connection or a closed tab loses
 *      nothing (restored and re-sent on return), a save status, and the countdown.
 *      The server's clock decides; the countdown only shows it. When time runs out the
 *      draft is sent at the limit and again as the box closes: nothing typed is lost.
 *   2. Progress page (#iv-progress): polls the status and opens the report when scored.
 *   3. Report: the Print button, and the recording player of spoken answers.
 */
(function () {
  "use strict";

  var IDLE_MS = 1500;
  var RETRY_MS = 10000;
  var KEEPALIVE_LIMIT = 60000; // bytes; browsers refuse larger keepalive bodies

  function readLocal(key) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function writeLocal(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false; // private mode or full: the server copy still works
    }
  }

  /* Copies of earlier questions of this interview are done with: drop them. */
  function forgetEarlier(key) {
    var cut = key.lastIndexOf(":");
    var prefix = key.slice(0, cut + 1);
    var position = parseInt(key.slice(cut + 1), 10);
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var name = window.localStorage.key(i);
        if (name && name.indexOf(prefix) === 0 && parseInt(name.slice(prefix.length), 10) < position) {
          window.localStorage.removeItem(name);
        }
      }
    } catch (e) { /* storage unavailable */ }
  }

  function clock(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var rest = s % 60;
    return Math.floor(s / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function timeOfDay() {
    var d = new Date();
    return (d.getHours() < 10 ? "0" : "") + d.getHours() + ":" + (d.getMinutes() < 10 ? "0" : "") + d.getMinutes();
  }

  function questionPage(form) {
    var textarea = form.querySelector("textarea[name=text]");
    var status = document.getElementById("iv-save");
    var token = form.querySelector("input[name=csrf_token]").value;
    var url = form.getAttribute("data-draft-url");
    var key = form.getAttribute("data-storage-key");
    var saved = textarea.value; // what the server holds
    var timer = null;
    var inflight = false;
    var again = false;
    var closed = textarea.readOnly;

    function show(state, text) {
      status.setAttribute("data-state", state);
      status.textContent = text;
    }

    function remember() {
      writeLocal(key, { text: textarea.value, at: Date.now(), synced: textarea.value === saved });
    }

    function save(leaving) {
      window.clearTimeout(timer);
      if (closed || textarea.value === saved) return;
      if (inflight) { again = true; return; }
      var text = textarea.value;
      var body = JSON.stringify({ text: text });
      inflight = true;
      show("saving", "Saving…");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: !!leaving && body.length < KEEPALIVE_LIMIT,
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
        body: body
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok) {
            saved = text;
            remember();
            show("saved", closed ? "Time is up. Your answer is saved: submit it to go on."
              : "Saved " + timeOfDay());
          } else if (response.status === 401 || response.status === 403) {
            show("error", "You were signed out. Your answer is saved on this device: sign in again to continue.");
          } else {
            if (response.status === 409) closed = true;
            show("error", data.message || "Not saved. Try again.");
          }
        });
      }).catch(function () {
        show("offline", "Offline – saved on this device");
        timer = window.setTimeout(save, RETRY_MS);
      }).then(function () {
        inflight = false;
        if (again) { again = false; save(); }
      });
    }

    forgetEarlier(key);
    var local = readLocal(key);
    if (local && !local.synced && typeof local.text === "string" && local.text !== textarea.value && !closed) {
      textarea.value = local.text;
      show("saving", "Restored from this device; saving…");
      save();
    }

    textarea.addEventListener("input", function () {
      remember();
      show("pending", "Saving…");
      window.clearTimeout(timer);
      timer = window.setTimeout(save, IDLE_MS);
    });
    textarea.addEventListener("blur", function () { save(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") save(true);
    });
    window.addEventListener("pagehide", function () { save(true); });
    window.addEventListener("beforeunload", function () { save(true); });
    window.addEventListener("online", function () { save(); });
    form.addEventListener("submit", function () { window.clearTimeout(timer); remember(); });

    countdown(document.getElementById("iv-timer"), function () { save(true); }, function () {
      save(true); // the last words typed: sent before the box closes, while the server takes them
      closed = true;
      textarea.readOnly = true;
      show("error", "Time is up. What was saved in time will be scored: submit it to go on.");
    });
  }

  /* afterGrace runs CLOSE_EARLY_S before the server's grace ends, so the draft it flushes
   * arrives while the server still accepts it, even over a slow phone connection. */
  var CLOSE_EARLY_S = 5;

  function countdown(el, atLimit, afterGrace) {
    if (!el) return;
    var left = parseFloat(el.getAttribute("data-seconds-left"));
    var grace = Math.max(0, (parseFloat(el.getAttribute("data-grace")) || 0) - CLOSE_EARLY_S);
    var began = Date.now();
    var limitReached = left <= 0;
    function tick() {
      var now = left - (Date.now() - began) / 1000;
      el.textContent = clock(now);
      el.setAttribute("data-state", now <= 0 ? "over" : now <= 30 ? "low" : "ok");
      if (now <= 0 && !limitReached) { limitReached = true; atLimit(); }
      if (now <= -grace) { afterGrace(); return; }
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function progressPage(box) {
    var url = box.getAttribute("data-status-url");
    var text = document.getElementById("iv-progress-text");
    var bar = document.getElementById("iv-progress-bar");
    var delay = 1500;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(function (data) {
          if (data.report_url) { window.location.assign(data.report_url); return; }
          var done = data.answers.filter(function (a) { return a.scored; }).length;
          bar.value = done;
          data.answers.forEach(function (a) {
            var item = box.querySelector('[data-position="' + a.position + '"] .iv-step-state');
            if (item) item.textContent = a.scored ? "scored" : (a.job && a.job.status === "failed" ? "scoring failed" : "being scored");
          });
          if (data.failed) {
            text.textContent = "Scoring stopped on a question. Your answers are safe; your college's admin can re-run the scoring.";
            return;
          }
          text.textContent = done + " of " + data.answers.length + " scored. The report opens by itself when all are scored.";
          delay = 1500;
          window.setTimeout(poll, delay);
        })
        .catch(function () {
          delay = Math.min(delay * 2, 30000);
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, 500);
  }

  /* Report: a finding's time button plays the recording from there and outlines the words
   * behind it; while it plays, the word being spoken is marked. */
  function recordingPlayer(box) {
    var player = box.querySelector("[data-player]");
    var words = box.querySelectorAll("[data-transcript] .w");
    if (!player) return;
    box.addEventListener("click", function (event) {
      var button = event.target.closest("[data-seek]");
      if (!button) return;
      for (var i = 0; i < words.length; i++) words[i].classList.remove("is-flagged");
      (button.getAttribute("data-words") || "").split(",").forEach(function (index) {
        if (index !== "" && words[index]) words[index].classList.add("is-flagged");
      });
      player.currentTime = Math.max(0, parseFloat(button.getAttribute("data-seek")) - 0.3);
      player.play().catch(function () { /* autoplay refused: the position is set */ });
    });
    player.addEventListener("timeupdate", function () {
      var t = player.currentTime;
      for (var i = 0; i < words.length; i++) {
        var w = words[i];
        w.classList.toggle("is-now", t >= parseFloat(w.getAttribute("data-start")) && t < parseFloat(w.getAttribute("data-end")));
      }
    });
  }

  function onReady() {
    var recordings = document.querySelectorAll("[data-recording]");
    for (var r = 0; r < recordings.length; r++) recordingPlayer(recordings[r]);
    var form = document.getElementById("iv-form");
    if (form) questionPage(form);
    var box = document.getElementById("iv-progress");
    if (box) progressPage(box);
    var print = document.querySelectorAll("[data-print]");
    for (var i = 0; i < print.length; i++) {
      print[i].hidden = false;
      print[i].addEventListener("click", function () { window.print(); });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onReady);
  else onReady();
})();
