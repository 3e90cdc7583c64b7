// soc serve: progressive enhancement only. Every page works without this
// script; it adds live updates (server-sent events) and EveBox-style
// keyboard shortcuts on the inbox. It never inserts text as HTML: server
// fragments are already escaped, and messages use textContent.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var banner = document.getElementById("newalerts");

  function setLive(on, text) {
    if (!live) return;
    live.className = on ? "on" : "off";
    live.textContent = text;
  }

  // Replace the inbox table and summary with a fresh server rendering.
  function refreshInbox() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["inbox", "inbox-summary"].forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) old.replaceWith(document.importNode(fresh, true));
        });
        selectRow(Math.min(selected, rows().length - 1));
      });
  }

  function refreshOverview() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("main"), old = document.querySelector("main");
        if (fresh && old) old.replaceWith(document.importNode(fresh, true));
      });
  }

  if (window.EventSource) {
    var es = new EventSource("/events");
    es.addEventListener("hello", function () { setLive(true, "live"); });
    es.addEventListener("alerts", function (ev) {
      var info = {};
      try { info = JSON.parse(ev.data); } catch (e) { /* ignore */ }
      var page = document.body.getAttribute("data-page");
      if (page === "Inbox") { refreshInbox(); }
      else if (page === "Overview") { refreshOverview(); }
      else if (banner) {
        banner.hidden = false;
        banner.textContent = (info["new"] || "New") + " new alert(s): reload to see them.";
      }
      setLive(true, "live · updated " + new Date().toLocaleTimeString());
    });
    es.onerror = function () { setLive(false, "live: reconnecting"); };
  }

  // Inbox keyboard navigation: j/k move, Enter opens, e escalates, x archives.
  var selected = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#inbox tr.group")); }
  function selectRow(i) {
    var rs = rows();
    rs.forEach(function (r) { r.classList.remove("selected"); });
    if (!rs.length) { selected = -1; return; }
    selected = Math.max(0, Math.min(i, rs.length - 1));
    rs[selected].classList.add("selected");
    rs[selected].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (ev) {
    if (document.body.getAttribute("data-page") !== "Inbox") return;
    var t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var rs = rows(), row = rs[selected];
    if (ev.key === "j") { selectRow(selected + 1); }
    else if (ev.key === "k") { selectRow(selected - 1); }
    else if (ev.key === "Enter" && row) { window.location.href = row.getAttribute("data-href"); }
    else if (ev.key === "e" && row) { row.querySelector("form.escalate").submit(); }
    else if (ev.key === "x" && row) { row.querySelector("form.archive").submit(); }
    else { return; }
    ev.preventDefault();
  });
})();
