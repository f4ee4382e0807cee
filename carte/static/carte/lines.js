/* The line editor of deals and documents (template sales/lines/editor.html).

   - "Add a line" copies the blank row kept in the editor's <template>, numbered after the last row;
   - choosing a product in a row's finder (the choices come from the catalogue's product picker,
     elements carrying data-product, data-description, data-unit, data-tax, data-price) fills the row;
   - Escape in a finder closes its choices; Down goes to them; Enter picks one.
   Everything works without this file: blank rows are there to fill, and "Remove" is a checkbox.
   No inline handler anywhere (the Content-Security-Policy forbids them). */
(function () {
  "use strict";

  if (window.carteLineEditor) {
    return; // the editor was swapped in again by htmx: the listeners are already on the document
  }
  window.carteLineEditor = true;

  function addRow(editor) {
    var template = editor.querySelector("template[data-line-template]");
    var rows = editor.querySelector("[data-line-rows]");
    if (!template || !rows) {
      return;
    }
    var index = parseInt(editor.getAttribute("data-next-index"), 10) || 0;
    editor.setAttribute("data-next-index", String(index + 1));
    var row = template.content.firstElementChild.cloneNode(true);
    row.querySelectorAll("[name], [id], [for]").forEach(function (element) {
      ["name", "id", "for"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value) {
          element.setAttribute(attribute, value.replace("__index__", String(index)));
        }
      });
    });
    rows.appendChild(row);
    if (window.htmx) {
      window.htmx.process(row);
    }
    var first = row.querySelector("[data-line-find]") || row.querySelector("[data-line-field='description']");
    if (first) {
      first.focus();
    }
  }

  function field(row, name) {
    return row.querySelector("[data-line-field='" + name + "']");
  }

  function setIf(element, value) {
    if (element && value !== undefined && value !== null && value !== "") {
      element.value = value;
    }
  }

  function choose(choice) {
    var row = choice.closest("[data-line-row]");
    if (!row) {
      return;
    }
    var data = choice.dataset;
    field(row, "product").value = data.product || "";
    setIf(field(row, "description"), data.description);
    var unit = field(row, "unit");
    if (unit) {
      unit.value = data.unit || "";
    }
    var tax = field(row, "tax");
    if (tax && data.tax !== undefined) {
      tax.value = data.tax;
    }
    setIf(field(row, "unit_price"), data.price);
    var quantity = field(row, "quantity");
    if (quantity && !quantity.value) {
      quantity.value = "1";
    }
    closeChoices(row);
    if (quantity) {
      quantity.focus();
      quantity.select();
    }
  }

  function closeChoices(row) {
    var choices = row.querySelector("[data-line-choices]");
    if (choices) {
      choices.replaceChildren();
    }
    var find = row.querySelector("[data-line-find]");
    if (find) {
      find.value = "";
    }
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-line-add]");
    if (add) {
      event.preventDefault();
      addRow(add.closest("[data-line-editor]"));
      return;
    }
    var choice = event.target.closest("[data-line-choices] [data-product]");
    if (choice && choice.tagName !== "SELECT") {
      event.preventDefault();
      choose(choice);
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    // The picker answers with a list box (<select size> of <option data-product…>): Enter picks the option.
    if (target.tagName === "SELECT" && target.closest("[data-line-choices]")) {
      var option = target.options[target.selectedIndex];
      if (event.key === "Enter" && option && option.dataset.product) {
        event.preventDefault();
        choose(option);
      } else if (event.key === "Escape") {
        var row = target.closest("[data-line-row]");
        closeChoices(row);
        row.querySelector("[data-line-find]").focus();
      }
      return;
    }
    var find = target.closest && target.closest("[data-line-find]");
    if (!find) {
      return;
    }
    var choices = find.closest("[data-line-row]").querySelector("[data-line-choices]");
    if (event.key === "Escape") {
      closeChoices(find.closest("[data-line-row]"));
    } else if (event.key === "ArrowDown") {
      var list = choices && choices.querySelector("select, [data-product]");
      if (list) {
        event.preventDefault();
        list.focus();
      }
    } else if (event.key === "Enter") {
      // Enter in the finder picks the first choice rather than submitting the whole form.
      event.preventDefault();
      var first = choices && choices.querySelector("[data-product]");
      if (first) {
        choose(first);
      }
    }
  });
})();
