/* The deals board (template sales/deals/board.html): drag a card to another column to move the deal.

   Each column's list (data-board-column, data-stage) is a SortableJS list in one group. Dropping
   a card in another column posts the new stage to the card's data-move-url, with the CSRF token
   of <body hx-headers> and HX-Request (the server then answers a fragment):
   - accepted: the server answers the updated card, which replaces the dropped one, and the
     column heads (counts and totals) are read again;
   - a lost stage without a reason: the server answers a small form asking why, in the card's
     place (htmx posts it and refreshes the heads once answered);
   - refused (403, 404, 409, 400): the card goes back where it was and the server's message
     shows in the notification bar.
   Without JavaScript the board still reads and pages; deals move from their card.
   The request and the notification bar are workspace.js's (window.carte, loaded before this script).
   No inline style or handler anywhere (the Content-Security-Policy forbids them). */
(function () {
  "use strict";

  if (window.carteKanban) {
    return;
  }
  window.carteKanban = true;

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function refreshHeads(board) {
    var url = board && board.getAttribute("data-heads-url");
    if (url && window.htmx) {
      window.htmx.ajax("GET", url, { target: "#board-sink", swap: "innerHTML" });
    }
  }

  function showRefusal(html) {
    var messages = document.getElementById("messages");
    if (messages && !window.carte.showMessages(html)) {
      window.carte.notify(messages.dataset.serverError);
    }
  }

  function putBack(card, from, index) {
    from.insertBefore(card, from.children[index] || null);
  }

  function moved(event) {
    var card = event.item;
    var from = event.from;
    var index = event.oldIndex;
    var board = event.to.closest("[data-board]");
    if (from === event.to || !card.hasAttribute("data-deal")) {
      return;
    }
    var body = new FormData();
    body.append("stage", event.to.getAttribute("data-stage"));
    body.append("board", "1");
    card.setAttribute("aria-busy", "true");
    window.carte
      .post(card.getAttribute("data-move-url"), body)
      .then(function (answer) {
        card.removeAttribute("aria-busy");
        if (!answer.ok) {
          putBack(card, from, index);
          showRefusal(answer.html);
          return;
        }
        var fresh = fragment(answer.html);
        if (fresh) {
          card.replaceWith(fresh);
          if (window.htmx) {
            window.htmx.process(fresh);
          }
        }
        refreshHeads(board);
      })
      .catch(function () {
        card.removeAttribute("aria-busy");
        putBack(card, from, index);
        showRefusal("");
      });
  }

  // The reason for a lost deal was given (htmx posted the question's form): the heads change.
  document.addEventListener("htmx:afterRequest", function (event) {
    var question = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (question && question.hasAttribute && question.hasAttribute("data-board-question") && event.detail.xhr.status < 400) {
      refreshHeads(document.querySelector("[data-board]"));
    }
  });

  function start() {
    if (!window.Sortable) {
      return;
    }
    document.querySelectorAll("[data-board-column]").forEach(function (column) {
      if (column.getAttribute("data-sortable") === "on") {
        return;
      }
      column.setAttribute("data-sortable", "on");
      window.Sortable.create(column, {
        group: "deals",
        draggable: "[data-deal]",
        filter: "[data-board-more], form, select, button",
        preventOnFilter: false,
        ghostClass: "board-card-ghost",
        onEnd: moved,
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
