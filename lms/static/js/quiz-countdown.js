// The quiz's countdown. The server judges the time at submit; this only shows its deadline
// and sends the answers when it passes. A file, not an inline script: the pages' CSP runs
// scripts from this site only (lms/security.py).
(function () {
  var box = document.getElementById("quiz-countdown");
  if (!box) {
    return;
  }
  var value = document.getElementById("quiz-countdown-value");
  var end = Date.now() + Number(box.dataset.secondsLeft) * 1000;
  var timer = null;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    value.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left === 0) {
      clearInterval(timer);
      box.classList.replace("alert-info", "alert-danger");
      value.textContent = box.dataset.timeUp;
      document.getElementById("quiz-form").submit();
    }
  }
  timer = setInterval(tick, 1000);
  tick();
})();
