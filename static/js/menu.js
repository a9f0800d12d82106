/*
 * The header's folding menus (base.html): below 900 px the navigation and the person's
 * menu fold behind the "Menú" button; on a wide screen a person with many links finds the
 * office's tools under "Más" (config/navigation.py). app.css does the folding; this file
 * opens and closes them.
 *
 * Loaded in <head> without `defer`, so the "js" class is on <html> before the first paint:
 * app.css folds only under html.js, which keeps every link open (and reachable) when
 * scripts do not run, and never shows a menu open for an instant before folding it.
 *
 *   <button data-disclosure aria-controls="ID" aria-expanded="false">   opens #ID
 *   data-disclosure="dropdown"   also closes when a click or the focus goes elsewhere
 *
 * Each button says whether its part is open (aria-expanded) and names it (aria-controls);
 * Escape, from the button or inside its part, closes the innermost one and gives the
 * focus back to its button.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function panelOf(button) { return document.getElementById(button.getAttribute("aria-controls")); }
  function isOpen(button) { return button.getAttribute("aria-expanded") === "true"; }
  function show(button, open) {
    var panel = panelOf(button);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (panel) { panel.classList.toggle("is-open", open); }
  }
  function owns(button, node) {
    var panel = panelOf(button);
    return node === button || (!!panel && panel.contains(node));
  }
  function openButtons() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-disclosure]"), isOpen);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-disclosure]");
    if (button) { show(button, !isOpen(button)); }
    openButtons().forEach(function (open) {
      if (open.dataset.disclosure === "dropdown" && !owns(open, event.target)) { show(open, false); }
    });
  });

  document.addEventListener("focusout", function (event) {
    openButtons().forEach(function (open) {
      if (open.dataset.disclosure === "dropdown" && event.relatedTarget && !owns(open, event.relatedTarget)) {
        show(open, false);
      }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var focus = document.activeElement;
    // The innermost open part holding the focus (the later one in the page: "Más" sits
    // inside the phone's menu). Escape elsewhere belongs to what has the focus (a dialog).
    var holding = openButtons().filter(function (open) { return owns(open, focus); });
    var button = holding[holding.length - 1];
    if (!button) { return; }
    show(button, false);
    button.focus();
  });
})();
