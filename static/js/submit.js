/*
 * Forms that must reach the server once, whatever the connection does.
 *
 * A form with data-submit="fetch" (a decision: approve, return, publish…) is sent by this
 * script: a second submit while the first is on its way is ignored (a double click, an
 * impatient Enter), and a dropped connection never leaves the person on the browser's own
 * error page: they stay on the form, with what they wrote, and read in Spanish what happened and
 * what to do. The server answers it with where to go next ({"location": …}, core/submit.py)
 * or with the page it would have shown, whose error messages are shown in the form. Sending
 * it again after a dropped answer is safe: the server recognises the same decision by the
 * same person and records it once (workflows.services._check_decision_revision).
 *
 * The texts come from the form's data attributes (data-offline, data-timeout, data-failed),
 * rendered by the server through Django's translation.
 */
(function () {
  "use strict";

  var TIMEOUT_MS = 30000;
  var ERROR_SELECTORS = "#inbox-error, #action-error, [data-dialog-errors], form .error";

  function statusBox(form) {
    var box = form.querySelector("[data-submit-status]");
    if (!box) {
      box = document.createElement("div");
      box.setAttribute("data-submit-status", "");
      box.setAttribute("role", "alert");
      box.className = "msg msg-error";
      var actions = form.querySelector(".form-actions") || form.lastElementChild;
      form.insertBefore(box, actions);
    }
    return box;
  }

  function show(form, lines) {
    var box = statusBox(form);
    box.textContent = "";
    lines.forEach(function (line) {
      var paragraph = document.createElement("p");
      paragraph.textContent = line;
      box.appendChild(paragraph);
    });
    box.hidden = lines.length === 0;
  }

  function setBusy(form, busy) {
    if (busy) { form.dataset.submitting = "1"; } else { delete form.dataset.submitting; }
    form.setAttribute("aria-busy", busy ? "true" : "false");
    form.querySelectorAll('button[type="submit"], input[type="submit"]').forEach(function (button) {
      button.disabled = busy;
    });
  }

  // The messages of the page the server answered with (the form shown again with errors),
  // and the names of the fields it marked invalid.
  function errorsIn(html, fallback) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var seen = {};
    var lines = [];
    page.querySelectorAll(ERROR_SELECTORS).forEach(function (element) {
      var text = (element.textContent || "").replace(/\s+/g, " ").trim();
      if (text && !seen[text]) { seen[text] = true; lines.push(text); }
    });
    var invalid = Array.prototype.map.call(page.querySelectorAll('[aria-invalid="true"][name]'), function (field) {
      return field.getAttribute("name");
    });
    return { lines: lines.length ? lines : [fallback], invalid: invalid };
  }

  // Where the person goes on to correct it: the first field the server refused, else the
  // form's first text box (a decision's comment).
  function focusToFix(form, invalid) {
    var field = null;
    invalid.some(function (name) {
      field = form.querySelector('[name="' + name.replace(/"/g, "") + '"]:not([type="hidden"])');
      return !!field;
    });
    field = field || form.querySelector('textarea, input[type="text"], input:not([type])');
    if (field && typeof field.focus === "function") { field.focus(); }
  }

  function send(form, submitter) {
    var body = new FormData(form);
    if (submitter && submitter.name) { body.append(submitter.name, submitter.value); }
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    setBusy(form, true);
    show(form, []);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("application/json") === 0) {
          return response.json().then(function (answer) {
            if (answer && typeof answer.location === "string" && answer.location.charAt(0) === "/") {
              window.location.assign(answer.location);
              return;
            }
            throw new Error("answer");
          });
        }
        return response.text().then(function (html) {
          setBusy(form, false);
          var answer = errorsIn(html, form.dataset.failed);
          show(form, answer.lines);
          focusToFix(form, answer.invalid);
        });
      })
      .catch(function (error) {
        setBusy(form, false);
        var aborted = error && error.name === "AbortError";
        show(form, [aborted ? form.dataset.timeout : form.dataset.offline]);
      })
      .finally(function () {
        if (timer) { window.clearTimeout(timer); }
      });
  }

  // On the window, so it runs after the page's own submit handlers (approvals/inbox.js asks
  // to confirm a bulk approval first) and sees whether they stopped the submission.
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) { return; }
    if (form.dataset.submit !== "fetch" || typeof window.fetch !== "function") { return; }
    event.preventDefault();
    if (!form.dataset.submitting) { send(form, event.submitter); }
  });

  // Back from the history (bfcache), a form sent before is usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-submitting]").forEach(function (form) { setBusy(form, false); });
  });
})();
