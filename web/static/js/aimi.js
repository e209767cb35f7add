/* aimi.js — loaded synchronously in <head> so the stored theme applies before
 * first paint. Two features only:
 *   1. Theme toggle: buttons with [data-theme-toggle] switch <html data-theme>
 *      between "light" and "dark"; the choice is kept in localStorage.
 *      Without a stored choice the page follows prefers-color-scheme.
 *   2. Confirmation: submitting a form (or via a submit button) that carries
 *      data-confirm="message" asks window.confirm(message) first.
 */
(function () {
  "use strict";

  var KEY = "aimi-theme";
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function readStored() {
    try {
      var v = window.localStorage.getItem(KEY);
      return v === "light" || v === "dark" ? v : null;
    } catch (e) {
      return null;
    }
  }

  function store(value) {
    try {
      window.localStorage.setItem(KEY, value);
    } catch (e) {
      /* storage unavailable (private mode): the choice lasts for this page only */
    }
  }

  function effectiveTheme() {
    var attr = root.getAttribute("data-theme");
    if (attr === "light" || attr === "dark") return attr;
    return media && media.matches ? "dark" : "light";
  }

  var stored = readStored();
  if (stored) root.setAttribute("data-theme", stored);

  function syncButtons() {
    var dark = effectiveTheme() === "dark";
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", dark ? "true" : "false");
    }
  }

  function onReady() {
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () {
        var next = effectiveTheme() === "dark" ? "light" : "dark";
        root.setAttribute("data-theme", next);
        store(next);
        syncButtons();
      });
    }
    syncButtons();
    if (media) {
      var onChange = function () { if (!readStored()) syncButtons(); };
      if (media.addEventListener) media.addEventListener("change", onChange);
      else if (media.addListener) media.addListener(onChange);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onReady);
  } else {
    onReady();
  }

  // A logo that fails to load is removed: the college's name beside it stays, never a
  // broken-image icon. Errors do not bubble, so listen in the capture phase.
  document.addEventListener("error", function (event) {
    var img = event.target;
    if (img && img.hasAttribute && img.hasAttribute("data-fallback-hide")) img.remove();
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.getAttribute) return;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute && submitter.getAttribute("data-confirm")) ||
      form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
