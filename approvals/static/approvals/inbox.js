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
})();
