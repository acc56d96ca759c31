// The AI build page while the job runs (issue 16, item 4): poll the build's status and move the
// progress bar; once the status changes to a finished one, load the page again to show it.
(function () {
  "use strict";
  var bar = document.getElementById("ai-build-progress");
  if (!bar) {
    return;
  }
  var label = document.getElementById("ai-build-status");
  function poll() {
    fetch(bar.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state === null) {
          return;
        }
        if (state.done) {
          window.location.reload();
          return;
        }
        bar.value = state.progress;
        bar.textContent = state.progress + " %";
        if (label) {
          label.textContent = state.label;
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
