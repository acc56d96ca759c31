// Names for controls Flask-Admin's own markup and its Select2 leave nameless (axe-core: label-title-only,
// link-name): a list's row checkboxes carry only a title, and a chosen tag's "x" is an empty link.
(function () {
  "use strict";
  var script = document.currentScript;
  var remove = script ? script.getAttribute("data-remove") : "Remove";

  function name(root) {
    root.querySelectorAll("input[type=checkbox][title]:not([aria-label])").forEach(function (box) {
      box.setAttribute("aria-label", box.getAttribute("title"));
    });
    root.querySelectorAll("a.select2-search-choice-close:not([aria-label])").forEach(function (link) {
      var chosen = link.parentElement ? link.parentElement.textContent.trim() : "";
      link.setAttribute("aria-label", chosen ? remove + ": " + chosen : remove);
    });
  }

  name(document);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) {
          name(node.parentElement || node);
        }
      });
    });
  }).observe(document.body, { childList: true, subtree: true });
})();
