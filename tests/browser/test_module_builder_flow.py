"""Can HR build a whole course from the module's page, and a learner on a phone take it?
(issue 14, items 1 and 2)

HR creates a module and, from its page only, adds a rich-text section, a video section and a
third section, sets up the quiz in place and writes its three questions in the question editor
(type, option rows, the correct one ticked), reorders two sections and two questions, previews the module as a
learner, publishes it and assigns a group. A learner of that group opens it on a 390 px wide
viewport, reads the sections and passes the quiz. Screens go to ``tests/artifacts/builder-*``.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Journey, LiveServer, new_context

HR = "hr@acme.test"
LEARNER = "learner5@acme.test"
GROUP = "New hires"
MODULE = "Forklift basics for new hires"
RICH_TEXT = (
    "<h2>Before you start</h2><p>Check the <strong>forks</strong> and the <em>mast</em>.</p>"
    "<ul><li>Brakes</li><li>Horn</li></ul>"
    "<table><tbody><tr><td>Load</td><td>1.5 t</td></tr></tbody></table>"
    '<p>Read <a href="https://example.com/forklifts" rel="noopener noreferrer">the manual</a>.</p>'
)
SECTIONS = ("Daily checks", "Watch a safe lift", "Parking the truck")
# (question, its type as the editor names it, options (None: true/false fills them), index of the correct one).
QUESTIONS = (
    ("Where do the forks rest when you park?", "Single choice", ("On the floor", "Raised", "Tilted back"), 0),
    ("A forklift may carry a passenger.", "True / false", None, 1),
    ("What do you check first each day?", "Single choice", ("Brakes", "The radio"), 0),
)


def _add_section(journey: Journey, kind: str, title: str) -> None:
    page = journey.page
    page.locator(f"#add-section-{kind}").click()
    expect(page.locator("#section-module")).to_contain_text(MODULE)
    page.get_by_label("Title").fill(title)


def _build(journey: Journey) -> None:
    page = journey.page
    journey.admin_menu("Content", "Modules")
    page.get_by_role("link", name="Create", exact=True).click()
    page.get_by_label("Title").fill(MODULE)
    journey.rich_text("<p>What every new driver checks, lifts and parks.</p>")
    page.get_by_role("button", name="Save and Continue Editing").click()
    expect(page.locator("#builder-sections")).to_be_visible()
    journey.shot("builder-empty")

    _add_section(journey, "text", SECTIONS[0])
    expect(page.locator("#video_url")).to_have_count(0)
    journey.rich_text(RICH_TEXT)
    expect(page.locator(".jodit-wysiwyg strong")).to_have_text("forks")
    journey.shot("section-rich-text")
    journey.save()
    journey.expect_flash("Record was successfully created.")

    _add_section(journey, "video", SECTIONS[1])
    expect(page.locator("#content")).to_have_count(0)
    journey.choose("video_source_type", "YouTube")
    expect(page.locator("#video_stream_id")).to_be_hidden()
    page.locator("#video_url").fill("https://vimeo.com/76979871")
    journey.shot("section-video")
    journey.save()

    _add_section(journey, "text", SECTIONS[2])
    journey.rich_text("<p>Lower the <strong>forks</strong>, set the brake, take the key.</p>")
    journey.save()
    expect(page.locator("#builder-section-list strong")).to_have_text([f"{n}. {t}" for n, t in enumerate(SECTIONS, 1)])
    journey.shot("builder-three-sections")

    # Reorder: the video first.
    page.locator("#builder-section-list li").nth(1).get_by_role("button", name=re.compile("Move up")).click()
    order = (SECTIONS[1], SECTIONS[0], SECTIONS[2])
    expect(page.locator("#builder-section-list strong")).to_have_text([f"{n}. {t}" for n, t in enumerate(order, 1)])
    journey.shot("builder-reordered")


def _question(journey: Journey, text: str, kind: str, options: tuple[str, ...] | None, correct: int) -> None:
    """One question through the question editor opened from the builder: pick the type, fill the
    option rows (adding rows as needed), tick the correct one, save, and land on the builder again."""
    page = journey.page
    page.locator("#add-question").click()
    journey.choose("type", kind)
    page.locator("#text").fill(text)
    if options is None:
        expect(page.locator("#options-0-text")).to_have_value("True")
        expect(page.locator("#options-1-text")).to_have_value("False")
    else:
        for index, option in enumerate(options):
            if not page.locator(f"#options-{index}-text").count():
                page.get_by_role("button", name="Add an option").click()
            page.locator(f"#options-{index}-text").fill(option)
    page.locator(f"#options-{correct}-correct").check()
    journey.shot("question-editor")
    journey.save()
    journey.expect_flash("Record was successfully created.")
    expect(page.locator("#builder-questions")).to_contain_text(text)


def _quiz(journey: Journey) -> None:
    page = journey.page
    settings = page.locator("#quiz-settings")
    settings.locator("#quiz-title").fill("Forklift check")
    settings.get_by_label("Passing score (%)").fill("60")
    settings.get_by_label("Shuffle options").check()
    page.locator("#add-quiz").click()
    journey.expect_flash("Record was successfully created.")
    expect(page.locator("#builder-quiz")).to_contain_text("Pass at 60 %")
    expect(page.locator("#quiz-shuffle_options")).to_be_checked()
    for text, kind, options, correct in QUESTIONS:
        _question(journey, text, kind, options, correct)
    expect(page.locator("#builder-questions li")).to_have_count(len(QUESTIONS))

    # The last question first, then its settings changed in place.
    page.locator("#builder-questions li").nth(2).get_by_role("button", name=re.compile("Move up")).click()
    expect(page.locator("#builder-questions li").nth(1)).to_contain_text(QUESTIONS[2][0])
    page.locator("#quiz-max_attempts").fill("3")
    page.locator("#save-quiz").click()
    journey.expect_flash("Record was successfully saved.")
    expect(page.locator("#builder-quiz")).to_contain_text("3 attempts")
    journey.shot("builder-quiz")


def _preview_publish_assign(journey: Journey) -> None:
    page = journey.page
    page.locator("#preview-module").click()
    expect(page.locator("#preview-banner")).to_be_visible()
    expect(page.get_by_role("heading", name=SECTIONS[1], level=2)).to_be_visible()
    expect(page.locator("#complete-section")).to_have_count(0)
    journey.shot("preview-video")
    page.get_by_role("link", name=re.compile(SECTIONS[0])).click()
    expect(page.locator(".lms-content h2")).to_have_text("Before you start")
    expect(page.locator(".lms-content table td").first).to_have_text("Load")
    link = '.lms-content a[href="https://example.com/forklifts"][rel="noopener noreferrer"]'
    expect(page.locator(link)).to_have_count(1)
    journey.shot("preview-rich-text")
    page.locator("#back-to-builder").click()

    page.locator("#publish-module").click()
    journey.expect_flash("1 module changed.")
    expect(page.locator("#module-status")).to_contain_text("Published")

    page.locator("#assign-group").select_option(label=GROUP)
    page.locator("#assign-deadline").fill("10")
    page.locator("#assign-mandatory").check()
    page.locator("#assign-submit").click()
    journey.expect_flash("Record was successfully created.")
    expect(page.locator("#builder-assignment-list")).to_contain_text(GROUP)
    journey.shot("builder-published-assigned")


def _learner_takes_it(browser: Browser, live_server: LiveServer, artifacts: Path) -> None:
    context = new_context(browser, live_server)
    page = context.new_page()
    try:
        journey = Journey(page, artifacts, prefix="builder-learner-")
        page.goto("/")
        journey.sign_in(LEARNER)
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        card = page.locator(".lms-card").filter(has_text=MODULE).first
        expect(card).to_be_visible()
        journey.shot("dashboard")
        card.get_by_role("link", name=MODULE).click()
        expect(page.get_by_role("heading", name=MODULE, level=1)).to_be_visible()
        for _ in SECTIONS:
            journey.shot("section")
            page.locator("#complete-section").click()
        expect(page.locator("#section-done")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.locator("#take-quiz").click()
        journey.shot("quiz-start")
        start = page.get_by_role("button", name=re.compile("Start"))
        if start.count():
            start.first.click()
        for text, _kind, options, correct in QUESTIONS:
            answer = ("True", "False")[correct] if options is None else options[correct]
            page.locator("fieldset").filter(has_text=text).get_by_label(answer, exact=True).check()
        journey.shot("quiz-answered")
        page.get_by_role("button", name=re.compile("Submit")).click()
        expect(page.get_by_text(re.compile("passed", re.IGNORECASE)).first).to_be_visible()
        journey.shot("quiz-passed")
    finally:
        context.close()


def test_hr_builds_a_course_on_the_module_page_and_a_learner_on_a_phone_takes_it(
    page: Page, browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    journey = Journey(page, artifacts, prefix="builder-")
    page.goto("/admin/")
    journey.sign_in(HR)

    _build(journey)
    _quiz(journey)
    _preview_publish_assign(journey)

    _learner_takes_it(browser, live_server, artifacts)
