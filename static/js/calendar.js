// Calendar: each post opens a popover (its channel, its times, what the network said,
// Retry, Move and a link); drag a post onto another day or hour to move it, after a
// confirmation.
//
// The page has one popover (#cal-pop), with the page's one Retry form and one Move form:
// opening a post moves the popover into it and fills it from the post's data- attributes
// (its ids, the times the server wrote, what the network said, its link); dragging fills
// the same Move form and submits it. Submitting Move from the popover (the keyboard's way
// to move) asks the same confirmation as a drop. Without scripts, a post opens to its own
// link alone (the composer, where it can be moved, or the network's copy).
//
// Also: the week and day views open scrolled to the current hour; a popover is kept
// inside the screen; the keyboard reaches the posts with one Tab stop per day and the
// arrow keys inside it (a roving tabindex).
(function () {
  "use strict";

  // The popover replaces each post's own link, shown where scripts do not run.
  document.documentElement.classList.add("cal-js");
  const hour12 = document.body.dataset.clock === "12";
  const pop = document.getElementById("cal-pop");
  const dayLabels = pop ? JSON.parse(pop.dataset.days || "{}") : {};
  const channels = pop ? JSON.parse(pop.dataset.channels || "{}") : {};
  const POST = ".cal-post > details > summary";
  let dragged = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // "14:05" as the reader's clock writes it (the server writes every other time).
  function clockText(time) {
    if (!hour12) return time;
    const hour = parseInt(time.slice(0, 2), 10);
    return ((hour % 12) || 12) + ":" + time.slice(3, 5) + (hour < 12 ? " AM" : " PM");
  }

  // -- What a post carries --------------------------------------------------------------
  function timeOf(post) { return post.querySelector("summary time"); }
  // "YYYY-MM-DDTHH:MM", the time asked for in the viewer's zone: the day of the cell (or
  // list day) it is drawn in, the time of day its <time> says (in 24-hour form).
  function localOf(post) {
    const time = timeOf(post);
    return post.closest("[data-date]").dataset.date + "T" + (time.getAttribute("datetime") || time.textContent);
  }
  function channelOf(post) { return channels[post.dataset.c] || ["", ""]; }
  // "Mon 16 Mar 2026, 14:05": the day as the server wrote it, the time as the post shows it.
  function whenOf(post) {
    const day = localOf(post).slice(0, 10);
    return (dayLabels[day] || day) + ", " + timeOf(post).textContent;
  }
  function movable(post) { return post.getAttribute("draggable") === "true"; }

  // -- The popover ------------------------------------------------------------------------
  function parts(kind, name) { return pop.querySelectorAll("[data-" + kind + '="' + name + '"]'); }
  function show(name, on) { parts("show", name).forEach(function (el) { el.hidden = !on; }); }
  function fill(name, text) { parts("fill", name).forEach(function (el) { el.textContent = text; }); }

  // Fill the popover for ``post`` and put it there (shown when the post is open).
  function adopt(post) {
    const data = post.dataset;
    const channel = channelOf(post);
    fill("channel", channel[0]);
    fill("retry", interpolate(gettext("Retry the %(channel)s post now"), { channel: channel[0] }, true));
    fill("customer", channel[1] ? "· " + channel[1] : "");
    const asked = parts("fill", "asked")[0];
    if (!asked.dataset.scheduled) asked.dataset.scheduled = asked.textContent;
    fill("asked", post.classList.contains("cal-draft") ? asked.dataset.draft : asked.dataset.scheduled);
    fill("when", whenOf(post));
    ["out", "next", "error", "m"].forEach(function (name) {
      show(name, Boolean(data[name]));
      fill(name, data[name] || "");
    });
    // The post's own link (what opens without scripts): the composer, or the network's
    // copy (the one with a rel).
    const link = post.querySelector("details > a");
    const away = Boolean(link && link.hasAttribute("rel"));
    if (link) parts("show", away ? "view" : "edit")[0].href = link.href;
    show("view", away);
    show("edit", Boolean(link) && !away);
    // A post waiting for approval also opens its review panel (the composer's address
    // followed by review/).
    const waiting = Boolean(link) && !away && post.classList.contains("cal-review");
    if (waiting) parts("show", "review")[0].href = link.href.replace(/\/?$/, "/review/");
    show("review", waiting);

    const retry = parts("show", "retry")[0];
    if (retry) {
      const can = data.retry !== undefined;
      const unsure = can && post.classList.contains("cal-unconfirmed");
      show("retry", can);
      show("confirm", unsure);
      const check = retry.querySelector("input[name=confirm_duplicate]");
      check.disabled = !unsure;
      check.checked = false;
      retry.querySelector("button[name=retry_one]").value = can ? data.p : "";
    }
    const form = pop.querySelector("[data-move-form]");
    if (form) {
      show("move", movable(post));
      if (movable(post)) {
        const local = localOf(post);
        form.action = form.dataset.action.replace("{id}", data.p);
        form.querySelector("input[name=date]").value = local.slice(0, 10);
        form.querySelector("input[name=time]").value = local.slice(11, 16);
      }
    }
    pop.hidden = false;
    post.querySelector("details").appendChild(pop);
  }

  // -- Moving -----------------------------------------------------------------------------
  // The new local date and time: a week/day slot gives the hour and keeps the minutes,
  // a month day keeps the whole time of day.
  function target(post, slot) {
    const old = localOf(post);
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
    const names = { channel: channelOf(post)[0], from: whenOf(post), to: label(next.date, next.time), zone: zone };
    const text = zone
      ? interpolate(gettext("Move the %(channel)s post from %(from)s to %(to)s (%(zone)s)?"), names, true)
      : interpolate(gettext("Move the %(channel)s post from %(from)s to %(to)s?"), names, true);
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
    if (!pop || localOf(post) === next.date + "T" + next.time) return;
    adopt(post); // the page's Move form, filled for this post (still closed: not shown)
    const form = pop.querySelector("[data-move-form]");
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
    if (localOf(post) === date + "T" + time) return;
    confirmMove(post, { date: date, time: time }, function () { form.submit(); });
  });

  function slotOf(element) {
    return element && element.closest ? element.closest(".cal-slot") : null;
  }

  // -- Popovers: one open at a time, kept inside the screen ---------------------------
  const MARGIN = 8;

  function place(details) {
    const body = details.querySelector(".cal-pop-body");
    const summary = details.querySelector("summary");
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

  const OPEN = ".cal-post > details[open]";
  function openPopover() { return document.querySelector(OPEN); }

  function closePopovers(except) {
    document.querySelectorAll(OPEN).forEach(function (details) {
      if (details !== except) details.removeAttribute("open");
    });
  }
  document.addEventListener("toggle", function (event) {
    const details = event.target;
    if (!details.matches || !details.matches(".cal-post > details") || !details.open) return;
    closePopovers(details);
    if (pop) adopt(details.parentElement);
    place(details);
  }, true);
  function replace() {
    const open = openPopover();
    if (open) place(open);
  }
  window.addEventListener("resize", replace);
  window.addEventListener("scroll", replace, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".cal-post > details")) closePopovers(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = openPopover();
    if (!open) return;
    open.removeAttribute("open");
    open.querySelector("summary").focus();
  });

  // -- Keyboard: one Tab stop per day, arrows inside ----------------------------------
  const summaries = Array.prototype.slice.call(document.querySelectorAll(POST));
  const byDay = new Map();

  function dayOf(summary) { return localOf(summary.parentElement.parentElement).slice(0, 10); }

  function minutesOf(summary) {
    const local = localOf(summary.parentElement.parentElement);
    return parseInt(local.slice(11, 13), 10) * 60 + parseInt(local.slice(14, 16), 10);
  }

  summaries.forEach(function (summary) {
    const day = dayOf(summary);
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day).push(summary);
  });
  const days = Array.from(byDay.keys()).sort();

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
    if (summary.matches && summary.matches(POST)) makeStop(summary);
  });

  document.addEventListener("keydown", function (event) {
    const summary = event.target;
    if (!summary.matches || !summary.matches(POST)) return;
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
    event.dataTransfer.setData("text/plain", localOf(post));
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
