/* A file larger than the server accepts is refused as it is chosen (issue 16: an upload over
 * MAX_UPLOAD_MB). The server refuses it too, with a 413 before reading it, but a browser still
 * sending the file often shows a broken connection instead of that page. The limit and the
 * message come from the input (data-max-bytes, data-too-large: lms/admin_views/forms.py). */
(function () {
  "use strict";

  function check(input) {
    var limit = Number(input.getAttribute("data-max-bytes"));
    var files = Array.prototype.slice.call(input.files || []);
    var total = files.reduce(function (sum, file) { return sum + file.size; }, 0);
    input.setCustomValidity(total > limit ? input.getAttribute("data-too-large") : "");
    input.reportValidity();
  }

  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () { check(input); });
    if (input.files && input.files.length) {
      check(input);  // chosen before this script ran
    }
  });
})();
