/* The rich-text editor of long authored text (issue 14, item 2): Jodit on the textarea each
 * <meta name="lms-editor" data-for="<id>" content="{...}"> names. The settings come from the server: the sanitizer's
 * allow-list (so what is typed is what is saved), where pictures are uploaded, labels.
 * The "Source" button shows and edits the raw HTML. */
(function () {
  "use strict";

  var REL = "noopener noreferrer";

  // The sanitizer gives every link this rel, last; saying it here keeps saved HTML unchanged.
  function withRel(html) {
    if (html.indexOf("<a") === -1) {
      return html;
    }
    var holder = document.createElement("template");
    holder.innerHTML = html;
    holder.content.querySelectorAll("a").forEach(function (link) {
      link.removeAttribute("rel");
      link.setAttribute("rel", REL);
    });
    return holder.innerHTML;
  }

  function csrfToken(textarea) {
    var field = textarea.form && textarea.form.querySelector("input[name=csrf_token]");
    var meta = document.querySelector("meta[name=csrf-token]");
    return field ? field.value : meta ? meta.getAttribute("content") : "";
  }

  function uploader(settings, textarea) {
    if (!settings.uploadUrl) {
      return { insertImageAsBase64URI: false, url: "" };
    }
    return {
      url: settings.uploadUrl,
      format: "json",
      insertImageAsBase64URI: false,
      filesVariableName: function () { return "file"; },
      headers: { "X-CSRFToken": csrfToken(textarea) },
      isSuccess: function (response) { return Boolean(response.url); },
      getMessage: function (response) { return response.error || settings.labels.uploadFailed; },
      process: function (response) {
        return {
          files: response.url ? [response.url] : [],
          path: "",
          baseurl: "",
          error: response.url ? 0 : 1,
          msg: response.error || ""
        };
      }
    };
  }

  function start(meta) {
    var textarea = document.getElementById(meta.getAttribute("data-for"));
    if (!textarea) {
      return;
    }
    var settings = JSON.parse(meta.getAttribute("content"));
    var editor = Jodit.make(textarea, {
      language: "en",
      height: 420,
      toolbarAdaptive: false,
      toolbarSticky: false,
      showCharsCounter: false,
      showWordsCounter: false,
      showXPathInStatusbar: false,
      askBeforePasteHTML: false,
      askBeforePasteFromWord: false,
      defaultActionOnPaste: "insert_clear_html",
      imageDefaultWidth: null,
      // Jodit would fetch Ace and js-beautify from a CDN for its source mode; a plain textarea it is.
      sourceEditor: "area",
      beautifyHTML: false,
      buttons: [
        "source", "|", "paragraph", "bold", "italic", "underline", "strikethrough", "|",
        "ul", "ol", "|", "link", "image", "table", "hr", "|", "undo", "redo"
      ],
      controls: {
        paragraph: {
          list: { p: "Normal", h2: "Heading 2", h3: "Heading 3", h4: "Heading 4", blockquote: "Quote", pre: "Code" }
        }
      },
      cleanHTML: { allowTags: settings.allowTags, fillEmptyParagraph: false, removeEmptyElements: true },
      uploader: uploader(settings, textarea)
    });
    editor.events.on("afterGetValueFromEditor", function (data) {
      data.value = withRel(data.value);
    });
    textarea.form.addEventListener("submit", function () {
      textarea.value = withRel(editor.value);
    });
  }

  document.querySelectorAll("meta[name=lms-editor]").forEach(start);
})();
