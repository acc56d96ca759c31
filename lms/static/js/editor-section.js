/* A section's form (issue 14, item 1): the server shows only the chosen type's fields, so
 * choosing another type reloads the form for it; a video shows only its source's field. */
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

  var FIELD_OF_SOURCE = {
    YOUTUBE_VIMEO_URL: "video_url",
    UPLOAD: "video_media",
    CLOUDFLARE_STREAM: "video_stream_id",
    TARGETVIDEO: "video_stream_id"
  };
  var source = document.getElementById("video_source_type");
  if (!source) {
    return;
  }
  function showSourceField() {
    ["video_url", "video_media", "video_stream_id"].forEach(function (name) {
      var input = document.getElementById(name);
      var group = input && input.closest(".form-group");
      if (group) {
        group.hidden = FIELD_OF_SOURCE[source.value] !== name;
      }
    });
  }
  onChange(source, showSourceField);
  showSourceField();
})();
