/* The calendar (template planner/calendar/page.html): quick create in a dialog, drag a task to
   move it, the grid opened at 8:00, the chooser applied on change, the feed address copied.

   - A click on an empty time slot (td[data-drop-at], the calendar's [data-new-url]) or on a
     day's "+" (a[data-cal-new]) loads the quick create form into the dialog (htmx) instead of
     following the link; the form posts with htmx. When a task was planned or
     moved the server answers with the header HX-Trigger "calendar-changed": the dialog closes
     and the grid (#calendar-body, hx-trigger="calendar-changed from:body") reloads itself.
   - A task the user may move ([data-move-url], draggable) can be dropped on a time slot
     ([data-drop-at] "2026-11-23T08:00"), on a day of the all-day row ([data-drop-day] with
     [data-drop-all-day]) or on a day of the month ([data-drop-day]: the task keeps its time).
     The move is posted with the CSRF token of <body hx-headers> and HX-Request; a refusal
     (400, 403, 404, 409) shows the server's message in the notification bar and nothing moves.
   Without JavaScript every task and each day's "+" is a link: the calendar reads and plans all the same.
   The request and the notification bar are workspace.js's (window.carte, loaded before this script).
   No inline style or handler anywhere (the Content-Security-Policy forbids them). */
(function () {
  "use strict";

  if (window.carteCalendar) {
    return;
  }
  window.carteCalendar = true;

  var dragged = null;

  function byId(id) {
    return document.getElementById(id);
  }

  /* The messages of an answer (an error fragment, or the out-of-band messages) go to the bar;
     a failed answer without one says `fallback` (a text of the bar's data-*). */
  function showMessages(html, failed, fallback) {
    var area = byId("messages");
    if (area && !window.carte.showMessages(html) && failed) {
      window.carte.notify(area.dataset[fallback || "serverError"]);
    }
  }

  function changed() {
    if (window.htmx) {
      window.htmx.trigger(document.body, "calendar-changed");
    } else {
      window.location.reload();
    }
  }

  /* ---- the grid opens at 8:00 ---- */

  /* A grid that reloads after a change stays where the user had scrolled it. */
  var keptScroll = null;

  function scrollToMorning() {
    document.querySelectorAll("[data-cal-scroll]:not([data-cal-scrolled])").forEach(function (box) {
      var morning = box.querySelector("[data-cal-morning]");
      var head = box.querySelector("thead");
      box.setAttribute("data-cal-scrolled", "");
      if (keptScroll !== null) {
        box.scrollTop = keptScroll;
      } else if (morning) {
        box.scrollTop = morning.offsetTop - (head ? head.offsetHeight : 0);
      }
    });
    keptScroll = null;
  }

  /* ---- quick create ---- */

  /* The quick create address of an empty time slot: the calendar's, with the slot's time and
     the employee whose calendar is open. */
  function slotAddress(slot) {
    var body = slot.closest("[data-new-url]");
    if (!body) {
      return "";
    }
    var query = new URLSearchParams({ due: slot.getAttribute("data-drop-at") });
    if (body.getAttribute("data-for-employee")) {
      query.set("employee", body.getAttribute("data-for-employee"));
    }
    return body.getAttribute("data-new-url") + "?" + query.toString();
  }

  function openQuickCreate(address) {
    var dialog = byId("calendar-dialog");
    if (!dialog || !window.htmx || typeof dialog.showModal !== "function") {
      window.location.href = address;
      return;
    }
    window.htmx.ajax("GET", address, { target: "#calendar-dialog-body", swap: "innerHTML" }).then(function () {
      if (!dialog.open) {
        dialog.showModal();
      }
      var first = dialog.querySelector("input:not([type=hidden]), select, textarea");
      if (first) {
        first.focus();
      }
    });
  }

  function closeDialog() {
    var dialog = byId("calendar-dialog");
    if (dialog && dialog.open) {
      dialog.close();
    }
  }

  /* ---- moving a task ---- */

  function dropTarget(element) {
    return element && element.closest ? element.closest("[data-drop-at], [data-drop-day]") : null;
  }

  function landing(target, chip) {
    if (target.hasAttribute("data-drop-at")) {
      return { due: target.getAttribute("data-drop-at"), allDay: false };
    }
    var day = target.getAttribute("data-drop-day");
    if (target.hasAttribute("data-drop-all-day") || chip.hasAttribute("data-all-day")) {
      return { due: day, allDay: true };
    }
    return { due: day + "T" + (chip.getAttribute("data-time") || "09:00"), allDay: false };
  }

  function move(chip, target) {
    var place = landing(target, chip);
    var body = new FormData();
    body.append("due", place.due);
    if (place.allDay) {
      body.append("all_day", "on");
    }
    if (chip.getAttribute("data-occurrence")) {
      body.append("occurrence", chip.getAttribute("data-occurrence"));
    }
    chip.setAttribute("aria-busy", "true");
    window.carte
      .post(chip.getAttribute("data-move-url"), body)
      .then(function (answer) {
        chip.removeAttribute("aria-busy");
        showMessages(answer.html, !answer.ok);
        if (answer.ok) {
          changed();
        }
      })
      .catch(function () {
        chip.removeAttribute("aria-busy");
        showMessages("", true, "networkError");
      });
  }

  function clearHover() {
    document.querySelectorAll(".cal-drop-over").forEach(function (element) {
      element.classList.remove("cal-drop-over");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var chip = event.target.closest && event.target.closest("[data-move-url]");
    if (!chip) {
      return;
    }
    dragged = chip;
    chip.classList.add("cal-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", chip.getAttribute("data-move-url"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("cal-dragging");
    }
    dragged = null;
    clearHover();
  });

  document.addEventListener("dragover", function (event) {
    var target = dragged && dropTarget(event.target);
    if (!target) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!target.classList.contains("cal-drop-over")) {
      clearHover();
      target.classList.add("cal-drop-over");
    }
  });

  document.addEventListener("drop", function (event) {
    var target = dragged && dropTarget(event.target);
    if (!target) {
      return;
    }
    event.preventDefault();
    var chip = dragged;
    clearHover();
    if (dropTarget(chip) === target) {
      return; // dropped where it was
    }
    move(chip, target);
  });

  /* ---- clicks: quick create, closing the dialog, copying the feed address ---- */

  function copy(button) {
    var field = byId(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    var done = function () {
      button.textContent = button.getAttribute("data-copied") || button.textContent;
    };
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("a[data-cal-new]");
    if (add && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      openQuickCreate(add.href);
      return;
    }
    var slot = event.target.closest("td[data-drop-at]");
    if (slot && !event.target.closest(".cal-chip") && slotAddress(slot)) {
      openQuickCreate(slotAddress(slot));
      return;
    }
    if (event.target.closest("[data-cal-close]")) {
      closeDialog();
      return;
    }
    var copyButton = event.target.closest("[data-copy]");
    if (copyButton) {
      copy(copyButton);
    }
  });

  /* The chooser applies at once: choosing a department or an employee shows their calendar. */
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-cal-chooser]");
    if (!form || event.target.name === "date") {
      return;
    }
    if (event.target.name === "employee" && form.elements.department) {
      form.elements.department.value = "";
    }
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });

  document.body.addEventListener("calendar-changed", closeDialog);

  document.addEventListener("htmx:beforeSwap", function (event) {
    var box = event.detail.target && event.detail.target.id === "calendar-body" && event.detail.target.querySelector("[data-cal-scroll]");
    keptScroll = box ? box.scrollTop : null;
  });

  document.addEventListener("htmx:afterSettle", scrollToMorning);

  scrollToMorning();
})();
