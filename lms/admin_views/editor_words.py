"""The rich-text editor's words in the page's language (issue 14, item 2).

Jodit translates every word of its toolbar, tooltips, popups and dialogs through its own
``i18n`` dictionary, keyed by its English text, and ships no Slovenian. So the words our
configuration (``static/js/editor.js``) shows are listed here once, through our catalog, and
the admin page hands them to the editor as JSON (``#lms-editor-words``); a key left out would
show in English. A few keys get better English than Jodit's own ("Change mode" is the HTML
source button, "Quadrate" a square bullet).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

WORDS: dict[str, LazyString] = {
    # The toolbar.
    "Change mode": _l("HTML source"),
    "Insert format block": _l("Paragraph style"),
    "Normal": _l("Normal text"),
    "Heading 1": _l("Heading 1"),
    "Heading 2": _l("Heading 2"),
    "Heading 3": _l("Heading 3"),
    "Heading 4": _l("Heading 4"),
    "Quote": _l("Quote"),
    "Code": _l("Code"),
    "Bold": _l("Bold"),
    "Italic": _l("Italic"),
    "Underline": _l("Underline"),
    "Strike through": _l("Strikethrough"),
    "Insert Unordered List": _l("Bulleted list"),
    "Insert Ordered List": _l("Numbered list"),
    "Default": _l("Default"),
    "Circle": _l("Circle"),
    "Dot": _l("Dot"),
    "Quadrate": _l("Square"),
    "Lower Alpha": _l("Lowercase letters"),
    "Upper Alpha": _l("Uppercase letters"),
    "Lower Roman": _l("Lowercase Roman numerals"),
    "Upper Roman": _l("Uppercase Roman numerals"),
    "Lower Greek": _l("Greek letters"),
    "Insert link": _l("Insert a link"),
    "Insert Image": _l("Insert a picture"),
    "Insert table": _l("Insert a table"),
    "Insert Horizontal Line": _l("Insert a horizontal line"),
    "Undo": _l("Undo"),
    "Redo": _l("Redo"),
    "Type something": _l("Start writing…"),
    # A link: its popup and dialog.
    "URL": _l("Web address"),
    "Text": _l("Text"),
    "Insert": _l("Insert"),
    "Update": _l("Update"),
    "Unlink": _l("Remove the link"),
    "Open link": _l("Open the link"),
    "eye": _l("Open the link"),
    "Edit link": _l("Edit the link"),
    "Link": _l("Link"),
    "Open link in new tab": _l("Open the link in a new tab"),
    "Please enter a web address": _l("Enter a web address."),
    "Please fill out this field": _l("Fill in this field."),
    # A picture: its popup, the insert popup and the properties dialog.
    "Upload": _l("Upload"),
    "Drop image": _l("Drop a picture here"),
    "or click": _l("or click to choose one"),
    "Image": _l("Picture"),
    "Image properties": _l("Picture properties"),
    "Advanced": _l("Advanced"),
    "Src": _l("Picture address"),
    "Title": _l("Title"),
    "Alternative": _l("Alternative text"),
    "Alternative text": _l("Alternative text"),
    "Width": _l("Width"),
    "Height": _l("Height"),
    "Keep Aspect Ratio": _l("Keep the proportions"),
    "Margins": _l("Margins"),
    "Styles": _l("Styles"),
    "Classes": _l("Classes"),
    "Border radius": _l("Rounded corners"),
    "Align": _l("Alignment"),
    "Left": _l("Left"),
    "Right": _l("Right"),
    "Center": _l("Centre"),
    "Press Alt for custom resizing": _l("Hold Alt to resize freely"),
    "Edit": _l("Edit"),
    "pencil": _l("Edit"),
    "Delete": _l("Delete"),
    "delete": _l("Delete"),
    # A table: the popup of its cells.
    "Add column": _l("Add a column"),
    "Insert column before": _l("Insert a column before"),
    "Insert column after": _l("Insert a column after"),
    "Add row": _l("Add a row"),
    "Insert row above": _l("Insert a row above"),
    "Insert row below": _l("Insert a row below"),
    "Merge": _l("Merge cells"),
    "Split": _l("Split the cell"),
    "Split vertical": _l("Split vertically"),
    "Split horizontal": _l("Split horizontally"),
    "Delete table": _l("Delete the table"),
    "Delete row": _l("Delete the row"),
    "Delete column": _l("Delete the column"),
    "Empty cell": _l("Empty the cell"),
    # Its questions and buttons.
    "Apply": _l("Apply"),
    "Cancel": _l("Cancel"),
    "Ok": _l("OK"),
    "Yes": _l("Yes"),
    "No": _l("No"),
    "Are you sure?": _l("Are you sure?"),
}


def editor_words() -> dict[str, Any]:
    """For the admin base page: the editor's language and its words in it (``#lms-editor-words``)."""
    language = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return {"language": language, "words": {key: str(word) for key, word in WORDS.items()}}
