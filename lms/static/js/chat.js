// The chat room (issue 15, item 1; routes in lms/learner/chat.py). Every few seconds,
// while the tab is visible, the page asks for the messages after the newest one it shows
// (?after=<id>); a hidden tab stays silent and asks once when it is shown again. The
// server renders every message (escaped, links made safe), so this script only places
// the HTML it is given. Sending a message and confirming an answer post the form's own
// fields with the CSRF token, then poll at once. Without this script the forms still
// work as plain posts. A file, not an inline script: the CSP runs scripts from this site only.
(function () {
  var chat = document.getElementById("chat");
  var list = document.getElementById("chat-list");
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!chat || !list || !window.fetch) {
    return;
  }
  var INTERVAL = 3000;
  var form = document.getElementById("chat-form");
  var older = document.getElementById("chat-older");
  var status = document.getElementById("chat-status");
  var empty = document.getElementById("chat-empty");
  var timer = null;
  var polling = false;

  function ids() {
    var nodes = list.querySelectorAll("[data-id]");
    return Array.prototype.map.call(nodes, function (node) {
      return Number(node.getAttribute("data-id"));
    });
  }

  function newest() {
    var all = ids();
    return all.length ? Math.max.apply(null, all) : 0;
  }

  function oldest() {
    var all = ids();
    return all.length ? Math.min.apply(null, all) : 0;
  }

  function element(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  function showError(text) {
    if (!status) {
      return;
    }
    status.textContent = text || "";
    status.classList.toggle("d-none", !text);
  }

  function atBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  }

  function request(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" };
    if (token) {
      options.headers["X-CSRFToken"] = token.content;
    }
    return window.fetch(url, options).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (!response.ok) {
            throw new Error(data.error || chat.dataset.error);
          }
          return data;
        });
    });
  }

  function place(entries) {
    var follow = atBottom();
    entries.forEach(function (entry) {
      if (entry.confirms) {
        var answer = document.getElementById("message-" + entry.confirms);
        if (answer) {
          answer.replaceWith(element(entry.confirmed_html));
        }
      }
      if (!document.getElementById("message-" + entry.id)) {
        list.appendChild(element(entry.html));
      }
    });
    if (entries.length && empty) {
      empty.remove();
      empty = null;
    }
    if (follow) {
      list.scrollTop = list.scrollHeight;
    }
  }

  function poll() {
    if (polling) {
      return;
    }
    polling = true;
    request(chat.dataset.messagesUrl + "?after=" + newest())
      .then(function (data) {
        showError("");
        place(data.messages || []);
        polling = false;
        if (data.more) {
          poll();
        }
      })
      .catch(function () {
        polling = false;
        showError(chat.dataset.error);
      });
  }

  function schedule() {
    window.clearInterval(timer);
    timer = null;
    if (document.visibilityState === "visible") {
      timer = window.setInterval(poll, INTERVAL);
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      poll();
    }
    schedule();
  });

  if (form) {
    var body = form.querySelector("textarea");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!body.value.trim()) {
        return;
      }
      request(form.action, { method: "POST", body: new FormData(form) })
        .then(function () {
          showError("");
          body.value = "";
          poll();
        })
        .catch(function (error) {
          showError(error.message);
        });
    });
    body.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    });
  }

  list.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.classList.contains("lms-chat-confirm")) {
      return;
    }
    event.preventDefault();
    request(target.action, { method: "POST", body: new FormData(target) })
      .then(poll)
      .catch(function (error) {
        showError(error.message);
      });
  });

  if (older) {
    older.addEventListener("click", function () {
      var first = oldest();
      request(chat.dataset.messagesUrl + "?before=" + first)
        .then(function (data) {
          var height = list.scrollHeight;
          var anchor = list.firstElementChild;
          (data.messages || []).forEach(function (entry) {
            if (!document.getElementById("message-" + entry.id)) {
              list.insertBefore(element(entry.html), anchor);
            }
          });
          list.scrollTop += list.scrollHeight - height;
          older.classList.toggle("d-none", !data.more);
        })
        .catch(function (error) {
          showError(error.message);
        });
    });
  }

  list.scrollTop = list.scrollHeight;
  schedule();
})();
