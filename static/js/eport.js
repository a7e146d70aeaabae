/* eport: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  /* The page's words in its language, from base.html (the JSON block #eport-strings). */
  var strings = {};
  try {
    strings = JSON.parse(document.getElementById("eport-strings").textContent);
  } catch (error) { strings = {}; }
  function t(key, fallback) { return strings[key] || fallback; }

  /* Goods items: add and remove item blocks without a reload. Without JS the form's
     "Add another item" button posts and the server adds a block. */
  function renumber(container) {
    var visible = 0;
    container.querySelectorAll("[data-item]").forEach(function (item) {
      if (item.classList.contains("is-removed")) return;
      visible += 1;
      var title = item.querySelector("[data-item-title]");
      if (title) title.textContent = t("item", "Item") + " " + visible;
    });
  }

  function bindItem(item, container) {
    var remove = item.querySelector("input[type=checkbox][name$='-DELETE']");
    if (!remove) return;
    remove.addEventListener("change", function () {
      item.classList.toggle("is-removed", remove.checked);
      renumber(container);
    });
    item.classList.toggle("is-removed", remove.checked);
  }

  function setupFormset(root) {
    var prefix = root.getAttribute("data-formset");
    var container = root.querySelector("[data-items]");
    var template = root.querySelector("template[data-empty-item]");
    var total = root.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var addButton = root.querySelector("[data-add-item]");
    if (!container || !template || !total || !addButton) return;
    container.querySelectorAll("[data-item]").forEach(function (item) { bindItem(item, container); });
    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var item = holder.firstElementChild;
      container.appendChild(item);
      total.value = String(index + 1);
      bindItem(item, container);
      bindHsHints(item);
      renumber(container);
      // The item's first field (HS code), never its "Remove" checkbox: Space there would
      // remove the item just added.
      var first = item.querySelector(".item-fields input, .item-fields select, .item-fields textarea");
      if (first) first.focus();
    });
    renumber(container);
  }

  /* HS code hint: describe the subheading as the trader types. */
  var hsCache = {};
  function showHint(hint, text, isError) {
    hint.textContent = text;
    hint.classList.toggle("is-error", !!isError);
  }
  function lookup(input, hint) {
    var code = input.value.replace(/\s+/g, "");
    if (!/^[0-9]{6,10}$/.test(code)) {
      showHint(hint, code ? t("hs_type_more", "Type at least 6 digits to see the subheading.") : "", false);
      return;
    }
    var key = code.slice(0, 6);
    var base = input.getAttribute("data-hs-lookup");
    function render(result) {
      if (result.description) {
        var note = result.note ? " (" + result.note + ")" : "";
        showHint(hint, key + " · " + result.description + note, false);
      }
      else showHint(hint, result.error || t("hs_unknown", "Unknown HS code."), true);
    }
    if (hsCache[key]) { render(hsCache[key]); return; }
    fetch(base.replace("__code__", key), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (result) { hsCache[key] = result; render(result); })
      .catch(function () { showHint(hint, "", false); });
  }
  function bindHsHints(root) {
    root.querySelectorAll("input[data-hs-lookup]").forEach(function (input) {
      var hint = document.getElementById(input.getAttribute("aria-describedby").split(" ")[0]);
      if (!hint) return;
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { lookup(input, hint); }, 200);
      });
      if (input.value) lookup(input, hint);
    });
  }

  /* Copy a full entry hash to the clipboard. */
  function setupCopy(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-copy");
        if (!navigator.clipboard) return;
        navigator.clipboard.writeText(text).then(function () {
          var label = button.textContent;
          button.textContent = t("copied", "Copied");
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  /* Ask before a step that cannot be undone (reject, cancel). */
  function setupConfirm(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  /* Filters: submit a select as soon as it changes. */
  function setupAutoSubmit(root) {
    root.querySelectorAll("form[data-auto-submit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  }

  /* The office queue's bulk form: a "select all" box heads the selection column. Without JS
     each row is ticked on its own. */
  function setupSelectAll(root) {
    root.querySelectorAll("form[data-bulk]").forEach(function (form) {
      var header = form.querySelector("th.select-col");
      var boxes = Array.prototype.slice.call(
        form.querySelectorAll("input[type=checkbox][name=declaration]"));
      if (!header || !boxes.length) return;
      var all = document.createElement("input");
      all.type = "checkbox";
      all.setAttribute("data-select-all", "");
      all.setAttribute("aria-label", form.getAttribute("data-select-all-label") || "Select all");
      header.textContent = "";
      header.appendChild(all);
      function sync() {
        var ticked = boxes.filter(function (box) { return box.checked; }).length;
        all.checked = ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      }
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
      });
      boxes.forEach(function (box) { box.addEventListener("change", sync); });
      sync();
    });
  }

  /* A table wider than its box scrolls inside it: the box becomes a tab stop and a region named
     by the table's heading, so a keyboard can scroll it and a screen reader says what it is.
     Without JS the box still scrolls (and the browser lets the keyboard into it). */
  function headingOf(wrap) {
    var labelled = wrap.closest("[aria-labelledby]");
    if (labelled) return labelled.getAttribute("aria-labelledby");
    var holder = wrap.closest("section, .card");
    var heading = holder && holder.querySelector("h2, h3");
    if (!heading) return null;
    if (!heading.id) heading.id = "table-heading-" + Math.random().toString(36).slice(2, 9);
    return heading.id;
  }
  function markScrolling(wrap) {
    var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    var heading = scrolls ? headingOf(wrap) : null;
    if (scrolls) {
      wrap.setAttribute("tabindex", "0");
      if (heading) {
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-labelledby", heading);
      }
    } else {
      ["tabindex", "role", "aria-labelledby"].forEach(function (name) { wrap.removeAttribute(name); });
    }
    wrap.classList.toggle("is-scrolling", scrolls);
  }
  function setupTableRegions(root) {
    var wraps = Array.prototype.slice.call(root.querySelectorAll(".table-wrap"));
    wraps.forEach(markScrolling);
    if (!window.ResizeObserver || !wraps.length) return;
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { markScrolling(entry.target); });
    });
    wraps.forEach(function (wrap) { observer.observe(wrap); });
  }

  /* Saved parties and goods lines (repeat filings): "Use" fills the fields at once. Without JS
     the button posts the form and the server fills them; the option values are the saved values
     named by the declaration's fields. */
  function blankItem(container) {
    var items = Array.prototype.slice.call(container.querySelectorAll("[data-item]"));
    return items.filter(function (item) {
      if (item.classList.contains("is-removed")) return false;
      var inputs = item.querySelectorAll(".item-fields input");
      return Array.prototype.every.call(inputs, function (input) { return !input.value.trim(); });
    })[0];
  }
  function fillField(field, value) {
    if (!field) return;
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function setupSavedPickers(root) {
    root.querySelectorAll("button[data-saved-use]").forEach(function (button) {
      var target = button.getAttribute("data-saved-use");
      var select = root.querySelector("select[data-saved-picker='" + target + "']");
      var form = button.form;
      if (!select || !form) return;
      button.addEventListener("click", function (event) {
        var values;
        try { values = JSON.parse(select.value); } catch (error) { return; }
        if (target === "item") {
          var formset = form.querySelector("[data-formset]");
          var container = formset && formset.querySelector("[data-items]");
          if (!container) return;
          var item = blankItem(container);
          if (!item) {
            var add = formset.querySelector("[data-add-item]");
            if (!add) return;
            add.click();
            item = blankItem(container);
          }
          if (!item) return;
          Object.keys(values).forEach(function (key) {
            fillField(item.querySelector("[name$='-" + key + "']"), values[key]);
          });
        } else {
          Object.keys(values).forEach(function (key) {
            fillField(form.querySelector("[name='" + target + "_" + key + "']"), values[key]);
          });
        }
        event.preventDefault();
      });
    });
  }

  /* After a failed submit, move focus to the error summary so it is read out first. */
  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-formset]").forEach(setupFormset);
    bindHsHints(document);
    setupCopy(document);
    setupConfirm(document);
    setupAutoSubmit(document);
    setupSelectAll(document);
    setupTableRegions(document);
    setupSavedPickers(document);
    focusErrorSummary();
  });
})();
