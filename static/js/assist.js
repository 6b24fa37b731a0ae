// AI writing help in the composer: asks the server for a suggestion, shows it beside the
// text as it streams in, and puts it in place only when the person clicks Accept. Cancel
// aborts the request (the server then stops reading from the AI too).
(function () {
  "use strict";

  var form = document.getElementById("composer-form");
  var box = document.getElementById("composer-assist");
  if (!form || !box) return;
  box.hidden = false;

  var url = box.dataset.assistUrl;
  var result = document.getElementById("assist-result");
  var title = document.getElementById("assist-result-title");
  var statusLine = document.getElementById("assist-status");
  var output = document.getElementById("assist-output");
  var check = document.getElementById("assist-check");
  var accept = document.getElementById("assist-accept");
  var cancel = document.getElementById("assist-cancel");
  var discard = document.getElementById("assist-discard");
  var rewrites = box.querySelector("[data-assist-rewrites]");
  var sourceName = box.querySelector("[data-assist-source]");

  var sourceId = "item-0-text";  // the textarea suggestions start from and go back to
  var running = null;            // the AbortController of the request in flight
  var pending = null;            // {action, targetId, text} once a suggestion is complete

  function labelFor(id) {
    var label = form.querySelector('label[for="' + id + '"]');
    var text = label ? label.textContent.trim() : pgettext("thread part", "Post");
    var tab = document.getElementById(id) && document.getElementById(id).closest(".composer-tab");
    var channel = tab && tab.querySelector("summary strong");
    return channel
      ? interpolate(gettext("%(part)s for %(channel)s"), { part: text, channel: channel.textContent.trim() }, true)
      : text;
  }

  function rememberSource(event) {
    var field = event.target;
    if (!field.matches || !field.matches("[data-composer-text]") || !field.id) return;
    sourceId = field.id;
    if (sourceName) sourceName.textContent = labelFor(sourceId);
  }

  function chosenChannels() {
    return Array.prototype.filter.call(
      form.querySelectorAll('input[name="channels"]'), function (box) { return box.checked; });
  }

  // One "Rewrite for <network>" per chosen channel, redrawn when the choice changes.
  function drawRewrites() {
    var chosen = chosenChannels();
    rewrites.querySelectorAll("[data-assist]").forEach(function (el) { el.remove(); });
    rewrites.querySelector("[data-assist-nochannel]").hidden = chosen.length > 0;
    chosen.forEach(function (channel) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary button-small";
      button.dataset.assist = "rewrite";
      button.dataset.channel = channel.value;
      button.textContent = interpolate(gettext("Rewrite for %(network)s (%(channel)s)"),
        { network: channel.dataset.network, channel: channel.dataset.channelName }, true);
      rewrites.append(button);
    });
    busy(Boolean(running));
  }

  // "Write alt text" under each image's alt text field, also for files attached later.
  function drawAltButtons() {
    form.querySelectorAll(".composer-alt").forEach(function (input) {
      var figure = input.closest(".composer-thumb");
      if (!figure || figure.querySelector("[data-assist-alt]")) return;
      if (figure.dataset.kind && figure.dataset.kind !== "image") return;
      if (!figure.dataset.kind && !figure.querySelector("img")) return;
      if (input.readOnly) return;
      var match = /-alt-(\d+)$/.exec(input.name);
      if (!match) return;
      if (!input.id) input.id = input.name;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "linklike";
      button.dataset.assist = "alt_text";
      button.dataset.assistAlt = input.id;
      button.dataset.media = match[1];
      button.textContent = gettext("Write alt text");
      input.after(button);
    });
  }

  function busy(on) {
    box.querySelectorAll("[data-assist]").forEach(function (b) { b.disabled = on; });
    form.querySelectorAll("[data-assist-alt]").forEach(function (b) { b.disabled = on; });
  }

  function show(state, message) {
    result.hidden = false;
    statusLine.textContent = message || "";
    statusLine.className = "composer-assist-status" + (state === "error" ? " composer-assist-error" : "");
    output.setAttribute("aria-busy", state === "streaming" ? "true" : "false");
    cancel.hidden = state !== "streaming";
    discard.hidden = state === "streaming";
    accept.disabled = state !== "done";
  }

  function itemTextOf(fieldId) {
    // For alt text: the text of the item the image belongs to, as context.
    var item = document.getElementById(fieldId) && document.getElementById(fieldId).closest(".composer-item");
    var text = item && item.querySelector("[data-composer-text]");
    return text ? text.value : "";
  }

  function request(button) {
    var action = button.dataset.assist;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("action", action);
    var targetId = sourceId;
    var source = document.getElementById(sourceId) || document.getElementById("item-0-text");
    if (action === "alt_text") {
      targetId = button.dataset.assistAlt;
      data.append("media", button.dataset.media);
      data.append("text", itemTextOf(targetId));
    } else {
      data.append("text", source ? source.value : "");
    }
    if (action === "rewrite") {
      data.append("channel", button.dataset.channel);
      data.append("tone", document.getElementById("assist-tone").value);
      if (document.getElementById("assist-hashtags").checked) data.append("hashtags", "1");
    } else if (action === "shorten" || action === "first_comment") {
      chosenChannels().forEach(function (channel) { data.append("channel", channel.value); });
    } else if (action === "translate") {
      data.append("language", document.getElementById("assist-language").value);
    }
    return { action: action, targetId: targetId, data: data, label: button.textContent };
  }

  function handle(event, ask) {
    var body = {};
    try { body = JSON.parse(event.data || "{}"); } catch (e) { body = {}; }
    if (event.name === "delta") {
      output.textContent += body.text || "";
    } else if (event.name === "done") {
      output.textContent = body.text;
      pending = { action: ask.action, targetId: ask.targetId, text: body.text };
      if (body.limit) {
        check.hidden = false;
        check.className = "composer-assist-check" + (body.over ? " count-over" : "");
        var counts = { count: body.count, limit: body.limit, network: body.network, issue: body.issue };
        check.textContent = body.over
          ? interpolate(gettext("Too long: %(issue)s Shorten it before posting."), counts, true)
          : body.network
            ? interpolate(gettext("%(count)s / %(limit)s characters on %(network)s: it fits."), counts, true)
            : interpolate(gettext("%(count)s / %(limit)s characters: it fits."), counts, true);
      }
      show("done", ask.action === "alt_text"
        ? gettext("Done. Accept puts it in the alt text.")
        : ask.action === "first_comment"
          ? gettext("Done. Accept puts it in the first comment.")
          : interpolate(gettext("Done. Accept puts it in %(field)s."), { field: labelFor(ask.targetId) }, true));
    } else if (event.name === "error") {
      show("error", body.message || gettext("The writing help failed. Try again."));
    }
  }

  async function run(button) {
    if (running) return;
    var ask = request(button);
    pending = null;
    output.textContent = "";
    check.hidden = true;
    title.textContent = ask.label;
    show("streaming", gettext("Writing…"));
    running = new AbortController();
    busy(true);
    try {
      var response = await fetch(url, {
        method: "POST", body: ask.data, signal: running.signal, credentials: "same-origin",
        headers: { "Accept": "text/event-stream" },
      });
      if (!response.ok) {
        var message = interpolate(gettext("The writing help failed (error %(status)s). Try again."),
          { status: response.status }, true);
        if ((response.headers.get("Content-Type") || "").indexOf("json") !== -1) {
          message = (await response.json()).error || message;
        } else if (response.status === 403) {
          message = gettext("Your role does not allow writing posts.");
        }
        show("error", message);
        return;
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      var finished = false;
      while (!finished) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        var parts = buffer.split("\n\n");
        buffer = parts.pop();
        parts.forEach(function (part) {
          var event = { name: "message", data: "" };
          part.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) event.name = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) event.data += line.slice(5).trim();
          });
          handle(event, ask);
          if (event.name === "done" || event.name === "error") finished = true;
        });
      }
      if (!finished) show("error", gettext("The suggestion stopped before it was complete. Try again."));
    } catch (error) {
      if (error.name === "AbortError") show("cancelled", gettext("Stopped. Nothing was changed."));
      else show("error", gettext("The writing help could not be reached. Check your connection and try again."));
    } finally {
      running = null;
      busy(false);
    }
  }

  function applyFirstComment(text, sourceField) {
    var thread = (sourceField && sourceField.closest(".composer-thread")) || form.querySelector(".composer-thread");
    var prefix = thread ? thread.dataset.thread || "" : "";
    var next = document.getElementById(prefix + "item-1-text");
    if (next) { next.value = text; return next; }
    // No reply yet: the page comes back with one holding the suggestion (the same way the
    // "Add a reply" button adds one without script).
    var field = document.createElement("input");
    field.type = "hidden"; field.name = prefix + "item-1-text"; field.value = text;
    var op = document.createElement("input");
    op.type = "hidden"; op.name = "op"; op.value = "refresh::";
    form.append(field, op);
    form.submit();
    return null;
  }

  function acceptSuggestion() {
    if (!pending) return;
    var target;
    if (pending.action === "first_comment") {
      target = applyFirstComment(pending.text, document.getElementById(pending.targetId));
      if (!target) return;
    } else {
      target = document.getElementById(pending.targetId);
      if (!target) { show("error", gettext("The field it was written for is gone; copy the text instead.")); return; }
      target.value = pending.text;
    }
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.dispatchEvent(new Event("change", { bubbles: true }));
    pending = null;
    result.hidden = true;
    target.focus();
  }

  box.addEventListener("click", function (event) {
    var button = event.target.closest("[data-assist]");
    if (button) run(button);
  });
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-assist-alt]");
    if (button) run(button);
  });
  cancel.addEventListener("click", function () { if (running) running.abort(); });
  discard.addEventListener("click", function () { pending = null; result.hidden = true; });
  accept.addEventListener("click", acceptSuggestion);
  form.addEventListener("focusin", rememberSource);
  form.addEventListener("change", function (event) {
    if (event.target.name === "channels") drawRewrites();
  });
  new MutationObserver(drawAltButtons).observe(form, { childList: true, subtree: true });
  drawRewrites();
  drawAltButtons();
})();
