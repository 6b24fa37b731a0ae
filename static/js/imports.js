// The import page while the worker reads or schedules the file: asks for the progress
// every second and reloads the page (the preview) when the job has finished.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = document.getElementById("import-bar");
  var count = document.getElementById("import-count");
  var state = document.getElementById("import-state");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
        count.textContent = interpolate(gettext("%(done)s of %(total)s rows"), { done: job.done, total: job.total || "?" }, true);
        state.textContent = job.state_label;
        if (job.running) {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
