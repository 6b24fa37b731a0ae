// The API docs: starts Swagger UI (from drf-spectacular-sidecar's static files) with the
// settings the page carries as data, instead of drf-spectacular's inline script, so the
// page works under the content security policy. Operations are not deep links: a link
// inside each operation's toggle button made nested controls a screen reader cannot use.
// As Swagger UI draws, its headings get levels that follow its h1 (it jumps to h3), its
// tables' header cells are named so, and its introduction becomes the page's banner
// (only the operations are its main).
(function () {
  "use strict";

  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) return;
  var settings = {};
  try { settings = JSON.parse(root.dataset.settings || "{}"); } catch (e) { settings = {}; }
  var csrfHeader = root.dataset.csrfHeader;
  var csrfToken = root.dataset.csrfToken;

  // "Try it out" with the session (same origin): writes need the CSRF token.
  function requestInterceptor(request) {
    if (request.method && request.method !== "GET" && request.credentials === "same-origin" && csrfToken) {
      request.headers[csrfHeader] = csrfToken;
    }
    return request;
  }

  function outline() {
    root.querySelectorAll("h3.opblock-tag, .models > h4, section.models h4:first-child").forEach(function (h) {
      if (h.getAttribute("aria-level") !== "2") h.setAttribute("aria-level", "2");
    });
    root.querySelectorAll(".opblock h4, .opblock-section-header h4").forEach(function (h) {
      if (h.getAttribute("aria-level") !== "3") h.setAttribute("aria-level", "3");
    });
    root.querySelectorAll(".opblock h5").forEach(function (h) {
      if (h.getAttribute("aria-level") !== "4") h.setAttribute("aria-level", "4");
    });
    // Its tables head their columns with <td>: say they are headers.
    root.querySelectorAll("table thead td").forEach(function (cell) {
      if (cell.getAttribute("role") !== "columnheader") cell.setAttribute("role", "columnheader");
    });
    var intro = root.querySelector(".information-container");
    if (intro && intro.getAttribute("role") !== "banner") intro.setAttribute("role", "banner");
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; outline(); });
  }).observe(root, { childList: true, subtree: true });

  window.ui = window.SwaggerUIBundle(Object.assign(
    {
      url: root.dataset.schemaUrl,
      dom_id: "#swagger-ui",
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      requestInterceptor: requestInterceptor,
    },
    settings,
    { deepLinking: false }
  ));
})();
