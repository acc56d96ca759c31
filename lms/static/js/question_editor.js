/* The question editor (issue 14, item 3): move option rows up and down, and give a true/false
   question its two options. Moving swaps what two rows hold (text and "correct"), so the
   fields keep their names and the server reads the rows in the order shown. The server
   checks every rule again; this only saves typing. */
(function () {
  "use strict";

  var script = document.currentScript;
  var list = document.querySelector("#options > .inline-field-list");
  if (!script || !list) {
    return;
  }
  var labels = script.dataset;

  function rows() {
    return Array.prototype.filter.call(list.children, function (row) {
      return row.classList.contains("inline-field");
    });
  }

  function textOf(row) {
    return row.querySelector("input[type=text]");
  }

  function correctOf(row) {
    return row.querySelector("input[type=checkbox][name$='-correct']");
  }

  function moveButton(direction, label, icon) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-secondary option-move ml-1";
    button.dataset.direction = direction;
    button.title = label;
    button.setAttribute("aria-label", label);
    button.innerHTML = '<span class="fa ' + icon + '" aria-hidden="true"></span>';
    return button;
  }

  function decorate(row) {
    var legend = row.querySelector("legend small") || row.querySelector("legend");
    if (!legend || row.querySelector(".option-move")) {
      return;
    }
    legend.appendChild(moveButton("up", labels.up, "fa-arrow-up"));
    legend.appendChild(moveButton("down", labels.down, "fa-arrow-down"));
  }

  function swap(first, second) {
    var firstText = textOf(first);
    var secondText = textOf(second);
    var firstCorrect = correctOf(first);
    var secondCorrect = correctOf(second);
    var text = firstText.value;
    firstText.value = secondText.value;
    secondText.value = text;
    var correct = firstCorrect.checked;
    firstCorrect.checked = secondCorrect.checked;
    secondCorrect.checked = correct;
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest(".option-move");
    if (!button) {
      return;
    }
    var all = rows();
    var index = all.indexOf(button.closest(".inline-field"));
    var other = all[index + (button.dataset.direction === "up" ? -1 : 1)];
    if (index < 0 || !other) {
      return;
    }
    swap(all[index], other);
    var target = other.querySelector(".option-move[data-direction='" + button.dataset.direction + "']");
    if (target) {
      target.focus();
    }
  });

  rows().forEach(decorate);
  new MutationObserver(function () {
    rows().forEach(decorate);
  }).observe(list, { childList: true });

  function fillTrueFalse() {
    var all = rows();
    var empty = all.every(function (row) {
      return !textOf(row).value.trim();
    });
    if (!empty) {
      return;
    }
    var addButton = document.getElementById("options-button");
    while (rows().length < 2 && addButton) {
      addButton.click();
    }
    all = rows();
    textOf(all[0]).value = labels.true;
    textOf(all[1]).value = labels.false;
  }

  var type = document.getElementById("type");
  if (type) {
    var onChange = function () {
      if (type.value === "TRUE_FALSE") {
        fillTrueFalse();
      }
    };
    if (window.jQuery) {
      window.jQuery(type).on("change", onChange);  // Select2 announces changes through jQuery
    } else {
      type.addEventListener("change", onChange);
    }
  }
})();
