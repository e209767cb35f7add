/* recorder.js — answering by voice on the question page (#iv-voice).
 *
 * Records with MediaRecorder and uploads one chunk a second while the candidate speaks,
 * in order, each retried until the server has it, so a dropped connection or a closed tab
 * loses at most the last seconds. Stop finishes the upload (with the chunk count, so the
 * server knows nothing is missing) and polls until the transcript arrives; it then goes
 * into the answer box, where the candidate corrects it before submitting (the box saves
 * itself, see interview.js). A level meter and the elapsed time show that the microphone
 * hears. "Record again" throws the take away. Without JavaScript or a microphone the
 * typed answer stays available.
 */
(function () {
  "use strict";

  var CHUNK_MS = 1000;
  var POLL_MS = 1500;
  var QUICK_POLL_MS = 250;  // right after Stop the transcript is due within 2 s: look often
  var QUICK_POLL_FOR_MS = 10000;
  var RETRY_MS = 3000;
  var TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    return Math.floor(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + (s % 60);
  }

  function recorderPage(root) {
    var form = document.getElementById("iv-form");
    var token = form.querySelector("input[name=csrf_token]").value;
    var textarea = form.querySelector("textarea[name=text]");
    var submit = document.getElementById("iv-submit");
    var startBtn = document.getElementById("iv-rec-start");
    var stopBtn = document.getElementById("iv-rec-stop");
    var againBtn = document.getElementById("iv-rec-again");
    var useBtn = document.getElementById("iv-rec-use");
    var meter = document.getElementById("iv-level");
    var elapsedEl = document.getElementById("iv-elapsed");
    var statusEl = document.getElementById("iv-rec-status");
    var captions = document.getElementById("iv-captions");
    var captionsToggle = document.getElementById("iv-captions-on");
    var maxSeconds = parseInt(root.getAttribute("data-max-seconds"), 10) || 300;
    var take = JSON.parse(root.getAttribute("data-take") || "null");

    var recorder = null, stream = null, audioCtx = null, started = 0, tick = null;
    var queue = [], sending = false, sent = 0, produced = 0, stopping = false, finishedAt = 0;

    function say(text, state) {
      statusEl.textContent = text;
      statusEl.setAttribute("data-state", state || "info");
    }

    function post(url, body, type) {
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": type || "application/json", "Accept": "application/json", "X-CSRFToken": token },
        body: body
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            var error = new Error(data.message || ("The server answered " + response.status));
            error.status = response.status;
            throw error;
          }
          return data;
        });
      });
    }

    function buttons(state) {
      startBtn.hidden = state !== "idle";
      stopBtn.hidden = state !== "recording";
      stopBtn.disabled = state !== "recording";
      againBtn.hidden = !(state === "done" || state === "failed" || state === "leftover");
      if (useBtn) useBtn.hidden = state !== "leftover";
      submit.disabled = state === "recording" || state === "processing";
    }

    /* Chunks go up one at a time, in order; a failed send waits and tries again. */
    function pump() {
      if (sending || !queue.length) return;
      sending = true;
      var item = queue[0];
      post(take.chunk_base + item.seq, item.blob, take.content_type || "application/octet-stream")
        .then(function (received) {
          queue.shift();
          caption(received.partial);
          sent += 1;
          sending = false;
          if (stopping && !queue.length) finish(produced);
          pump();
        })
        .catch(function (error) {
          sending = false;
          if (error.status && error.status !== 429 && error.status < 500) {
            queue = [];
            say(error.message, "error");
            buttons("failed");
            return;
          }
          say("Connection lost: " + queue.length + " s of audio waiting to upload. Retrying…", "offline");
          window.setTimeout(pump, RETRY_MS);
        });
    }

    /* Started once the recorder runs: it stops when the recorder does (a loop started before
       recorder.start() saw an inactive recorder on its first frame and never moved). */
    /* The words recognised so far (the server transcribes the take window by window as it
       arrives), shown when the candidate keeps live captions on; announced politely. */
    function caption(text) {
      captions.hidden = !captionsToggle.checked || !text;
      if (text && captions.textContent !== text) captions.textContent = text;
    }

    function meterLoop(analyser) {
      var data = new Uint8Array(analyser.fftSize);
      function frame() {
        if (!recorder || recorder.state === "inactive") { meter.value = 0; return; }
        analyser.getByteTimeDomainData(data);
        var sum = 0;
        for (var i = 0; i < data.length; i++) { var v = (data[i] - 128) / 128; sum += v * v; }
        meter.value = Math.min(1, Math.sqrt(sum / data.length) * 4);
        window.requestAnimationFrame(frame);
      }
      frame();
    }

    function startMeter() {
      try {
        audioCtx = new (window.AudioContext || window.webkitAudioContext)();
        var analyser = audioCtx.createAnalyser();
        analyser.fftSize = 1024;
        audioCtx.createMediaStreamSource(stream).connect(analyser);
        meterLoop(analyser);
      } catch (e) { meter.hidden = true; }
    }

    function begin() {
      if (!navigator.mediaDevices || !window.MediaRecorder) {
        say("This browser cannot record here. Type your answer below, or use a current Chrome, Edge, Firefox or Safari.", "error");
        return;
      }
      var type = TYPES.filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0] || "";
      say("Asking for the microphone…");
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (media) {
        stream = media;
        return post(root.getAttribute("data-start-url"), JSON.stringify({ content_type: type || "audio/webm" }));
      }).then(function (created) {
        take = created;
        take.content_type = type || "audio/webm";
        queue = []; sent = 0; produced = 0; stopping = false;
        captions.textContent = ""; captions.hidden = true;
        recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
        recorder.ondataavailable = function (event) {
          if (!event.data || !event.data.size) return;
          queue.push({ seq: produced, blob: event.data });
          produced += 1;
          pump();
        };
        recorder.onstop = function () {
          stream.getTracks().forEach(function (track) { track.stop(); });
          stopping = true;
          if (!queue.length && !sending) finish(produced);
          else say("Uploading the last seconds…", "saving");
        };
        recorder.start(CHUNK_MS);
        startMeter();
        started = Date.now();
        elapsedEl.textContent = "0:00";
        tick = window.setInterval(function () {
          var seconds = (Date.now() - started) / 1000;
          elapsedEl.textContent = clock(seconds);
          if (seconds >= maxSeconds) end();
        }, 250);
        buttons("recording");
        stopBtn.focus();  // Record is hidden now: keyboard users land on what comes next
        say("Recording… speak your answer, then press Stop.", "recording");
      }).catch(function (error) {
        if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
        var denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
        say(denied ? "The microphone is blocked. Allow it in the browser's address bar, or type your answer below."
                   : (error.message || "Recording could not start."), "error");
        buttons("idle");
      });
    }

    function end() {
      window.clearInterval(tick);
      if (recorder && recorder.state !== "inactive") recorder.stop();
      if (audioCtx) audioCtx.close();
      buttons("processing");
      statusEl.focus();  // Stop is hidden now; the status says what happens until the transcript
    }

    function finish(count) {
      say("Turning your answer into text…", "saving");
      buttons("processing");
      finishedAt = Date.now();
      post(take.finish_url, JSON.stringify(count ? { chunks: count } : {}))
        .then(show)  // done already when the server transcribes in-process
        .catch(function (error) { say(error.message, "error"); buttons("failed"); });
    }

    function poll() {
      fetch(take.status_url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(show)
        .catch(function () { window.setTimeout(poll, POLL_MS * 2); });
    }

    function show(state) {
      if (state.status === "transcribed") {
        textarea.value = state.transcript || "";
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
        say("Transcript ready (" + clock(state.duration || 0) + " recorded). Check it below, correct any word we misheard, then submit.", "saved");
        buttons("done");
        textarea.focus();
      } else if (state.status === "failed") {
        say(state.error || "That recording could not be used. Record again or type your answer.", "error");
        buttons("failed");
        againBtn.focus();
      } else {
        buttons("processing");
        window.setTimeout(poll, Date.now() - finishedAt < QUICK_POLL_FOR_MS ? QUICK_POLL_MS : POLL_MS);
      }
    }

    function discardAndRecord() {
      var done = function () { take = null; buttons("idle"); begin(); };
      if (!take || !take.discard_url) { done(); return; }
      post(take.discard_url, "{}").then(done).catch(function (error) { say(error.message, "error"); });
    }

    captionsToggle.addEventListener("change", function () { caption(captions.textContent); });
    startBtn.addEventListener("click", begin);
    stopBtn.addEventListener("click", end);
    againBtn.addEventListener("click", discardAndRecord);
    if (useBtn) useBtn.addEventListener("click", function () { finish(0); });

    /* Back on the page: pick up where the take stands. */
    if (take && take.status === "processing") { say("Turning your answer into text…", "saving"); poll(); }
    else if (take && take.status === "recording") {
      say("A recording of yours was cut off (" + take.chunks + " s arrived). Use what arrived, or record again.", "warning");
      buttons("leftover");
    } else if (take && (take.status === "transcribed" || take.status === "failed")) {
      buttons(take.status === "failed" ? "failed" : "done");
      if (take.status === "failed") say(take.error, "error");
      else say("Your recording was transcribed into the answer box. Record again to replace it.", "saved");
    } else buttons("idle");
  }

  var root = document.getElementById("iv-voice");
  if (root && document.getElementById("iv-recorder")) recorderPage(root);
})();
