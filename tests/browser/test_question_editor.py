"""Does the question editor work in a real browser: true/false fills its two options, option rows
move up and down, and the question is saved as shown? (issue 14, item 3)

Screens are saved as ``tests/artifacts/question-editor-NN-<step>.png``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import Journey, LiveServer

HR = "hr@acme.test"
QUESTION = "A ladder must stand on firm ground."


def test_hr_writes_a_true_false_question_and_reorders_options(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    journey = Journey(page, artifacts, "question-editor-")
    page.goto(f"{live_server.url}/admin/")
    journey.sign_in(HR)
    journey.admin_menu("Assessment", "Quizzes")
    page.get_by_title("Questions").first.click()
    page.get_by_role("link", name="Add a question to this quiz").click()
    journey.scripts_ready()

    journey.choose("type", "True / false")
    expect(page.locator("#options-0-text")).to_have_value("True")
    expect(page.locator("#options-1-text")).to_have_value("False")
    journey.shot("true-false-filled")

    page.locator("#options-1-correct").check()
    page.get_by_role("button", name="Move option up").nth(1).click()
    expect(page.locator("#options-0-text")).to_have_value("False")
    expect(page.locator("#options-0-correct")).to_be_checked()
    expect(page.locator("#options-1-text")).to_have_value("True")
    expect(page.locator("#options-1-correct")).not_to_be_checked()
    page.locator("#text").fill(QUESTION)
    journey.shot("options-moved")

    journey.save()
    journey.expect_flash("Record was successfully created.")
    row = page.get_by_role("row").filter(has_text=QUESTION)
    expect(row).to_contain_text("False ✓")
    journey.shot("saved")
