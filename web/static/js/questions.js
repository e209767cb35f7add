/* questions.js — the try-it result page while the answer is being scored (jobs on a
 * worker): polls the small JSON status endpoint, shows the status in the live region,
 * and reloads the page (which then shows the report) when the job is done or failed.
 * Without JavaScript the page refreshes itself every few seconds instead.
 */
(function () {
  "use strict";

  var box = document.getElementById("try-progress");
  if (!box || !box.dataset.statusUrl) return;
  var label = box.querySelector("[data-status]");
  var delay = 1000;

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.json();
      })
      .then(function (body) {
        if (body.done || body.status === "failed") {
          window.location.reload();
          return;
        }
        if (label) label.textContent = body.status;
        delay = Math.min(delay * 1.5, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        if (label) label.textContent = "waiting for the connection";
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, delay);
})();
