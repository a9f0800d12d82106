// The inbox's dialogs (one decision dialog and one reassign dialog for the whole page):
// a button opens its dialog filled from its table row, the chosen decision checked;
// cancel closes it. Everything is set as text or a form value, never as HTML, except the
// document being approved: an HTML fragment the server renders (escaped there) for the
// request, fetched when the decision dialog opens.
// The bulk approval asks first: a confirmation listing each selected request (as text).
(function () {
  "use strict";
  function fill(dialog, row) {
    if (!row) { return; }
    var form = dialog.querySelector("form[data-fill-action]");
    if (form) { form.action = row.dataset[form.dataset.fillAction] || ""; }
    dialog.querySelectorAll("[data-fill]").forEach(function (element) {
      element.textContent = row.dataset[element.dataset.fill] || "";
    });
    dialog.querySelectorAll("[data-fill-value]").forEach(function (element) {
      element.value = row.dataset[element.dataset.fillValue] || "";
    });
    if (dialog.dataset.requestId !== row.dataset.requestId) {
      // Another request than the one the page came back with: nothing of that one stays.
      dialog.querySelectorAll("[data-dialog-errors]").forEach(function (element) { element.remove(); });
      var comment = dialog.querySelector("textarea");
      if (comment) { comment.value = ""; }
      dialog.dataset.requestId = row.dataset.requestId || "";
    }
  }
  // The document being approved, loaded by page.js's loadFragment (base.html).
  function loadReview(dialog, url) {
    var holder = dialog.querySelector("[data-review]");
    if (!holder) { return; }
    if (!url) {
      delete holder.dataset.fragmentFor;
      holder.textContent = "";
      return;
    }
    window.loadFragment(holder, url);
  }
  // A modal dialog (showModal) keeps Tab inside and closes on Escape; focus moves into it on
  // opening and goes back to whatever opened it on closing (see returnFocus).
  function open(dialog, decision, opener) {
    dialog.returnFocusTo = opener || document.activeElement;
    if (decision) {
      var radio = dialog.querySelector('input[name="decision"][value="' + decision + '"]');
      if (radio) { radio.checked = true; }
    }
    if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    var focus = dialog.querySelector("textarea, select");
    if (focus) { focus.focus(); }
  }
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog) {
        var row = opener.closest("tr[data-request-id]");
        fill(dialog, row);
        if (row && dialog.querySelector("[data-review]")) { loadReview(dialog, row.dataset.reviewUrl); }
        open(dialog, opener.getAttribute("data-decision"), opener);
      }
      return;
    }
    var confirm = event.target.closest("[data-bulk-confirm]");
    if (confirm) {
      var bulkForm = document.getElementById("bulk-form");
      var offline = confirm.closest("dialog").querySelector("[data-bulk-offline]");
      if (offline && navigator.onLine === false) {
        // Sent now, the browser would show its own error page and the selection be lost.
        offline.textContent = confirm.closest("dialog").dataset.offline;
        offline.hidden = false;
        return;
      }
      if (offline) { offline.hidden = true; }
      if (bulkForm && !bulkForm.dataset.confirmed) {
        bulkForm.dataset.confirmed = "1";
        confirm.disabled = true;
        bulkForm.submit();
      }
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) { closer.closest("dialog").close(); }
  });
  // Back to the button that opened the dialog; a dialog the page opened by itself (a refused
  // decision) gives focus to its row's button. "close" does not bubble: listen while capturing,
  // so dialogs of a refreshed task list are served too.
  function returnFocus(event) {
    var dialog = event.target;
    if (!(dialog instanceof HTMLDialogElement)) { return; }
    var back = dialog.returnFocusTo;
    dialog.returnFocusTo = null;
    if (!back || !back.isConnected || back === document.body) {
      back = dialog.dataset.requestId
        ? document.querySelector('#tasks tr[data-request-id="' + dialog.dataset.requestId + '"] [data-open-dialog="' + dialog.id + '"]')
        : null;
    }
    if (back && typeof back.focus === "function") { back.focus(); }
  }
  document.addEventListener("close", returnFocus, true);

  // After every deferred script has run (page.js's loader among them).
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("dialog[data-open-on-load]").forEach(function (dialog) {
      loadReview(dialog, dialog.dataset.reviewUrl);
      open(dialog);
    });
  });

  // Bulk approval: the form's submit opens the confirmation first (without a selection, the
  // server answers that one must choose).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "bulk-form" || form.dataset.confirmed) { return; }
    var dialog = document.getElementById(form.dataset.confirmDialog || "");
    var chosen = Array.prototype.slice.call(
      document.querySelectorAll('input[type="checkbox"][name="requests"][form="bulk-form"]:checked')
    );
    if (!dialog || chosen.length === 0) { return; }
    event.preventDefault();
    var count = dialog.querySelector("[data-bulk-count]");
    count.textContent = chosen.length === 1
      ? dialog.dataset.countOne
      : String(dialog.dataset.countMany).replace("%(count)s", String(chosen.length));
    var list = dialog.querySelector("[data-bulk-list]");
    list.textContent = "";
    chosen.forEach(function (box) {
      var row = box.closest("tr[data-request-id]");
      var item = document.createElement("li");
      var reference = document.createElement("strong");
      reference.textContent = row ? row.dataset.reference : box.value;
      item.appendChild(reference);
      item.appendChild(document.createTextNode(row ? " · " + row.dataset.title : ""));
      list.appendChild(item);
    });
    var comment = (form.querySelector('[name="comment"]') || {}).value || "";
    // Quoted «…»; quotation marks inside it become “…”, never «…» in «…» (core.wording.quote).
    var inner = comment.trim().replace(/«/g, "“").replace(/»/g, "”");
    dialog.querySelector("[data-bulk-comment]").textContent = inner ? "«" + inner + "»" : dialog.dataset.noComment;
    var button = dialog.querySelector("[data-bulk-confirm]");
    if (button) { button.disabled = false; }
    open(dialog, null, event.submitter || document.activeElement);
    if (button) { button.focus(); }
  });

  // A new notification may mean a new task: reload the task list in place (the same page
  // of it), unless the person is in the middle of a decision.
  var refreshing = false;
  function refreshTasks() {
    var section = document.getElementById("tasks");
    if (!section || refreshing || document.querySelector("dialog[open]")) { return; }
    refreshing = true;
    var query = new URLSearchParams(window.location.search);
    query.set("parcial", "tareas");
    fetch(window.location.pathname + "?" + query.toString(), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#tasks");
          if (fresh) { section.replaceWith(fresh); }
        }
      })
      .finally(function () { refreshing = false; });
  }
  document.addEventListener("live:notification", refreshTasks);
  // A task someone else did leaves the list at once.
  document.addEventListener("live:resolved", refreshTasks);
  document.addEventListener("live:reconnected", refreshTasks);
})();
