// Calendar, before the page is drawn: on a phone (600 px or narrower) the calendar opens
// in the day view, whose one column fits, unless the address already names a view (the
// view switch above the calendar still offers week, month and list).
(function () {
  "use strict";
  if (/[?&]view=/.test(window.location.search)) return;
  if (!window.matchMedia || !window.matchMedia("(max-width: 600px)").matches) return;
  var query = window.location.search ? window.location.search + "&" : "?";
  window.location.replace(window.location.pathname + query + "view=day" + window.location.hash);
})();
