// Usage sessions (issue 13, item 5; the rule is lms/services/usage.py). While this tab is
// visible it tells the server once a minute, and once more whenever it becomes visible
// again; a hidden tab stays silent, so time in a background tab is not counted. The tab
// remembers its session in sessionStorage, per company. A refused session (the user or
// the company changed in this tab) is forgotten and a new one asked for at once. A file,
// not an inline script: the pages' CSP runs scripts from this site only (lms/security.py).
(function () {
  var config = document.querySelector('meta[name="usage-ping"]');
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!config || !token || !window.fetch) {
    return;
  }
  var INTERVAL = 60 * 1000;
  var key = "mojster.usage-session." + config.dataset.tenant;
  var timer = null;

  function stored() {
    try {
      return window.sessionStorage.getItem(key);
    } catch (error) {
      return null; // storage disabled: every page then starts or joins a session by itself
    }
  }

  function remember(value) {
    try {
      if (value === null) {
        window.sessionStorage.removeItem(key);
      } else {
        window.sessionStorage.setItem(key, String(value));
      }
    } catch (error) {
      // storage disabled: nothing to remember
    }
  }

  function ping(retry) {
    var body = new URLSearchParams();
    var session = stored();
    if (session) {
      body.set("session", session);
    }
    window
      .fetch(config.content, {
        method: "POST",
        body: body,
        keepalive: true,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.content, Accept: "application/json" },
      })
      .then(function (response) {
        if (response.status === 404 && session) {
          remember(null);
          if (retry) {
            ping(false);
          }
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && data.session) {
          remember(data.session);
        }
      })
      .catch(function () {
        // offline or signed out: the next ping tries again
      });
  }

  function follow() {
    if (document.visibilityState === "visible") {
      if (timer === null) {
        ping(true);
        timer = window.setInterval(function () {
          ping(true);
        }, INTERVAL);
      }
    } else if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  document.addEventListener("visibilitychange", follow);
  follow();
})();
