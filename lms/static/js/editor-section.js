/* A section's form (issue 14, item 1): the server shows only the chosen type's fields, so
 * choosing another type reloads the form for it; a video shows only its source's fields. */
(function () {
  "use strict";

  // Flask-Admin's select2 boxes announce a choice through jQuery, not a native event.
  function onChange(element, handler) {
    element.addEventListener("change", handler);
    if (window.jQuery) {
      window.jQuery(element).on("change", handler);
    }
  }

  var type = document.getElementById("type");
  if (type) {
    var shown = type.value;
    onChange(type, function () {
      if (type.value === shown) {
        return;
      }
      shown = type.value;
      var url = new URL(window.location.href);
      url.searchParams.set("type", type.value);
      window.location.assign(url.toString());
    });
  }

  // The fields of each video source come from the server (module_builder.SOURCE_FIELDS); only the
  // chosen source's are shown. Without this script every field shows, its label naming its source.
  var source = document.getElementById("video_source_type");
  if (!source || !source.dataset.sourceFields) {
    return;
  }
  var fieldsOf = JSON.parse(source.dataset.sourceFields);
  var all = [];
  Object.keys(fieldsOf).forEach(function (name) {
    all = all.concat(fieldsOf[name]);
  });
  function showSourceFields() {
    var shown = fieldsOf[source.value] || [];
    all.forEach(function (name) {
      var input = document.getElementById(name);
      var group = input && input.closest(".form-group");
      if (group) {
        group.hidden = shown.indexOf(name) === -1;
      }
    });
  }
  onChange(source, showSourceFields);
  showSourceFields();
})();
