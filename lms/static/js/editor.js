/* The rich-text editor of long authored text (issue 14, item 2): Jodit on the textarea each
 * <meta name="lms-editor" data-for="<id>" content="{...}"> names (a section's content), and on every
 * <textarea data-lms-editor="{...}"> (a description: lms/admin_views/rich_text.py). The settings come from the
 * server: the sanitizer's allow-list (so what is typed is what is saved), where pictures are uploaded, labels.
 * Its toolbar, tooltips and dialogs speak the page's language: Jodit ships no Slovenian, so the admin page
 * hands over its words from our catalog as JSON (#lms-editor-words, lms/admin_views/editor_words.py).
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

  function pageWords() {
    var holder = document.getElementById("lms-editor-words");
    return holder ? JSON.parse(holder.textContent) : { language: "en", words: {} };
  }

  // The editable area is what people type into: it takes the field's label (screen readers, and
  // a click on the label), and the tab order, which Jodit leaves out.
  function label(editor, textarea) {
    var area = editor.editor;
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    var caption = textarea.id && document.querySelector("label[for='" + textarea.id + "']");
    if (caption) {
      caption.id = caption.id || textarea.id + "-label";
      caption.removeAttribute("for");
      area.setAttribute("aria-labelledby", caption.id);
      caption.addEventListener("click", function () { editor.s.focus(); });
    }
  }

  function start(textarea, settings, words) {
    var i18n = {};
    i18n[words.language] = words.words;
    var editor = Jodit.make(textarea, {
      language: words.language,
      i18n: i18n,
      tabIndex: 0,
      height: settings.height || 420,
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
      // Only what the sanitizer keeps is offered: no classes, styles, colours, targets or
      // alignment (they would vanish on save), so the popups and dialogs show fewer words too.
      link: { noFollowCheckbox: false, openInNewTabCheckbox: false, modeClassName: "" },
      image: {
        useImageEditor: false, editBorderRadius: false, editMargins: false, editClass: false,
        editStyle: false, editId: false, editAlign: false
      },
      // Jodit merges a list into its default one; an atom replaces it.
      popup: {
        a: Jodit.atom(["eye", "link", "unlink"]),
        img: Jodit.atom(["delete", "pencil"]),
        cells: Jodit.atom(["addcolumn", "addrow", "merge", "splitv", "deleteTable"])
      },
      cleanHTML: { allowTags: settings.allowTags, fillEmptyParagraph: false, removeEmptyElements: true },
      uploader: uploader(settings, textarea)
    });
    label(editor, textarea);
    editor.events.on("afterGetValueFromEditor", function (data) {
      data.value = withRel(data.value);
    });
    textarea.form.addEventListener("submit", function () {
      textarea.value = withRel(editor.value);
    });
  }

  var words = pageWords();
  document.querySelectorAll("meta[name=lms-editor]").forEach(function (meta) {
    var textarea = document.getElementById(meta.getAttribute("data-for"));
    if (textarea) {
      start(textarea, JSON.parse(meta.getAttribute("content")), words);
    }
  });
  document.querySelectorAll("textarea[data-lms-editor]").forEach(function (textarea) {
    start(textarea, JSON.parse(textarea.getAttribute("data-lms-editor")), words);
  });
})();
