// Decision dialogs of the inbox: open with the chosen decision, close on cancel.
(function () {
  "use strict";
  function open(dialog, decision) {
    if (decision) {
      var radio = dialog.querySelector('input[name="decision"][value="' + decision + '"]');
      if (radio) { radio.checked = true; }
    }
    if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    var comment = dialog.querySelector("textarea");
    if (comment) { comment.focus(); }
  }
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog) { open(dialog, opener.getAttribute("data-decision")); }
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) { closer.closest("dialog").close(); }
  });
  document.querySelectorAll("dialog[data-open-on-load]").forEach(function (dialog) { open(dialog); });

  // A new notification may mean a new task: reload the task list in place, unless the
  // person is in the middle of a decision.
  var refreshing = false;
  function refreshTasks() {
    var section = document.getElementById("tasks");
    if (!section || refreshing || document.querySelector("dialog[open]")) { return; }
    refreshing = true;
    fetch(window.location.pathname + "?parcial=tareas", { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
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
