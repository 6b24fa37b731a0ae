// Calendar: drag a post onto another day or hour to move it, after a confirmation.
// The move itself is the post's own "Move" form (also usable by keyboard in its popover,
// where submitting asks the same confirmation), so dragging only fills that form's date
// and time and submits it.
//
// Also: the week and day views open scrolled to the current hour; a popover is kept
// inside the screen; the keyboard reaches the posts with one Tab stop per day and the
// arrow keys inside it (a roving tabindex). Without script every post is a Tab stop and
// the Move form submits at once.
(function () {
  "use strict";

  const hour12 = document.body.dataset.clock === "12";
  let dragged = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // "14:05" as the reader's clock writes it (the server writes every other time).
  function clockText(time) {
    if (!hour12) return time;
    const hour = parseInt(time.slice(0, 2), 10);
    return ((hour % 12) || 12) + ":" + time.slice(3, 5) + (hour < 12 ? " AM" : " PM");
  }

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
    return text + ", " + clockText(time);
  }

  function confirmMove(post, next, done) {
    const dialog = document.getElementById("cal-confirm");
    const zone = (document.querySelector("[data-zone]") || {}).textContent || "";
    const text = "Move the " + post.dataset.channel + " post from " + post.dataset.label +
      " to " + label(next.date, next.time) + (zone ? " (" + zone + ")" : "") + "?";
    const summary = post.querySelector("summary");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(text)) done();
      return;
    }
    dialog.querySelector("[data-confirm-text]").textContent = text;
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "move") done();
      else if (summary) summary.focus();
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

  // The Move form of a popover (the keyboard's way to move) asks first, like a drop.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("[data-move-form]")) return;
    const post = form.closest(".cal-post");
    const date = form.querySelector("input[name=date]").value;
    const time = form.querySelector("input[name=time]").value;
    if (!post || !date || !time) return; // the browser's own checks say what is missing
    event.preventDefault();
    if (post.dataset.local === date + "T" + time) return;
    confirmMove(post, { date: date, time: time }, function () { form.submit(); });
  });

  function slotOf(element) {
    return element && element.closest ? element.closest(".cal-slot") : null;
  }

  // -- Popovers: one open at a time, kept inside the screen ---------------------------
  const MARGIN = 8;

  function place(pop) {
    const body = pop.querySelector(".cal-pop-body");
    const summary = pop.querySelector("summary");
    if (!body || !summary) return;
    const width = document.documentElement.clientWidth;
    const height = window.innerHeight;
    body.classList.add("cal-pop-fixed");
    body.style.maxWidth = (width - 2 * MARGIN) + "px";
    body.style.maxHeight = (height - 2 * MARGIN) + "px";
    const anchor = summary.getBoundingClientRect();
    const box = body.getBoundingClientRect();
    const left = Math.max(MARGIN, Math.min(anchor.left, width - box.width - MARGIN));
    let top = anchor.bottom + 4;
    if (top + box.height > height - MARGIN) {
      const above = anchor.top - 4 - box.height;
      top = above >= MARGIN ? above : Math.max(MARGIN, height - box.height - MARGIN);
    }
    body.style.left = left + "px";
    body.style.top = top + "px";
  }

  function openPopover() { return document.querySelector("details.cal-pop[open]"); }

  function closePopovers(except) {
    document.querySelectorAll("details.cal-pop[open]").forEach(function (pop) {
      if (pop !== except) pop.removeAttribute("open");
    });
  }
  document.addEventListener("toggle", function (event) {
    if (event.target.matches && event.target.matches("details.cal-pop") && event.target.open) {
      closePopovers(event.target);
      place(event.target);
    }
  }, true);
  function replace() {
    const open = openPopover();
    if (open) place(open);
  }
  window.addEventListener("resize", replace);
  window.addEventListener("scroll", replace, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("details.cal-pop")) closePopovers(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = openPopover();
    if (!open) return;
    open.removeAttribute("open");
    open.querySelector("summary").focus();
  });

  // -- Keyboard: one Tab stop per day, arrows inside ----------------------------------
  const summaries = Array.prototype.slice.call(document.querySelectorAll(".cal-post > details > summary"));
  const byDay = new Map();
  summaries.forEach(function (summary) {
    const day = summary.closest(".cal-post").dataset.day;
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day).push(summary);
  });
  const days = Array.from(byDay.keys()).sort();

  function dayOf(summary) { return summary.closest(".cal-post").dataset.day; }

  function minutesOf(summary) {
    const time = summary.querySelector("time");
    const stamp = time ? time.getAttribute("datetime") : "";
    return parseInt(stamp.slice(11, 13), 10) * 60 + parseInt(stamp.slice(14, 16), 10);
  }

  function makeStop(summary) {
    byDay.get(dayOf(summary)).forEach(function (other) { other.tabIndex = -1; });
    summary.tabIndex = 0;
  }

  function go(summary) {
    closePopovers(null);
    makeStop(summary);
    summary.focus();
  }

  byDay.forEach(function (list) { list.forEach(function (s, i) { s.tabIndex = i === 0 ? 0 : -1; }); });

  document.addEventListener("focusin", function (event) {
    const summary = event.target;
    if (summary.matches && summary.matches(".cal-post > details > summary")) makeStop(summary);
  });

  document.addEventListener("keydown", function (event) {
    const summary = event.target;
    if (!summary.matches || !summary.matches(".cal-post > details > summary")) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const day = dayOf(summary);
    const list = byDay.get(day);
    const index = list.indexOf(summary);
    let next = null;
    if (event.key === "ArrowDown") next = list[Math.min(index + 1, list.length - 1)];
    else if (event.key === "ArrowUp") next = list[Math.max(index - 1, 0)];
    else if (event.key === "Home") next = list[0];
    else if (event.key === "End") next = list[list.length - 1];
    else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      const other = days[days.indexOf(day) + (event.key === "ArrowRight" ? 1 : -1)];
      if (other) {
        // The post of that day closest in time of day to this one.
        const at = minutesOf(summary);
        next = byDay.get(other).reduce(function (best, candidate) {
          return Math.abs(minutesOf(candidate) - at) < Math.abs(minutesOf(best) - at) ? candidate : best;
        });
      } else next = summary;
    } else return;
    event.preventDefault();
    if (next) go(next);
  });

  // -- The week and day views open at the current hour --------------------------------
  const scroller = document.querySelector("[data-scroll-hours]");
  const now = scroller && scroller.querySelector("tr[data-now]");
  if (now && !window.location.hash) {
    const head = scroller.querySelector("thead");
    scroller.scrollTop = now.offsetTop - (head ? head.offsetHeight : 0);
  }

  // -- Dragging ------------------------------------------------------------------------
  document.addEventListener("dragstart", function (event) {
    const post = event.target.closest && event.target.closest(".cal-post[draggable=true]");
    if (!post) return;
    dragged = post;
    closePopovers(null);
    post.classList.add("cal-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", post.dataset.local || "");
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
