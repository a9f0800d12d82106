// Polls a dossier export's progress until it is ready or failed, then shows the link.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box) return;
  var finished = { done: true, failed: true };
  function show(state) {
    document.getElementById("export-status").textContent = state.status_label;
    document.getElementById("export-progress").value = state.percent;
    document.getElementById("export-percent").textContent = state.percent + " %";
    var error = document.getElementById("export-error");
    error.textContent = state.error || "";
    error.hidden = !state.error;
    if (state.download_url) {
      document.getElementById("export-download").href = state.download_url;
      document.getElementById("export-ready").hidden = false;
    }
  }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) return;
        show(state);
        if (!finished[state.status]) window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  if (!finished[box.dataset.status]) window.setTimeout(poll, 800);
})();
