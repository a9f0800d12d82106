/*
 * Live notifications: no build step, no inline script (CSP-friendly).
 *
 * The socket is only a hint that something new is in the database. After every
 * (re)connection the page asks the server what it missed (/notificaciones/nuevas/
 * ?despues=<last id seen>) and, on a request's page, the request's current state.
 * Everything shown is built with DOM text nodes, never HTML from the server.
 *
 * document.body.dataset.live is "connected" or "disconnected" (tests read it).
 * Pages may listen on document to "live:notification" (detail: the notification),
 * "live:request-changed" (detail: request_id, state, label, revision) and
 * "live:reconnected" (the socket is back after a cut; what was missed is being fetched)
 * and "live:resolved" (detail: request, steps: someone did the task that the
 * notifications about that request and those steps asked for).
 *
 * A row inserted live reads exactly like one the server rendered
 * (notifications/templates/notifications/_item.html): the same kind badge, the same
 * "Marcar como leída" button, and the date as the server wrote it (created_label), in
 * the municipality's time zone whatever the browser's own.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.WebSocket || !window.fetch) {
    return;
  }
  var WS_PATH = script.dataset.wsPath || "/ws/notificaciones/";
  var CATCH_UP_URL = script.dataset.catchUpUrl || "/notificaciones/nuevas/";
  var STATE_URL = script.dataset.stateUrl || "/notificaciones/solicitud/0/estado/";
  var MARK_LABEL = script.dataset.markLabel || "Marcar como leída";
  var RESOLVED_LABEL = script.dataset.resolvedLabel || "Atendida";
  var RESOLVED_TITLE = script.dataset.resolvedTitle || "";
  var PING_EVERY_MS = 25000;
  var BACKOFF_FIRST_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  // Close codes after which reconnecting is pointless: logged out, deactivated, refused.
  var FINAL_CODES = [4401, 4403, 4429];

  var socket = null;
  var pingTimer = null;
  var retryTimer = null;
  var backoff = BACKOFF_FIRST_MS;
  var stopped = false;
  var seen = {};
  var lastId = 0;
  var everConnected = false;

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  function setStatus(status) {
    document.body.dataset.live = status;
  }

  function toId(value) {
    var number = parseInt(value, 10);
    return isFinite(number) && number > 0 ? number : 0;
  }

  function initialLastId() {
    var bell = document.getElementById("bell");
    var list = document.getElementById("notification-list");
    var ids = [bell && toId(bell.dataset.lastId), list && toId(list.dataset.lastId)];
    if (list) {
      list.querySelectorAll("[data-id]").forEach(function (item) {
        var id = toId(item.dataset.id);
        seen[id] = true;
        ids.push(id);
      });
    }
    return Math.max.apply(null, ids.map(function (id) { return id || 0; }));
  }

  // --- the bell ----------------------------------------------------------------------------

  function setUnread(count) {
    var number = parseInt(count, 10);
    if (!isFinite(number) || number < 0) {
      return;
    }
    var badge = document.getElementById("bell-count");
    if (badge) {
      badge.textContent = String(number);
      badge.hidden = number === 0;
    }
    var bell = document.getElementById("bell");
    if (bell && bell.getAttribute("aria-label")) {
      bell.setAttribute("aria-label", bell.getAttribute("aria-label").replace(/\d+/, String(number)));
    }
    // The notifications page's own count ("N sin leer") says the same as the bell.
    var pageCount = document.getElementById("notification-unread");
    if (pageCount) {
      pageCount.textContent = pageCount.textContent.replace(/\d+/, String(number));
      pageCount.hidden = number === 0;
    }
  }

  // --- the list (the inbox page has <ul id="notification-list" data-last-id="...">) ---------

  function safeUrl(url) {
    return typeof url === "string" && /^\/(?!\/)/.test(url) ? url : null;
  }

  function chip(text, extraClass, title) {
    var span = document.createElement("span");
    span.className = "chip" + (extraClass ? " " + extraClass : "");
    if (title) {
      span.title = title;
    }
    span.textContent = text;
    return span;
  }

  function markButton(id) {
    var button = document.createElement("button");
    button.type = "submit";
    button.setAttribute("form", "mark-read-form");
    button.name = "ids";
    button.value = String(id);
    button.className = "btn-link";
    button.textContent = MARK_LABEL;
    return button;
  }

  // Built like notifications/_item.html, element by element, with text nodes only. A
  // done one (its task was done, by anyone) is not unread, whether read or not.
  function renderItem(item) {
    var pending = !item.read && !item.resolved;
    var li = document.createElement("li");
    li.className = "notification notification-new" + (pending ? " unread" : "") + (item.resolved ? " resolved" : "");
    li.dataset.id = String(item.id);
    li.dataset.kind = String(item.kind || "");
    if (toId(item.request)) {
      li.dataset.request = String(toId(item.request));
    }
    if (item.step) {
      li.dataset.step = String(item.step);
    }
    var url = safeUrl(item.url);
    var text = document.createElement(url ? "a" : "span");
    if (url) {
      text.href = url;
    }
    text.textContent = String(item.message || "");
    li.appendChild(text);
    if (item.created_at) {
      var time = document.createElement("time");
      time.dateTime = String(item.created_at);
      time.className = "muted";
      time.textContent = String(item.created_label || "");
      li.appendChild(document.createTextNode(" "));
      li.appendChild(time);
    }
    if (item.kind_label) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(chip(String(item.kind_label)));
    }
    if (item.resolved) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(chip(RESOLVED_LABEL, "chip-done", RESOLVED_TITLE));
    }
    if (pending) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(markButton(item.id));
    }
    return li;
  }

  // A time the server wrote (ISO 8601 with its offset), in milliseconds; Python writes
  // microseconds, which Date.parse need not accept: they are cut to milliseconds.
  function serverTime(iso) {
    return Date.parse(String(iso || "").replace(/(\.\d{3})\d+/, "$1"));
  }

  // Someone did the task that the notifications about `data.request` of `data.steps`,
  // created before `data.at`, asked for: they read "Atendida" and no longer count, as the
  // server renders them (the count itself comes with the message).
  function markResolved(data) {
    var list = document.getElementById("notification-list");
    var request = toId(data.request);
    var steps = Array.isArray(data.steps) ? data.steps.map(String) : [];
    var before = serverTime(data.at);
    if (!list || !request || !steps.length || !isFinite(before)) {
      return;
    }
    list.querySelectorAll('li[data-request="' + request + '"][data-step]').forEach(function (li) {
      var time = li.querySelector("time");
      var created = time ? serverTime(time.getAttribute("datetime")) : NaN;
      if (steps.indexOf(li.dataset.step) === -1 || li.classList.contains("resolved") || !(created < before)) {
        return;
      }
      li.classList.remove("unread");
      li.classList.add("resolved");
      var button = li.querySelector("button[name=ids]");
      var done = chip(RESOLVED_LABEL, "chip-done", RESOLVED_TITLE);
      if (button) {
        li.insertBefore(done, button);
        button.remove();
      } else {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(done);
      }
    });
  }

  function addNotification(item) {
    var id = toId(item && item.id);
    if (!id || seen[id]) {
      return;
    }
    seen[id] = true;
    lastId = Math.max(lastId, id);
    var list = document.getElementById("notification-list");
    if (list) {
      list.insertBefore(renderItem(item), list.firstChild);
      list.dataset.lastId = String(lastId);
      var empty = list.querySelector(".empty");
      if (empty) {
        empty.remove();
      }
    }
    emit("live:notification", item);
  }

  // --- a request's page (<div id="request-state" data-request-id="...">) ---------------------

  function requestBox() {
    return document.getElementById("request-state");
  }

  function applyState(data) {
    var box = requestBox();
    if (!box || !data || String(data.request_id) !== box.dataset.requestId) {
      return;
    }
    if (typeof data.state !== "string" || !/^[a-z_]+$/.test(data.state)) {
      return;
    }
    var changed = box.dataset.state !== data.state || box.dataset.revision !== String(data.revision);
    var badge = box.querySelector(".state");
    if (!badge) {
      badge = document.createElement("span");
      box.appendChild(badge);
    }
    badge.className = "state state-" + data.state;
    badge.textContent = String(data.label || data.state);
    box.dataset.state = data.state;
    if (data.revision !== undefined) {
      box.dataset.revision = String(data.revision);
    }
    if (changed) {
      emit("live:request-changed", data);
    }
  }

  function refreshState() {
    var box = requestBox();
    var id = box && toId(box.dataset.requestId);
    if (!id) {
      return;
    }
    getJson(STATE_URL.replace("/0/", "/" + id + "/")).then(function (data) {
      if (data) {
        data.request_id = id;
        applyState(data);
      }
    });
  }

  // --- the server ------------------------------------------------------------------------------

  function getJson(url) {
    return fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          stop(); // the session is over: the login page answered
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .catch(function () {
        return null;
      });
  }

  function catchUp() {
    getJson(CATCH_UP_URL + "?despues=" + encodeURIComponent(String(lastId))).then(function (data) {
      if (!data) {
        return;
      }
      var items = Array.isArray(data.notifications) ? data.notifications.slice() : [];
      items.sort(function (a, b) { return toId(a.id) - toId(b.id); }); // oldest first: newest ends on top
      items.forEach(addNotification);
      setUnread(data.unread);
    });
    refreshState();
  }

  function onMessage(event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (!data || typeof data.type !== "string") {
      return;
    }
    if (data.type === "notification") {
      addNotification(data);
      setUnread(data.unread);
    } else if (data.type === "unread") {
      setUnread(data.unread);
    } else if (data.type === "resolved") {
      markResolved(data);
      setUnread(data.unread);
      emit("live:resolved", { request: data.request, steps: data.steps });
    } else if (data.type === "request_changed") {
      applyState(data);
    } else if (data.type === "force_close") {
      stop();
    }
  }

  // --- the socket ------------------------------------------------------------------------------

  function connect() {
    if (stopped) {
      return;
    }
    retryTimer = null;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + window.location.host + WS_PATH);
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      backoff = BACKOFF_FIRST_MS;
      setStatus("connected");
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        if (socket && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ type: "ping" }));
        }
      }, PING_EVERY_MS);
      catchUp();
      if (everConnected) {
        emit("live:reconnected", null);
      }
      everConnected = true;
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      clearInterval(pingTimer);
      setStatus("disconnected");
      socket = null;
      if (FINAL_CODES.indexOf(event.code) !== -1) {
        stopped = true;
        return;
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (stopped || retryTimer) {
      return;
    }
    var delay = Math.min(backoff, BACKOFF_MAX_MS);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    retryTimer = setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
  }

  function reconnectNow() {
    if (stopped || socket) {
      return;
    }
    clearTimeout(retryTimer);
    retryTimer = null;
    backoff = BACKOFF_FIRST_MS;
    connect();
  }

  function stop() {
    stopped = true;
    clearInterval(pingTimer);
    clearTimeout(retryTimer);
    if (socket) {
      socket.close();
      socket = null;
    }
    setStatus("disconnected");
  }

  setStatus("disconnected");
  lastId = initialLastId();
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      reconnectNow();
    }
  });
  connect();
})();
