// The composer: keeps focus where the last edit happened, inserts a signature at the
// cursor, refreshes the page's channel tabs when channels change, and holds back the
// publishing buttons while the live checks report errors. Everything also works without it.
(function () {
  "use strict";

  var form = document.getElementById("composer-form");
  if (!form) return;
  var lastText = null;

  function focusFromServer() {
    var id = form.dataset.focus;
    var target = id && document.getElementById(id);
    if (target) target.focus();
  }

  function rememberTextarea(event) {
    if (event.target.matches && event.target.matches("[data-composer-text]")) lastText = event.target;
  }

  function insertSignature(event) {
    var button = event.target.closest("[data-insert-signature]");
    if (!button) return;
    var select = document.getElementById("signature-id");
    var option = select && select.options[select.selectedIndex];
    var field = lastText || document.getElementById("item-0-text");
    if (!option || !field) return;
    event.preventDefault();
    var text = option.dataset.content || "";
    var start = field.selectionStart, end = field.selectionEnd;
    var before = field.value.slice(0, start);
    var glue = before && !/\n\n$/.test(before) ? "\n\n" : "";
    field.value = before + glue + text + field.value.slice(end);
    field.focus();
    field.selectionStart = field.selectionEnd = (before + glue + text).length;
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function refreshOnChannelChange(event) {
    if (event.target.name !== "channels") return;
    var refresh = form.querySelector('button[name="op"][value="refresh::"]');
    if (refresh) refresh.click();
  }

  function holdPublishing() {
    var checks = document.getElementById("composer-checks");
    if (!checks || !checks.dataset.hasErrors) return;
    var blocked = checks.dataset.hasErrors === "true";
    form.querySelectorAll("[data-needs-valid]").forEach(function (button) {
      button.disabled = blocked;
      if (blocked) button.title = "Fix what the checks list first";
      else button.removeAttribute("title");
    });
  }

  form.querySelectorAll(".composer-nojs").forEach(function (el) { el.hidden = true; });
  form.addEventListener("focusin", rememberTextarea);
  form.addEventListener("click", insertSignature);
  form.addEventListener("change", refreshOnChannelChange);
  document.body.addEventListener("htmx:afterSettle", holdPublishing);
  focusFromServer();
})();
