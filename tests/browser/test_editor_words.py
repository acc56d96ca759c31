"""Does the rich-text editor speak Slovenian in a real browser? (issue 14, item 2)

Jodit ships no Slovenian: the owner of globex (Slovenian) opens a new module, whose
description is rich text, and reads every toolbar button's name, the paragraph styles, and
the popups of a link and of a table. None is Jodit's English or our English. Screens are
saved as ``tests/artifacts/editor-words-NN-<step>.png``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from lms.admin_views.editor_words import WORDS
from lms.demo.seed import DEMO_PASSWORD
from tests.browser.conftest import Journey, LiveServer

# Jodit's own English and ours (outside a request our catalog answers with the English msgid).
ENGLISH = set(WORDS) | {str(word) for word in WORDS.values()}


def _names(buttons: Locator) -> list[str]:
    return [
        (button.get_attribute("aria-label") or button.get_attribute("title") or "").strip() for button in buttons.all()
    ]


def _english(names: list[str]) -> list[str]:
    return [name for name in names if not name or name in ENGLISH]


def test_the_editor_of_the_slovenian_company_has_no_english_words(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    journey = Journey(page, artifacts, prefix="editor-words-")
    page.goto(f"{live_server.url}/admin/modules/new/")
    page.get_by_label("Email").fill("owner@globex.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("html")).to_have_attribute("lang", "sl")
    journey.scripts_ready()
    editor = page.locator(".jodit-container")
    expect(editor).to_be_visible()

    buttons = editor.locator(".jodit-toolbar__box .jodit-toolbar-button__button")
    names = _names(buttons)
    assert len(names) >= 12
    assert _english(names) == [], "toolbar buttons named in English"
    assert "Krepko" in names
    journey.shot("toolbar")

    editor.locator(".jodit-toolbar-button_paragraph .jodit-toolbar-button__button").click()
    styles = page.locator(".jodit-popup .jodit-toolbar-button__button")
    expect(styles.first).to_be_visible()
    style_names = [text.strip() for text in styles.all_inner_texts()]
    assert "Navadno besedilo" in style_names
    assert _english(style_names) == [], "paragraph styles in English"
    journey.shot("paragraph-styles")
    page.keyboard.press("Escape")

    journey.rich_text(
        '<p><a href="https://example.com/">Povezava</a></p><table><tbody><tr><td>Celica</td></tr></tbody></table>'
    )
    editor.locator(".jodit-wysiwyg a").click()
    link_popup = page.locator(".jodit-popup .jodit-toolbar-button__button")
    expect(link_popup.first).to_be_visible()
    assert _english(_names(link_popup)) == [], "the link's popup in English"
    journey.shot("link-popup")
    # The link's popup shuts before the cell is clicked: a popup closing late (a loaded machine) would
    # otherwise shut the cell's popup that the same click opened.
    page.locator("input#title").click()
    expect(link_popup).to_have_count(0)

    editor.locator(".jodit-wysiwyg td").click()
    cell_popup = page.locator(".jodit-popup .jodit-toolbar-button__button")
    expect(cell_popup.first).to_be_visible()
    assert _english(_names(cell_popup)) == [], "the table's popup in English"
    journey.shot("table-popup")

    editor.locator(".jodit-toolbar-button_link .jodit-toolbar-button__button").click()
    dialog = page.locator(".jodit-popup form")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Spletni naslov")
    assert not any(word in (dialog.inner_text()) for word in ("URL", "Insert", "Text")), "the link dialog in English"
    journey.shot("link-dialog")
