// Media library: drag-and-drop and multi-file uploads with a progress bar per file, and
// "Copy URL". Each file is its own request so one refused file does not sink the others
// and each gets its own progress. Without this script the forms still work.
(function () {
  "use strict";

  const PARALLEL = 2;

  function csrfToken(form) {
    const field = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function progressRow(list, file) {
    const row = document.createElement("li");
    const name = document.createElement("span");
    name.className = "media-progress-name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", interpolate(gettext("Uploading %(name)s"), { name: file.name }, true));
    const status = document.createElement("span");
    status.className = "media-progress-status";
    status.textContent = gettext("Waiting");
    row.append(name, bar, status);
    list.append(row);
    return { row: row, bar: bar, status: status };
  }

  function addCard(html) {
    const grid = document.querySelector("[data-media-grid]");
    if (!grid || !html) return;
    const empty = document.querySelector("[data-media-empty]");
    if (empty) empty.remove();
    grid.insertAdjacentHTML("afterbegin", html);
  }

  function send(form, file, ui) {
    return new Promise(function (resolve) {
      const data = new FormData();
      data.append("file", file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
      ui.status.textContent = gettext("Uploading");
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        ui.bar.value = Math.round((event.loaded / event.total) * 100);
        if (ui.bar.value === 100) ui.status.textContent = gettext("Checking");
      });
      xhr.addEventListener("load", function () {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (xhr.status === 201 && body && body.files.length) {
          ui.bar.value = 100;
          ui.status.textContent = gettext("Uploaded");
          ui.row.classList.add("media-progress-done");
          addCard(body.files[0].html);
        } else {
          let message = interpolate(gettext("The upload failed (%(status)s). Try again."), { status: xhr.status }, true);
          if (body && body.errors && body.errors.length) message = body.errors[0].error;
          else if (xhr.status === 413) message = interpolate(gettext("%(name)s is larger than this server accepts."), { name: file.name }, true);
          else if (xhr.status === 403) message = gettext("Your role does not allow uploading files.");
          ui.status.textContent = message;
          ui.status.setAttribute("role", "alert");
          ui.row.classList.add("media-progress-failed");
        }
        resolve();
      });
      xhr.addEventListener("error", function () {
        ui.status.textContent = gettext("The connection dropped. Check your network and try again.");
        ui.status.setAttribute("role", "alert");
        ui.row.classList.add("media-progress-failed");
        resolve();
      });
      xhr.send(data);
    });
  }

  function uploadAll(form, files) {
    const list = form.querySelector("[data-media-progress]");
    const queue = Array.from(files).map(function (file) {
      return { file: file, ui: progressRow(list, file) };
    });
    function worker() {
      const next = queue.shift();
      if (!next) return Promise.resolve();
      return send(form, next.file, next.ui).then(worker);
    }
    const workers = [];
    for (let i = 0; i < PARALLEL; i++) workers.push(worker());
    Promise.all(workers).then(function () {
      const refresh = form.dataset.mediaRefresh;
      const picker = form.closest("[data-media-picker]");
      if (refresh && picker && window.htmx) {
        window.htmx.ajax("GET", refresh, { target: picker, swap: "outerHTML" });
      }
    });
  }

  function wireDropzone(form) {
    if (form.dataset.mediaWired) return;
    form.dataset.mediaWired = "1";
    const input = form.querySelector("input[type=file]");
    input.addEventListener("change", function () {
      if (input.files.length) uploadAll(form, input.files);
      input.value = "";
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input.files.length) uploadAll(form, input.files);
    });
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) {
        event.preventDefault();
        form.classList.add("media-dropzone-over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      form.addEventListener(name, function (event) {
        event.preventDefault();
        form.classList.remove("media-dropzone-over");
      });
    });
    form.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) {
        uploadAll(form, event.dataTransfer.files);
      }
    });
  }

  function wireAll(root) {
    root.querySelectorAll("[data-media-dropzone]").forEach(wireDropzone);
  }

  // Copy a field's value: <button data-copy="#field">; the result is announced.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.querySelector(button.dataset.copy);
    const status = document.querySelector("[data-copy-status]");
    if (!field) return;
    function done(ok) {
      if (status) status.textContent = ok ? gettext("Copied.") : gettext("Select the address and copy it.");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () {
        field.select();
        done(false);
      });
    } else {
      field.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    }
  });

  document.addEventListener("DOMContentLoaded", function () { wireAll(document); });
  // The picker arrives later, through htmx.
  document.addEventListener("htmx:load", function (event) { wireAll(event.target); });
})();
