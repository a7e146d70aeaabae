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
      var first = item.querySelector("input, select, textarea");
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
    focusErrorSummary();
  });
})();
