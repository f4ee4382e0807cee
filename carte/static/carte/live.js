/* The live channel in the browser: the notification bell, short toasts and the incoming-call pop-up.
   Loaded (deferred) on every page; it starts only where the notification bar has a
   [data-live-events] element, i.e. for a logged-in employee. No inline script anywhere (CSP).

   The server pushes server-sent events on /events/ (carte.workspace.notification_views.events):
   - {"type": "notification", id, kind, title, body, link, unread}: a toast and a fresh bell;
   - {"type": "read", unread}: notifications were read in another tab: a fresh bell;
   - {"type": "call", "state": "ringing"|"answered"|"ended", call_id, title, popup_url}: the pop-up.
   EventSource reconnects by itself (the server says after how long, and ends each stream after a
   few minutes); after a reconnection the bell is reloaded, since messages may have been missed.
   The toasts are messages of workspace.js's notification bar (window.carte, loaded before this script). */
(function () {
  "use strict";

  var TOAST_SECONDS = 8;
  var CLOSE_ENDED_CALL_AFTER = 4000;
  var area, source, opened = false, retryDelay = 5000, currentCall = null, closeTimer = null;

  function byId(id) {
    return document.getElementById(id);
  }

  /* ---- the bell ---- */

  function refreshBell() {
    var bell = byId("notification-bell");
    if (!bell || !area.dataset.bellUrl) {
      return;
    }
    var wasOpen = bell.open;
    var request = { headers: { "HX-Request": "true" }, credentials: "same-origin" };
    fetch(area.dataset.bellUrl, request)
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        var current = byId("notification-bell");
        if (html === null || !current) {
          return;
        }
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        if (!fresh) {
          return;
        }
        current.replaceWith(fresh);
        if (wasOpen && fresh.tagName === "DETAILS") {
          fresh.open = true;
        }
        if (window.htmx) {
          window.htmx.process(fresh);
        }
      })
      .catch(function () {
        /* the next event or reconnection tries again */
      });
  }

  /* ---- toasts in the notification bar's message area ---- */

  function toast(notification) {
    var title = document.createElement(notification.link ? "a" : "strong");
    title.textContent = notification.title;
    if (notification.link) {
      title.href = notification.link;
    }
    var content = [title];
    if (notification.body) {
      content.push(document.createElement("br"), document.createTextNode(notification.body));
    }
    var message = window.carte.addMessage("info", content);
    if (!message) {
      return;
    }
    message.classList.add("live-toast");
    window.setTimeout(function () {
      if (!message.contains(document.activeElement)) {
        message.remove();
      }
    }, TOAST_SECONDS * 1000);
  }

  /* ---- the incoming-call pop-up ---- */

  function popup() {
    return byId("call-popup");
  }

  function setCallState(text) {
    var state = popup().querySelector("[data-call-popup-state]");
    if (state) {
      state.textContent = text || "";
    }
  }

  function closePopup() {
    var dialog = popup();
    if (dialog) {
      dialog.hidden = true;
      dialog.querySelector("[data-call-popup-body]").replaceChildren();
    }
    currentCall = null;
  }

  function openPopup(call) {
    var dialog = popup();
    if (!dialog) {
      return;
    }
    window.clearTimeout(closeTimer);
    currentCall = call.call_id;
    dialog.querySelector("#call-popup-title").textContent = area.dataset.callTitle + ": " + (call.title || "");
    setCallState("");
    var body = dialog.querySelector("[data-call-popup-body]");
    body.replaceChildren();
    dialog.hidden = false;
    dialog.dataset.callId = String(call.call_id);
    if (!call.popup_url) {
      return;
    }
    fetch(call.popup_url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (currentCall !== call.call_id) {
          return; // another call rang meanwhile
        }
        body.innerHTML = html;
        if (window.htmx) {
          window.htmx.process(body);
        }
      })
      .catch(function () {
        /* the title still says who calls */
      });
  }

  function onCall(call) {
    if (call.state === "ringing") {
      openPopup(call);
    } else if (call.call_id === currentCall && call.state === "answered") {
      setCallState(area.dataset.callAnswered);
    } else if (call.call_id === currentCall && call.state === "ended") {
      setCallState(area.dataset.callEnded);
      closeTimer = window.setTimeout(function () {
        if (currentCall === call.call_id) {
          closePopup();
        }
      }, CLOSE_ENDED_CALL_AFTER);
    }
  }

  /* ---- the stream ---- */

  function onMessage(event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (data.type === "notification") {
      toast(data);
      refreshBell();
    } else if (data.type === "read") {
      refreshBell();
    } else if (data.type === "call") {
      onCall(data);
    }
    document.dispatchEvent(new CustomEvent("carte:live", { detail: data }));
  }

  function connect() {
    if (source || !window.EventSource) {
      return;
    }
    source = new EventSource(area.dataset.liveEvents);
    source.addEventListener("open", function () {
      retryDelay = 5000;
      if (opened) {
        refreshBell(); // messages may have been missed while disconnected
      }
      opened = true;
      document.documentElement.dataset.live = "connected";
    });
    source.addEventListener("message", onMessage);
    source.addEventListener("error", function () {
      document.documentElement.dataset.live = "reconnecting";
      // EventSource retries by itself unless the answer was no stream (logged out, server down):
      // then try again later, less and less often.
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        window.setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 300000);
      }
    });
  }

  function disconnect() {
    if (source) {
      source.close();
      source = null;
    }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-call-popup-close]")) {
      closePopup();
    }
  });

  document.addEventListener("keydown", function (event) {
    var dialog = popup();
    if (event.key === "Escape" && dialog && !dialog.hidden && dialog.contains(event.target)) {
      closePopup();
    }
  });

  function start() {
    area = document.querySelector("[data-live-events]");
    if (!area) {
      return;
    }
    connect();
    // A page kept in the back-forward cache must not hold a stream; it reconnects when shown again.
    window.addEventListener("pagehide", disconnect);
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        connect();
        refreshBell();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
