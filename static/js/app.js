// Small behaviours shared by every page. No framework, no build step.
(function () {
  "use strict";

  // Fill an empty time-zone field with the browser's zone (sign-up, new organization).
  function detectTimezone() {
    let zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    document.querySelectorAll("[data-detect-timezone]").forEach(function (field) {
      if (!zone) return;
      const option = field.querySelector ? field.querySelector('option[value="' + zone + '"]') : null;
      if (field.tagName === "SELECT" && !option) return;
      field.value = zone;
    });
  }

  // Close an open menu with Escape or a click elsewhere.
  function wireMenus() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        menu.removeAttribute("open");
        menu.querySelector("summary").focus();
      });
    });
    document.addEventListener("click", function (event) {
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        if (!menu.contains(event.target)) menu.removeAttribute("open");
      });
    });
  }

  // Ask before a destructive action: <button data-confirm="Remove Ada?">.
  function wireConfirms() {
    document.addEventListener("submit", function (event) {
      const button = event.submitter;
      const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
      if (message && !window.confirm(message)) event.preventDefault();
    });
  }

  // Tell the server how this browser writes times (12- or 24-hour), for people who let
  // their browser decide (accounts/clock.py reads the cookie).
  function rememberClock() {
    let cycle = "";
    try {
      cycle = new Intl.DateTimeFormat(undefined, { hour: "numeric" }).resolvedOptions().hourCycle || "";
    } catch (e) { return; }
    const clock = cycle === "h11" || cycle === "h12" ? "12" : "24";
    if (document.cookie.indexOf("postiz_clock=" + clock) !== -1) return;
    document.cookie = "postiz_clock=" + clock + "; path=/; max-age=31536000; SameSite=Lax";
  }

  // After a form is sent, focus goes to what it answered instead of the top of the page:
  // the first field marked invalid, else an error message, else the page's messages.
  // A page that placed the focus itself (the composer) keeps it.
  function focusAnswer() {
    const active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) return;
    const target =
      document.querySelector("main [aria-invalid=true]") ||
      document.querySelector("main .errorlist, main .message-error, main [data-error-summary]") ||
      document.querySelector("[data-messages]");
    if (!target) return;
    if (!target.matches("input, select, textarea, button, a[href]") && !target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  // Colour swatches (tags) carry their colour as data: no inline styles under the
  // content security policy.
  function paintSwatches() {
    document.querySelectorAll("[data-swatch]").forEach(function (swatch) {
      if (/^#[0-9a-fA-F]{6}$/.test(swatch.dataset.swatch)) swatch.style.backgroundColor = swatch.dataset.swatch;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    detectTimezone();
    rememberClock();
    wireMenus();
    wireConfirms();
    paintSwatches();
    focusAnswer();
  });
  document.addEventListener("htmx:afterSettle", paintSwatches);
})();
