// Calendar: drag a post onto another day or hour to move it, after a confirmation.
// The move itself is the post's own "Move" form (also usable by keyboard in its popover),
// so dragging only fills that form's date and time and submits it.
(function () {
  "use strict";

  let dragged = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The new local date and time: a week/day slot gives the hour and keeps the minutes,
  // a month day keeps the whole time of day.
  function target(post, slot) {
    const old = post.dataset.local; // "YYYY-MM-DDTHH:MM" in the viewer's zone
    const minutes = old.slice(14, 16);
    const hour = slot.dataset.hour !== undefined ? pad(parseInt(slot.dataset.hour, 10)) : old.slice(11, 13);
    return { date: slot.dataset.date, time: hour + ":" + minutes };
  }

  function label(date, time) {
    const parts = date.split("-").map(Number);
    const day = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
    const text = day.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
    return text + ", " + time;
  }

  function confirmMove(post, next, done) {
    const dialog = document.getElementById("cal-confirm");
    const zone = (document.querySelector("[data-zone]") || {}).textContent || "";
    const text = "Move the " + post.dataset.channel + " post from " + post.dataset.label +
      " to " + label(next.date, next.time) + (zone ? " (" + zone + ")" : "") + "?";
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(text)) done();
      return;
    }
    dialog.querySelector("[data-confirm-text]").textContent = text;
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "move") done();
      else post.querySelector("summary").focus();
    });
    dialog.showModal();
    dialog.querySelector("button[value=move]").focus();
  }

  function move(post, slot) {
    const next = target(post, slot);
    if (post.dataset.local === next.date + "T" + next.time) return;
    const form = post.querySelector("[data-move-form]");
    if (!form) return;
    confirmMove(post, next, function () {
      form.querySelector("input[name=date]").value = next.date;
      form.querySelector("input[name=time]").value = next.time;
      form.submit();
    });
  }

  function slotOf(element) {
    return element && element.closest ? element.closest(".cal-slot") : null;
  }

  // One popover open at a time; Escape or a click elsewhere closes it.
  function closePopovers(except) {
    document.querySelectorAll("details.cal-pop[open]").forEach(function (pop) {
      if (pop !== except) pop.removeAttribute("open");
    });
  }
  document.addEventListener("toggle", function (event) {
    if (event.target.matches && event.target.matches("details.cal-pop") && event.target.open) {
      closePopovers(event.target);
    }
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("details.cal-pop")) closePopovers(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = document.querySelector("details.cal-pop[open]");
    if (!open) return;
    open.removeAttribute("open");
    open.querySelector("summary").focus();
  });

  document.addEventListener("dragstart", function (event) {
    const post = event.target.closest && event.target.closest(".cal-post[draggable=true]");
    if (!post) return;
    dragged = post;
    post.classList.add("cal-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", post.dataset.post);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("cal-dragging");
    document.querySelectorAll(".cal-drop").forEach(function (el) { el.classList.remove("cal-drop"); });
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    const slot = slotOf(event.target);
    if (!dragged || !slot) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!slot.classList.contains("cal-drop")) {
      document.querySelectorAll(".cal-drop").forEach(function (el) { el.classList.remove("cal-drop"); });
      slot.classList.add("cal-drop");
    }
  });

  document.addEventListener("drop", function (event) {
    const slot = slotOf(event.target);
    if (!dragged || !slot) return;
    event.preventDefault();
    const post = dragged;
    slot.classList.remove("cal-drop");
    move(post, slot);
  });
})();
