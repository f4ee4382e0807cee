/* Click-to-call. Every phone number Carte shows is a tel: link marked data-phone="<number>"
   (data-client="<id>" when the client is known). When the user may place calls through a
   telephony connection, a click on it asks Carte to have the phone system ring the user's
   phone and dial the number (POST to the "calls:place" address named by this script's
   data-place-url); the answer goes to the notification bar. Otherwise, or without
   JavaScript, the link stays an ordinary tel: link. Whether calls can be placed is asked
   once per page, on the first click, so pages cost nothing more. */
(function () {
  "use strict";

  var script = document.currentScript;
  var placeUrl = script ? script.getAttribute("data-place-url") : "";
  var available = null; // unknown until the first click asks

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function show(html) {
    var area = document.getElementById("messages");
    if (!area) {
      return;
    }
    var parsed = new DOMParser().parseFromString(html, "text/html");
    parsed.body.querySelectorAll("[data-message]").forEach(function (message) {
      area.append(document.adoptNode(message));
    });
  }

  function showText(text) {
    var area = document.getElementById("messages");
    if (!area || !text) {
      return;
    }
    var message = document.createElement("div");
    message.className = "message message-error";
    message.setAttribute("role", "alert");
    message.setAttribute("data-message", "");
    var paragraph = document.createElement("p");
    paragraph.textContent = text;
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "message-dismiss";
    dismiss.setAttribute("data-dismiss", "");
    dismiss.setAttribute("aria-label", area.dataset.dismissLabel || "×");
    dismiss.textContent = "×";
    message.append(paragraph, dismiss);
    area.append(message);
  }

  function askAvailability() {
    if (available !== null) {
      return Promise.resolve(available);
    }
    return fetch(placeUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { available: false };
      })
      .then(function (answer) {
        available = Boolean(answer.available);
        return available;
      })
      .catch(function () {
        return false;
      });
  }

  function place(link) {
    var body = new URLSearchParams({ number: link.getAttribute("data-phone") });
    if (link.getAttribute("data-client")) {
      body.set("client", link.getAttribute("data-client"));
    }
    link.setAttribute("aria-busy", "true");
    return fetch(placeUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: body,
    })
      .then(function (response) {
        if (response.status >= 500) {
          var area = document.getElementById("messages");
          showText(area ? area.dataset.serverError : "");
          return;
        }
        return response.text().then(show);
      })
      .catch(function () {
        var area = document.getElementById("messages");
        showText(area ? area.dataset.networkError : "");
      })
      .finally(function () {
        link.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-phone]");
    if (!link || !placeUrl || event.defaultPrevented || event.button !== 0) {
      return;
    }
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    if (available === false) {
      return; // an ordinary tel: link
    }
    event.preventDefault();
    askAvailability().then(function (yes) {
      if (yes) {
        place(link);
      } else {
        window.location.href = link.href;
      }
    });
  });
})();
