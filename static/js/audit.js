/* eport audit: live progress of a verification run. Without JS the page has a Refresh link. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var strings = {};
  try {
    strings = JSON.parse(document.getElementById("eport-strings").textContent);
  } catch (error) { strings = {}; }
  function t(key, fallback) { return strings[key] || fallback; }

  function follow(card) {
    var url = card.getAttribute("data-run-progress");
    var bar = card.querySelector("[data-progress-bar]");
    var text = card.querySelector("[data-progress-text]");
    var status = card.querySelector("[data-run-status]");
    var delay = 500;

    function show(state) {
      var badge = status && status.querySelector("[data-run-badge]");
      if (badge) {
        badge.className = "badge badge-" + state.tone;
        badge.setAttribute("data-status", state.status);
        badge.querySelector("[data-run-mark]").textContent = state.mark;
        badge.querySelector("[data-run-label]").textContent = state.label;
      }
      text.textContent = state.text;
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (run) {
          // The badge, the bar and the line all come from the run's one state (run_state).
          var state = run.state || {};
          bar.value = run.percent;
          bar.textContent = run.percent + " %";
          if (state.label) show(state);
          else if (run.progress_text) text.textContent = run.progress_text;
          if (run.finished) {
            bar.classList.add(run.status === "passed" ? "is-passed" : "is-failed");
            // The full result (findings, mismatches) is rendered by the server.
            window.location.reload();
            return;
          }
          window.setTimeout(poll, delay);
        })
        .catch(function () {
          text.textContent = t("lost_contact", "Lost contact with the server; retrying…");
          window.setTimeout(poll, 2000);
        });
    }
    poll();
  }

  document.querySelectorAll("[data-run-progress]").forEach(function (card) {
    if (card.getAttribute("data-finished") !== "true") follow(card);
  });
})();
