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

  document.addEventListener("DOMContentLoaded", function () {
    detectTimezone();
    wireMenus();
    wireConfirms();
  });
})();
