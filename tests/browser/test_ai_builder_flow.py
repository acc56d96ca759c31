"""Can HR turn a policy PDF into a published module, and a learner take its generated quiz, in a
real browser? (issue 16, Proof: "HR uploads a policy PDF → reviews and edits the proposal →
accepts → publishes → a learner takes the generated quiz")

HR of acme opens Content → Build from a document, uploads a PDF the test writes with fpdf2 (a
title, three headed sections of statements, a list) and, jobs running inline, lands on the
finished proposal: its sections and questions, each question citing the document. HR renames
the first section, drops a question, accepts, and publishes the new draft from the module
builder. The learner is acme's learner1, who also belongs to globex and so chooses the company
after signing in: no other browser test takes a quiz as her. She finds the module in the
catalog, reads each section, and answers every question with its first option, as someone
guessing would; the point is taking the quiz, not passing it. The offline generator writes the
proposal, so the test reads its sections and questions from the page, never from the database.
Screenshots: ``tests/artifacts/ai-NN-<step>.png``.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from fpdf import FPDF
from playwright.sync_api import Browser, Page, expect

from lms.demo.companies import ACME
from tests.browser.conftest import Journey, LiveServer, csp_refusals, new_context

HR = f"hr@{ACME.slug}.test"
LEARNER = f"learner1@{ACME.slug}.test"  # also at globex: she chooses the company after signing in
TITLE = "Remote Work Policy"
FILE_NAME = "remote-work-policy.pdf"
SECTIONS = (
    (
        "Who may work remotely",
        (
            "Employees who have finished their probation period may work remotely up to two days a week.",
            "Team leads approve each remote day in the shared calendar before the week starts.",
        ),
    ),
    (
        "Equipment and security",
        (
            "The company laptop is the only computer used for company work at home.",
            "The VPN connection is switched on before any internal system is opened.",
            "Lost or stolen equipment is reported to the IT helpdesk within one hour.",
        ),
    ),
    (
        "Working hours",
        (
            "Core hours run from ten in the morning to three in the afternoon.",
            "Overtime at home is recorded in the time sheet like overtime at the office.",
        ),
    ),
)
LIST_INTRO = "Every remote workplace has:"
LIST_ITEMS = ("a desk and a chair", "a quiet room", "a stable internet connection")
RENAMED = "Who may work from home"
SCORE = re.compile(r"Your score: \d+ % \(\d+ % needed\)")


def _policy_pdf() -> bytes:
    """The policy as a company would print it: a large title, bold numbered section headings (the
    proposal's sections are titled without the numbers: the module numbers them), body text,
    and a bulleted list in the second section."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 12, TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for number, (heading, statements) in enumerate(SECTIONS, start=1):
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, f"{number}. {heading}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        for statement in statements:
            pdf.multi_cell(0, 6, statement, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        if number == 2:
            pdf.multi_cell(0, 6, LIST_INTRO, new_x="LMARGIN", new_y="NEXT")
            for item in LIST_ITEMS:
                pdf.cell(0, 6, f"- {item}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
    return bytes(pdf.output())


def _upload(journey: Journey) -> None:
    page = journey.page
    journey.admin_menu("Content", "Build from a document")
    expect(page.get_by_role("heading", name="Build a module from a document")).to_be_visible()
    page.get_by_label("Upload a PDF or Word document").check()
    document = page.get_by_label("Document", exact=True)
    page.wait_for_load_state("load")  # the page's scripts have run
    # A file over MAX_UPLOAD_MB (50 MB here) is refused as it is chosen, before it is sent.
    with tempfile.TemporaryDirectory() as folder:
        oversized = Path(folder) / "scan.pdf"
        with oversized.open("wb") as file:
            file.truncate(51 * 1024 * 1024)  # sparse: nothing written, nothing held in memory
        document.set_input_files(oversized)
    assert document.evaluate("input => input.validationMessage") == (
        "This file is larger than the 50 MB the server accepts."
    )
    document.set_input_files({"name": FILE_NAME, "mimeType": "application/pdf", "buffer": _policy_pdf()})
    assert document.evaluate("input => input.validationMessage") == ""
    journey.shot("upload")
    page.get_by_role("button", name="Build the proposal").click()
    expect(page.get_by_role("heading", name=FILE_NAME)).to_be_visible()
    # Jobs run inline, so the proposal is usually ready at once; if the progress bar shows, the
    # page reloads itself when the build is done.
    expect(page.locator("#ai-build-status")).to_have_text("Ready", timeout=30_000)


def _review(journey: Journey) -> list[str]:
    """Check the proposal against the document, rename the first section, drop the second
    question; the texts of the questions left."""
    page = journey.page
    expect(page.locator("#ai-title")).to_have_value(TITLE)
    sections = page.locator(".lms-ai-section")
    expect(sections).to_have_count(len(SECTIONS))
    for index, (heading, _statements) in enumerate(SECTIONS):
        expect(sections.nth(index).get_by_label(f"Section {index + 1}", exact=True)).to_have_value(heading)
    # The document's list is a list in the section's HTML, shown in the rich-text editor.
    expect(sections.nth(1).locator(".jodit-wysiwyg li")).to_have_text(list(LIST_ITEMS))

    questions = page.locator(".lms-ai-question")
    expect(questions.first).to_be_visible()
    count = questions.count()
    assert count >= 3, "the proposal has too few questions for a quiz"
    # Every question cites the paragraph it came from, a paragraph of the document.
    citations = page.locator(".lms-ai-citation")
    expect(citations).to_have_count(count)
    statements = [statement for _heading, texts in SECTIONS for statement in texts]
    for index in range(count):
        cited = citations.nth(index)
        expect(cited).to_contain_text("From the document (page 1):")
        assert any(statement in cited.inner_text() for statement in statements), cited.inner_text()
    journey.shot("review-citations")

    first = sections.first
    first.get_by_label("Section 1", exact=True).fill(RENAMED)
    first.get_by_role("button", name="Save", exact=True).click()
    journey.expect_flash("The section is saved.")
    expect(sections.first.get_by_label("Section 1", exact=True)).to_have_value(RENAMED)
    journey.shot("section-renamed")

    dropped = questions.nth(1).get_by_label("Question 2").input_value()
    questions.nth(1).get_by_role("button", name="Drop", exact=True).click()
    journey.expect_flash("The question is left out.")
    expect(questions).to_have_count(count - 1)
    kept = [questions.nth(index).locator("textarea[name=text]").input_value() for index in range(count - 1)]
    assert dropped not in kept
    journey.shot("question-dropped")
    return kept


def _accept_and_publish(journey: Journey, questions: list[str]) -> None:
    page = journey.page
    page.get_by_role("button", name="Accept and create the module").click()
    journey.expect_flash(f"The draft module “{TITLE}” is created; review it and publish it.")
    expect(page.locator("#module-status")).to_contain_text("Draft")
    titles = [RENAMED] + [heading for heading, _statements in SECTIONS[1:]]
    expect(page.locator("#builder-section-list strong")).to_have_text(
        [f"{number}. {title}" for number, title in enumerate(titles, start=1)]
    )
    expect(page.locator("#builder-questions li")).to_have_count(len(questions))
    journey.shot("builder-draft")

    page.locator("#publish-module").click()
    journey.expect_flash("1 module changed.")
    expect(page.locator("#module-status")).to_contain_text("Published")
    journey.shot("builder-published")


def _learner_takes_the_quiz(journey: Journey, questions: list[str]) -> None:
    page = journey.page
    page.goto("/")
    journey.sign_in(LEARNER)
    expect(page.get_by_role("heading", name="Choose a company")).to_be_visible()
    page.locator(".list-group").get_by_role("button", name=re.compile(re.escape(ACME.name))).click()

    page.get_by_role("link", name="Catalog", exact=True).click()
    page.get_by_role("link", name=TITLE, exact=True).first.click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    journey.shot("learner-module")
    titles = [RENAMED] + [heading for heading, _statements in SECTIONS[1:]]
    for title in titles:
        expect(page.get_by_role("article").get_by_role("heading", level=2).first).to_have_text(title)
        page.locator("#complete-section").click()
    expect(page.locator("#section-done")).to_be_visible()
    expect(page.locator("#module-progress")).to_contain_text("quiz to pass")

    page.locator("#take-quiz").click()
    page.get_by_role("button", name="Start the quiz").click()
    asked = page.locator("#quiz-form fieldset")
    expect(asked).to_have_count(len(questions))
    for index in range(len(questions)):
        asked.nth(index).locator("input").first.check()
    journey.shot("learner-quiz-answered")
    page.get_by_role("button", name="Submit answers").click()

    expect(page.locator("#quiz-outcome")).to_contain_text(SCORE)
    expect(page.locator("#quiz-questions li")).to_have_count(len(questions))
    journey.shot("learner-quiz-result")


def test_hr_builds_a_module_from_a_policy_pdf_and_a_learner_takes_its_quiz(
    page: Page, browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    journey = Journey(page, artifacts, prefix="ai-")
    page.goto("/admin/")
    journey.sign_in(HR)
    _upload(journey)
    questions = _review(journey)
    _accept_and_publish(journey, questions)

    learner = new_context(browser, live_server)
    refused = csp_refusals(learner)
    try:
        journey.page = learner.new_page()
        _learner_takes_the_quiz(journey, questions)
    finally:
        learner.close()
    assert refused == [], "the Content-Security-Policy refused part of a learner's page"
