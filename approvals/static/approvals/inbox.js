// The inbox's dialogs (one decision dialog and one reassign dialog for the whole page):
// a button opens its dialog filled from its table row, the chosen decision checked;
// cancel closes it. Everything is set as text or a form value, never as HTML.
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
  function open(dialog, decision) {
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
        fill(dialog, opener.closest("tr[data-request-id]"));
        open(dialog, opener.getAttribute("data-decision"));
      }
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) { closer.closest("dialog").close(); }
  });
  document.querySelectorAll("dialog[data-open-on-load]").forEach(function (dialog) { open(dialog); });

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
  document.addEventListener("live:reconnected", refreshTasks);
})();
