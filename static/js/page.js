/*
 * Small behaviours of the pages, here rather than inline: the Content-Security-Policy
 * (script-src 'self', style-src 'self') refuses inline scripts, on*= handlers and style
 * attributes. Templates put values in data-* attributes; this file acts on them.
 *
 *   data-select-on-focus   a read-only field (a feed address) selects its whole text when
 *                          clicked or focused, ready to copy;
 *   data-share="37"        a bar whose width is that percentage (0 to 100); setting
 *                          element.style from a script is allowed by the policy.
 */
(function () {
  "use strict";

  function selectAll(event) {
    event.currentTarget.select();
  }

  function enhance(root) {
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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
