"""Do the admin's pickers speak Slovenian in a real browser? (issue 14, item 4)

Flask-Admin's Select2 writes its own messages from script ("Please enter 1 or more
character", "Please select model"): the owner of globex (Slovenian) opens a new quiz and
clicks its module picker; the picker says what the page's catalog says, in the page's
language. Screens are saved as ``tests/artifacts/slovenian-admin-NN-<step>.png``.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from lms.demo.seed import DEMO_PASSWORD
from tests.browser.conftest import Journey, LiveServer


def test_the_module_picker_of_a_new_quiz_speaks_slovenian(page: Page, live_server: LiveServer, artifacts: Path) -> None:
    journey = Journey(page, artifacts, prefix="slovenian-admin-")
    page.goto(f"{live_server.url}/admin/quizzes/new/")
    page.get_by_label("Email").fill("owner@globex.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("html")).to_have_attribute("lang", "sl")
    journey.scripts_ready()
    words = json.loads(page.locator("#lms-picker-words").text_content() or "{}")["select2"]

    picker = page.locator("#s2id_module")
    expect(picker).not_to_contain_text("Please select model")
    journey.shot("new-quiz")
    picker.click()
    expect(page.locator("#select2-drop")).to_contain_text(words["inputTooShort"])
    journey.shot("module-picker")

    page.keyboard.type("zzzz-no-such-module")
    expect(page.locator("#select2-drop")).to_contain_text(words["noMatches"])
    expect(page.locator("#select2-drop")).not_to_contain_text("No matches found")
    journey.shot("nothing-found")
