/* Click-to-call. Every phone number Carte shows is a tel: link marked data-phone="<number>"
   (data-client="<id>" when the client is known). When the user may place calls through a
   telephony connection, a click on it asks Carte to have the phone system ring the user's
   phone and dial the number (POST to the "calls:place" address named by this script's
   data-place-url); the answer goes to the notification bar. Otherwise, or without
   JavaScript, the link stays an ordinary tel: link. Whether calls can be placed is asked
   once per page, on the first click, so pages cost nothing more. The request and the
   notification bar are workspace.js's (window.carte, loaded before this script). */
(function () {
  "use strict";

  var script = document.currentScript;
  var placeUrl = script ? script.getAttribute("data-place-url") : "";
  var available = null; // unknown until the first click asks

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
    var area = document.getElementById("messages");
    return window.carte
      .post(placeUrl, body)
      .then(function (answer) {
        if (answer.status >= 500) {
          window.carte.notify(area ? area.dataset.serverError : "");
          return;
        }
        window.carte.showMessages(answer.html);
      })
      .catch(function () {
        window.carte.notify(area ? area.dataset.networkError : "");
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
