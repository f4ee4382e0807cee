/* The workspace's own behaviour. Loaded in <head> without `defer` so that <html> is marked
   "js" before the first paint; everything else waits for events on the document.
   No inline script or handler anywhere (the Content-Security-Policy forbids them).

   - the "Panels" button folds and unfolds the side columns on a narrow screen;
   - "/" focuses the global search box; arrows walk its dropdown; Escape closes it;
   - the access keys of the action bar (aria-keyshortcuts) follow their links;
   - messages in the notification bar can be dismissed;
   - an htmx request refused by the server shows its message in the notification bar.

   It also gives the page scripts loaded after it (calls.js, live.js, kanban.js, calendar.js) the
   pieces they share, as window.carte:
   - carte.csrfToken(): the CSRF token of <body hx-headers>;
   - carte.post(url, body): a POST with that token and HX-Request (the server answers a fragment),
     resolved with { ok, status, html };
   - carte.addMessage(level, content): a dismissable message in the notification bar ("error",
     "info"…; `content` is a text or nodes), returned (null without a bar);
   - carte.notify(text): an error message with that text (nothing for an empty text);
   - carte.showMessages(html): the messages ([data-message]) of an answer moved to the bar;
     returns how many there were. */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  function byId(id) {
    return document.getElementById(id);
  }

  function isTyping(element) {
    return element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName);
  }

  /* ---- the notification bar ---- */

  function addMessage(level, content) {
    var area = byId("messages");
    if (!area) {
      return null;
    }
    var message = document.createElement("div");
    message.className = "message message-" + level;
    if (level === "error") {
      message.setAttribute("role", "alert");
    }
    message.setAttribute("data-message", "");
    var paragraph = document.createElement("p");
    paragraph.append.apply(paragraph, Array.isArray(content) ? content : [content]);
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "message-dismiss";
    dismiss.setAttribute("data-dismiss", "");
    dismiss.setAttribute("aria-label", area.dataset.dismissLabel || "×");
    dismiss.textContent = "×";
    message.append(paragraph, dismiss);
    area.append(message);
    return message;
  }

  function notify(text) {
    if (text) {
      addMessage("error", text);
    }
  }

  function showMessages(html) {
    var area = byId("messages");
    if (!area) {
      return 0;
    }
    var template = document.createElement("template");
    template.innerHTML = (html || "").trim();
    var found = template.content.querySelectorAll("[data-message]");
    found.forEach(function (message) {
      area.append(message);
    });
    return found.length;
  }

  /* ---- requests of the page scripts ---- */

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    }).then(function (response) {
      return response.text().then(function (html) {
        return { ok: response.ok, status: response.status, html: html };
      });
    });
  }

  window.carte = {
    addMessage: addMessage,
    csrfToken: csrfToken,
    notify: notify,
    post: post,
    showMessages: showMessages,
  };

  /* ---- the search dropdown ---- */

  function closeSearch() {
    var results = byId("global-search-results");
    if (results) {
      results.replaceChildren();
    }
  }

  function walkSearch(event) {
    var results = byId("global-search-results");
    var links = results ? Array.prototype.slice.call(results.querySelectorAll("a")) : [];
    if (!links.length) {
      return;
    }
    event.preventDefault();
    var index = links.indexOf(document.activeElement) + (event.key === "ArrowDown" ? 1 : -1);
    if (index < 0) {
      byId("global-search-text").focus();
    } else {
      links[Math.min(index, links.length - 1)].focus();
    }
  }

  /* ---- access keys written as aria-keyshortcuts ("Alt+Shift+N", "N") ---- */

  function matchesShortcut(event, shortcut) {
    var parts = shortcut.split("+");
    var key = parts.pop();
    var wanted = { Alt: false, Control: false, Meta: false, Shift: false };
    parts.forEach(function (part) {
      wanted[part] = true;
    });
    // "?" or "/" need Shift on some keyboards and not on others: Shift counts for letters, digits and named keys.
    var shiftCounts = key.length > 1 || /^[a-z0-9]$/i.test(key);
    return (
      event.key.toLowerCase() === key.toLowerCase() &&
      event.altKey === wanted.Alt &&
      event.ctrlKey === wanted.Control &&
      event.metaKey === wanted.Meta &&
      (!shiftCounts || event.shiftKey === wanted.Shift)
    );
  }

  function followShortcut(event) {
    var links = document.querySelectorAll(".actions [aria-keyshortcuts]");
    for (var i = 0; i < links.length; i += 1) {
      if (matchesShortcut(event, links[i].getAttribute("aria-keyshortcuts"))) {
        event.preventDefault();
        links[i].click();
        return;
      }
    }
  }

  /* ---- events ---- */

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-panels-toggle]");
    if (toggle) {
      toggle.setAttribute("aria-expanded", String(root.classList.toggle("panels-open")));
      return;
    }
    var dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) {
      var message = dismiss.closest("[data-message]");
      if (message) {
        message.remove();
      }
      return;
    }
    if (!event.target.closest(".global-search")) {
      closeSearch();
    }
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented) {
      return;
    }
    var inSearch = event.target.closest && event.target.closest(".global-search");
    if (inSearch && event.key === "Escape") {
      closeSearch();
      byId("global-search-text").focus();
    } else if (inSearch && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      walkSearch(event);
    } else if (event.key === "Escape") {
      document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
        menu.open = false;
        menu.querySelector("summary").focus();
      });
    } else if (!isTyping(event.target)) {
      if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && byId("global-search-text")) {
        event.preventDefault();
        byId("global-search-text").focus();
        byId("global-search-text").select();
      } else {
        followShortcut(event);
      }
    }
  });

  /* A refusal (403, 404, 409, 400 from carte.core.middleware) arrives as an error fragment:
     it goes to the notification bar whatever the request's target. Another 4xx answer is a
     form re-rendered with its errors and is swapped where it was asked for. A 5xx answer
     never replaces part of the page: the bar says something went wrong. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var status = detail.xhr.status;
    var area = byId("messages");
    if (status < 400 || !area) {
      return;
    }
    if (/<div[^>]*\sdata-error-fragment/.test(String(detail.serverResponse))) {
      detail.shouldSwap = true;
      detail.isError = false;
      detail.target = area;
      detail.swapOverride = "beforeend";
      detail.selectOverride = "unset";
    } else if (status >= 500) {
      detail.shouldSwap = false;
      notify(area.dataset.serverError);
    } else {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  /* A fragment request answered by the login page means the session has ended: load the
     whole page again, which leads to the login form and back here afterwards. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (/<body[^>]*\sdata-public-layout/.test(String(event.detail.serverResponse))) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });

  document.addEventListener("htmx:sendError", function () {
    var area = byId("messages");
    if (area) {
      notify(area.dataset.networkError);
    }
  });
})();
