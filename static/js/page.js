/*
 * Small behaviours of the pages, here rather than inline: the Content-Security-Policy
 * (script-src 'self', style-src 'self') refuses inline scripts, on*= handlers and style
 * attributes. Templates put values in data-* attributes; this file acts on them.
 *
 *   data-select-on-focus   a read-only field (a feed address) selects its whole text when
 *                          clicked or focused, ready to copy;
 *   data-share="37"        a bar whose width is that percentage (0 to 100); setting
 *                          element.style from a script is allowed by the policy;
 *   data-fragment-url="…"  a holder filled with the HTML fragment the server renders at that
 *                          address (same origin, escaped there), when its <details> opens
 *                          (or at once outside one); data-loading and data-error hold the
 *                          Spanish texts shown meanwhile and on failure.
 *
 * And for every page: Tab goes round inside an open modal <dialog>; the bell's new count is
 * said politely (#bell-status).
 */
(function () {
  "use strict";

  function selectAll(event) {
    event.currentTarget.select();
  }

  function say(holder, text, css, role) {
    holder.textContent = "";
    var message = document.createElement("p");
    message.className = css;
    if (role) { message.setAttribute("role", role); }
    message.textContent = text || "";
    holder.appendChild(message);
  }

  // Fill `holder` with the HTML fragment the server renders at `url` (escaped there); a
  // later call for another address wins over an answer still on its way. Resolves to
  // whether it was filled. Also used by the inbox's decision dialog (approvals/inbox.js).
  function loadFragment(holder, url) {
    holder.dataset.fragmentFor = url;
    say(holder, holder.dataset.loading, "muted");
    holder.setAttribute("aria-busy", "true");
    function stillWanted() { return holder.dataset.fragmentFor === url; }
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        if (!stillWanted()) { return false; }
        holder.removeAttribute("aria-busy");
        holder.innerHTML = html;
        return true;
      })
      .catch(function () {
        if (!stillWanted()) { return false; }
        holder.removeAttribute("aria-busy");
        say(holder, holder.dataset.error, "msg msg-error", "alert");
        return false;
      });
  }
  window.loadFragment = loadFragment;

  function loadOnce(holder) {
    if (holder.dataset.fragmentState) { return; }
    holder.dataset.fragmentState = "loading";
    loadFragment(holder, holder.dataset.fragmentUrl).then(function (filled) {
      if (filled) {
        holder.dataset.fragmentState = "loaded";
      } else {
        delete holder.dataset.fragmentState;  // opening again tries again
      }
    });
  }

  // A table wider than the screen scrolls inside its own box: that box takes the keyboard
  // focus (arrow keys scroll it), which it gives up again once it fits.
  var SCROLLERS = ".table-wrap, .table:not(.table-cards)";
  function keyboardScroll(root) {
    root.querySelectorAll(SCROLLERS).forEach(function (box) {
      if (box.matches(".table") && box.closest(".table-wrap")) { return; }
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); box.dataset.scrollFocus = "1"; }
      } else if (box.dataset.scrollFocus) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    });
  }
  window.addEventListener("resize", function () { keyboardScroll(document); });

  function enhance(root) {
    keyboardScroll(root);
    root.querySelectorAll("[data-fragment-url]").forEach(function (holder) {
      var details = holder.closest("details");
      if (!details || details.open) {
        loadOnce(holder);
      } else {
        details.addEventListener("toggle", function () { if (details.open) { loadOnce(holder); } });
      }
    });
    root.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
      field.addEventListener("click", selectAll);
      field.addEventListener("focus", selectAll);
    });
    root.querySelectorAll("[data-share]").forEach(function (bar) {
      var share = parseFloat(String(bar.dataset.share).replace(",", "."));
      if (!isNaN(share)) {
        bar.style.width = Math.min(100, Math.max(0, share)) + "%";
      }
    });
  }

  // The bell's count, said politely when it changes: live.js keeps the bell's label
  // ("Notificaciones: 3 sin leer") up to date; this copies a new label into #bell-status,
  // a polite live region beside the bell (base.html).
  function announceBell() {
    var bell = document.getElementById("bell");
    var status = document.getElementById("bell-status");
    if (!bell || !status || !window.MutationObserver) { return; }
    var said = bell.getAttribute("aria-label");
    new MutationObserver(function () {
      var label = bell.getAttribute("aria-label");
      if (label && label !== said) {
        said = label;
        status.textContent = label;
      }
    }).observe(bell, { attributes: true, attributeFilter: ["aria-label"] });
  }

  // A modal <dialog> (showModal) makes the page behind it inert, but Tab from its last
  // control leaves for the browser's own toolbar: keep Tab and Shift+Tab going round inside.
  var TAB_STOPS = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), " +
    "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

  function tabStops(dialog) {
    return Array.prototype.filter.call(dialog.querySelectorAll(TAB_STOPS), function (element) {
      if (element.getClientRects().length === 0) { return false; }
      if (element.type === "radio" && element.name) {
        // One stop per group of radios: the chosen one, else the first.
        var group = dialog.querySelectorAll('input[type=radio][name="' + element.name + '"]');
        var chosen = Array.prototype.filter.call(group, function (radio) { return radio.checked; })[0];
        return element === (chosen || group[0]);
      }
      return true;
    });
  }

  function keepTabInside(event) {
    if (event.key !== "Tab") { return; }
    var dialog = document.querySelector("dialog[open]:modal");
    if (!dialog) { return; }
    var stops = tabStops(dialog);
    if (stops.length === 0) { event.preventDefault(); return; }
    var first = stops[0], last = stops[stops.length - 1], here = document.activeElement;
    if (!dialog.contains(here)) {
      event.preventDefault();
      first.focus();
    } else if (event.shiftKey && here === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && here === last) {
      event.preventDefault();
      first.focus();
    }
  }

  document.addEventListener("keydown", keepTabInside);
  announceBell();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
