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

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (run) {
          bar.value = run.percent;
          bar.textContent = run.percent + " %";
          if (run.finished) {
            bar.classList.add(run.status === "passed" ? "is-passed" : "is-failed");
            text.textContent = run.status_label + ". " + (run.summary || "");
            if (status) status.textContent = run.status_label;
            // The full result (findings, mismatches) is rendered by the server.
            window.location.reload();
            return;
          }
          if (!run.phase) {
            text.textContent = t("waiting", "Waiting for a worker…");
          } else {
            text.textContent = run.progress_text;
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
