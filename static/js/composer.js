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

  // Ticking a channel brings its tab (and a suggested time that follows the chosen
  // channels) in place: the page does not reload and the focus stays on the box.
  function refreshOnChannelChange(event) {
    if (event.target.name !== "channels") return;
    if (!window.htmx) {
      var refresh = form.querySelector('button[name="op"][value="refresh::"]');
      if (refresh) refresh.click();
      return;
    }
    window.htmx.ajax("POST", form.getAttribute("action") || window.location.href, {
      source: form,
      target: "#composer-channel-tabs",
      swap: "outerHTML",
      values: { op: "refresh::" },
    }).then(function () {
      prepare(document.getElementById("composer-channel-tabs"));
      // The checks and the preview read the form again (a suggested time may have moved).
      form.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  // A date or time the person types is theirs: it no longer follows the channels.
  function keepChosenTime(event) {
    if (event.target.id !== "publish-date" && event.target.id !== "publish-time") return;
    var suggested = form.querySelector("[data-when-suggested]");
    if (suggested) suggested.remove();
  }

  function holdPublishing() {
    var checks = document.getElementById("composer-checks");
    if (!checks || !checks.dataset.hasErrors) return;
    var blocked = checks.dataset.hasErrors === "true";
    form.querySelectorAll("[data-needs-valid]").forEach(function (button) {
      button.disabled = blocked;
      if (blocked) button.title = gettext("Fix what the checks list first");
      else button.removeAttribute("title");
    });
  }

  // The library picker (media/_picker.html) in a dialog: a chosen file becomes a hidden
  // media field and a thumbnail on the item that opened it.
  var dialog = document.getElementById("media-dialog");
  var pickingFor = null;

  function openPicker(event) {
    var button = event.target.closest("[data-open-picker]");
    if (!button || !dialog) return;
    pickingFor = button.dataset.openPicker;
    var body = document.getElementById("media-dialog-body");
    if (!body.querySelector("[data-media-picker]") && window.htmx) {
      window.htmx.ajax("GET", dialog.dataset.pickerUrl, { target: body, swap: "innerHTML" });
    }
    dialog.showModal();
  }

  function attach(event) {
    var pick = event.target.closest("[data-media-id]");
    if (!pick || !pickingFor) return;
    var box = form.querySelector('[data-media-for="' + pickingFor + '"]');
    if (!box) return;
    var id = pick.dataset.mediaId;
    if (!box.querySelector('input[name="' + pickingFor + '-media"][value="' + id + '"]')) {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = pickingFor + "-media";
      field.value = id;
      var figure = document.createElement("figure");
      figure.className = "composer-thumb";
      var thumb = pick.dataset.thumb ? document.createElement("img") : document.createElement("span");
      if (pick.dataset.thumb) { thumb.src = pick.dataset.thumb; thumb.alt = ""; thumb.width = 64; thumb.height = 64; }
      else { thumb.className = "composer-thumb-file"; thumb.textContent = (pick.dataset.name || "?").charAt(0).toUpperCase(); }
      var caption = document.createElement("figcaption");
      caption.textContent = pick.dataset.name || "";
      if (pick.dataset.facts) {
        // A video's measured length, size, frame rate and codec, as the library shows them.
        var facts = document.createElement("span");
        facts.className = "composer-thumb-facts muted";
        facts.textContent = pick.dataset.facts;
        caption.append(facts);
      }
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "linklike";
      remove.textContent = gettext("Remove");
      remove.addEventListener("click", function () {
        field.remove(); figure.remove();
        form.dispatchEvent(new Event("change", { bubbles: true }));
      });
      var alt = document.createElement("input");
      alt.type = "text";
      alt.className = "composer-alt";
      alt.name = pickingFor + "-alt-" + id;
      alt.maxLength = 1500;
      alt.placeholder = gettext("Alt text");
      alt.setAttribute("aria-label", pick.dataset.name
        ? interpolate(gettext("Alt text for %(name)s"), { name: pick.dataset.name }, true)
        : gettext("Alt text for this file"));
      figure.append(thumb, caption, alt, remove);
      box.insertBefore(figure, box.querySelector(".composer-attach"));
      box.insertBefore(field, figure);
    }
    dialog.close();
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // Script-only controls shown, no-script ones hidden: on the page and on each part that
  // htmx brings in.
  function prepare(root) {
    if (!root) return;
    if (dialog) root.querySelectorAll("[data-open-picker]").forEach(function (el) { el.hidden = false; });
    root.querySelectorAll(".composer-nojs").forEach(function (el) { el.hidden = true; });
    root.querySelectorAll(".composer-js, [data-choice-filter]").forEach(function (el) { el.hidden = false; });
  }

  // A long list of an account's choices (boards, playlists) narrows as the person types;
  // the chosen one and "none" always stay.
  function filterChoices(event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-choice-filter]")) return;
    var select = document.getElementById(box.dataset.choiceFilter);
    if (!select) return;
    var needle = box.value.trim().toLowerCase();
    Array.prototype.forEach.call(select.options, function (option) {
      var keep = !needle || !option.value || option.selected ||
        option.text.toLowerCase().indexOf(needle) !== -1;
      option.hidden = !keep;
    });
  }

  if (dialog) {
    form.addEventListener("click", openPicker);
    dialog.addEventListener("click", attach);
    dialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-close-picker]")) dialog.close();
    });
  }

  prepare(form);
  form.addEventListener("focusin", rememberTextarea);
  form.addEventListener("click", insertSignature);
  form.addEventListener("change", refreshOnChannelChange);
  form.addEventListener("input", keepChosenTime);
  form.addEventListener("input", filterChoices);
  // Choices htmx brings in (a select filled from the network) get their script controls.
  document.body.addEventListener("htmx:load", function (event) { prepare(event.target); });
  form.addEventListener("change", keepChosenTime);
  document.body.addEventListener("htmx:afterSettle", holdPublishing);
  focusFromServer();
})();
