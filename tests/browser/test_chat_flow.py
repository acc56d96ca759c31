"""Does a question asked in a module's chat reach a mentor without a reload, and does confirming
it raise the learner's XP, in two real browsers? (issue 15, item 1: the browser flow)

The learner and the confirmer sign in in two browser contexts (two people, two profiles).
The confirmer is acme's mentor, an EMPLOYEE who mentors "Welcome to Acme Manufacturing":
the room is that module's.
Screenshots: ``tests/artifacts/chat-NN-<step>.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Journey, LiveServer, csp_refusals, new_context

LEARNER = "learner4@acme.test"
MENTOR = "mentor@acme.test"
MODULE = "Welcome to Acme Manufacturing"
QUESTION = "Do I need gloves for the <b>lockout</b> step? See https://example.com/gloves"
XP = re.compile(r"^(\d+) XP$")


def _xp(journey: Journey) -> int:
    page = journey.page
    page.get_by_role("link", name="XP", exact=True).click()
    total = page.locator("#xp-total")
    expect(total).to_have_text(XP)
    match = XP.match(total.inner_text().strip())
    assert match is not None
    return int(match.group(1))


def test_learner_asks_mentor_sees_it_live_and_confirms(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    contexts = [new_context(browser, live_server) for _ in range(2)]
    refused = [csp_refusals(context) for context in contexts]
    try:
        learner = Journey(contexts[0].new_page(), artifacts, "chat-")
        mentor = Journey(contexts[1].new_page(), artifacts, "chat-mentor-")
        learner.page.goto("/login")
        learner.sign_in(LEARNER)
        before = _xp(learner)

        learner.page.get_by_role("link", name="Catalog", exact=True).click()
        learner.page.get_by_role("link", name=MODULE, exact=True).first.click()
        learner.page.get_by_role("link", name="Ask in the module's chat").click()
        room = learner.page.url
        expect(learner.page.locator("#chat")).to_be_visible()
        learner.shot("room")

        mentor.page.goto("/login")
        mentor.sign_in(MENTOR)
        mentor.page.goto(room)
        expect(mentor.page.locator("#chat")).to_be_visible()
        mentor.shot("room-before")

        learner.page.get_by_label("Message").fill(QUESTION)
        learner.page.get_by_role("button", name="Send").click()
        mine = learner.page.locator(".lms-chat-message").filter(has_text="Do I need gloves")
        expect(mine).to_have_count(1)
        expect(mine.locator("a[rel='noopener nofollow']")).to_have_attribute("href", "https://example.com/gloves")
        learner.shot("asked")

        # The mentor's page was not reloaded: the poll brings the question.
        question = mentor.page.locator(".lms-chat-message").filter(has_text="Do I need gloves")
        expect(question).to_have_count(1, timeout=15_000)
        expect(question).to_contain_text("<b>lockout</b>")
        mentor.shot("question-arrived")
        question.get_by_role("button", name="Confirm as the answer").click()
        expect(mentor.page.locator(".lms-chat-confirmed").filter(has_text="Do I need gloves")).to_have_count(1)
        mentor.shot("confirmed")

        confirmed = learner.page.locator(".lms-chat-confirmed").filter(has_text="Do I need gloves")
        expect(confirmed).to_contain_text("Confirmed answer", timeout=15_000)
        learner.shot("confirmed")
        assert _xp(learner) == before + 30
        learner.shot("xp")
    finally:
        for context in contexts:
            context.close()
    assert refused == [[], []], "the Content-Security-Policy refused part of a page"
