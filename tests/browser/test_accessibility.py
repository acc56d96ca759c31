"""Do the learner pages and the main admin screens pass axe-core, fit a 390 px phone, and work
by keyboard? (issue 14, items 7 and 9)

axe-core comes bundled in ``axe-playwright-python``; a page fails on any violation axe rates
serious or critical. Every learner page of the app's URL map is visited: the discovery test
fails when a page is added without a way here to open it. Each page is also opened 390 px
wide, where nothing may stick out sideways (``scrollWidth <= 390``); screenshots of both go
to ``tests/artifacts/a11y-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import Journey

LEARNER = "learner4@acme.test"
QUIZ_TAKER = "learner2@acme.test"
VIEWER = "viewer@acme.test"
HR = "hr@acme.test"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SERIOUS = {"serious", "critical"}


def _links(page: Page, start: str, pattern: str) -> list[str]:
    """The links of the page at ``start`` whose address matches ``pattern``, in page order."""
    page.goto(start)
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    return [href for href in dict.fromkeys(hrefs) if re.fullmatch(pattern, href)]


def _first_link(page: Page, start: str, pattern: str) -> str:
    links = _links(page, start, pattern)
    assert links, f"no link like {pattern} on {start}"
    return links[0]


def _quiz_url(page: Page) -> str:
    """The quiz of the first module in the catalog that has one open to this learner."""
    for module in _links(page, "/modules", r"/modules/\d+"):
        quizzes = _links(page, module, r"/modules/\d+/quiz")
        if quizzes:
            return quizzes[0]
    raise AssertionError("no module of the catalog has a quiz open to this learner")


# How to reach each learner page: a path, or a function finding it from the pages that link to it.
LEARNER_PAGES: dict[str, str | Callable[[Page], str]] = {
    "learner.home": "/",
    "learner.module_list": "/modules",
    "learner.module_page": lambda page: _first_link(page, "/modules", r"/modules/\d+"),
    "learner.quiz_page": _quiz_url,
    "learner.certificates_page": "/certificates",
    "learner.notifications_page": "/notifications",
    "learner.updates": "/updates",
    "learner.xp_page": "/xp",
    "learner.leaderboard_page": "/leaderboard",
    "learner.rewards_page": "/rewards",
    "learner.redeem_confirm": lambda page: _first_link(page, "/rewards", r"/rewards/\d+/redeem"),
    "learner.my_redemptions": "/rewards/mine",
    "learner.suggestions_page": "/suggestions",
    "learner.suggestion_page": lambda page: _first_link(page, "/suggestions", r"/suggestions/\d+"),
    "learner.chat_room": "/chat",
    "learner.module_chat_room": lambda page: _first_link(page, "/modules", r"/modules/\d+") + "/chat",
    "learner.radar_page": "/radar",
    "learner.radar_saved": "/radar/saved",
    "learner.events_page": "/events",
    "learner.settings_page": "/settings",
}
# Checked in the quiz's own flow below (it needs an attempt), or not a page at all (files).
OTHER_LEARNER_ROUTES = {
    "learner.quiz_result",
    "learner.attachment",
    "learner.certificate_pdf",
    "learner.cover",
    "learner.content_image",
    "learner.reward_image",
    "learner.chat_messages",  # JSON the chat pages poll
    "learner.module_chat_messages",
    "learner.event_calendar_file",  # .ics downloads
    "learner.section_video",  # an uploaded video's bytes and its still, played on the module page
    "learner.section_poster",
}
ADMIN_PAGES: dict[str, str | Callable[[Page], str]] = {
    "admin-home": "/admin/",
    "modules": "/admin/modules/",
    "module-edit": lambda page: _first_link(page, "/admin/modules/", r"/admin/modules/edit/\?id=\d+.*"),
    "users": "/admin/memberships/",
    "reports": "/admin/reports/progress/",
}


def _targets(violation: dict) -> list[str]:
    return [node["target"] for node in violation["nodes"][:3]]


def _serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}) on {_targets(violation)}"
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


def _too_wide(page: Page) -> str | None:
    width = page.evaluate("document.documentElement.scrollWidth")
    return f"{page.url}: {width} px wide at 390 px" if width > PHONE["width"] else None


def _check(page: Page, journey: Journey, name: str, target: str | Callable[[Page], str]) -> list[str]:
    """axe at desktop width, then the width check at 390 px; each with a screenshot."""
    url = target if isinstance(target, str) else target(page)
    page.set_viewport_size(DESKTOP)
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, f"{url}: {response.status}"
    failures = _serious_violations(page)
    journey.shot(name)
    page.set_viewport_size(PHONE)
    page.reload()
    failures += _serious_violations(page)
    failures += filter(None, [_too_wide(page)])
    journey.shot(f"{name}-390")
    return failures


def test_every_learner_page_is_checked(app: Flask) -> None:
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("learner.") and "GET" in rule.methods
    }
    assert pages - set(LEARNER_PAGES) - OTHER_LEARNER_ROUTES == set(), "add the new page to LEARNER_PAGES"


def test_learner_pages_pass_axe_and_fit_a_phone(page: Page, artifacts: Path) -> None:
    journey = Journey(page, artifacts, prefix="a11y-learner-")
    page.goto("/login")
    journey.sign_in(LEARNER)
    failures: list[str] = []
    for endpoint, target in LEARNER_PAGES.items():
        failures += _check(page, journey, endpoint.removeprefix("learner."), target)
    assert not failures, "\n".join(failures)


def test_main_admin_screens_pass_axe(page: Page, artifacts: Path) -> None:
    journey = Journey(page, artifacts, prefix="a11y-admin-")
    page.goto("/login")
    journey.sign_in(HR)
    failures: list[str] = []
    for name, target in ADMIN_PAGES.items():
        url = target if isinstance(target, str) else target(page)
        response = page.goto(url)
        assert response is not None
        assert response.status == 200, f"{url}: {response.status}"
        failures += _serious_violations(page)
        journey.shot(name)
    assert not failures, "\n".join(failures)


def test_a_viewer_has_no_xp_page_and_no_redeem_button(page: Page, artifacts: Path) -> None:
    journey = Journey(page, artifacts, prefix="a11y-viewer-")
    page.goto("/login")
    journey.sign_in(VIEWER)
    expect(page.locator("#lms-nav").get_by_role("link", name="XP", exact=True)).to_have_count(0)
    page.goto("/rewards")
    expect(page.get_by_role("link", name="Redeem")).to_have_count(0)
    response = page.goto("/xp")
    assert response is not None
    assert response.status == 403
    journey.shot("xp-refused")


def test_the_reader_works_by_keyboard(page: Page, artifacts: Path) -> None:
    """Tab to "Mark as complete" and press Enter: the section is done, and the focus ring shows."""
    journey = Journey(page, artifacts, prefix="a11y-keyboard-")
    page.goto("/login")
    journey.sign_in("learner3@acme.test")
    for module in _links(page, "/modules?status=not_started", r"/modules/\d+"):
        page.goto(module)
        if page.locator("#complete-section").count():
            break
    else:
        raise AssertionError("the learner has no open module with a section to do")
    done = page.locator(".list-group [aria-label='Completed']")
    before = done.count()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "complete-section":
            break
    else:
        raise AssertionError("Tab never reached 'Mark as complete'")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused button shows no focus ring"
    journey.shot("focus-on-complete")
    page.keyboard.press("Enter")
    expect(done).to_have_count(before + 1)
    journey.shot("section-completed")


def _tab_to(page: Page, found: str, limit: int = 80) -> None:
    """Press Tab until ``found`` (a JavaScript test of ``document.activeElement`` as ``el``) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => Boolean({found}))(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {found}")


def test_a_quiz_is_taken_by_keyboard_and_its_pages_pass_axe(page: Page, artifacts: Path) -> None:
    """Tab to "Start the quiz" and press Enter; in each question Tab into its options, choose with
    Space (and the arrow keys among radio buttons), Tab on to "Submit answers" and press Enter: the
    result shows. The attempt and the result pass axe; every focused control shows its focus ring."""
    journey = Journey(page, artifacts, prefix="a11y-quiz-")
    page.goto("/login")
    # Not learner4: the browser tests share one database, and the certificate flow counts on her
    # first attempt at Information Security Basics.
    journey.sign_in(QUIZ_TAKER)
    for module in _links(page, "/modules", r"/modules/\d+"):
        quizzes = _links(page, module, r"/modules/\d+/quiz")
        if quizzes:
            page.goto(quizzes[0])
            if page.locator("#start-quiz").count():
                break
    else:
        raise AssertionError("the learner has no quiz to start")

    _tab_to(page, "el.id === 'start-quiz'")
    page.keyboard.press("Enter")
    expect(page.locator("#quiz-form")).to_be_visible()
    failures = _serious_violations(page)
    journey.shot("attempt")

    questions = page.locator("#quiz-form fieldset")
    for index in range(questions.count()):
        fieldset = questions.nth(index)
        name = fieldset.locator("input").first.get_attribute("name")
        _tab_to(page, f"el.name === {name!r}")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", f"the focused option of question {index + 1} shows no focus ring"
        page.keyboard.press("Space")
        if page.evaluate("document.activeElement.type") == "radio" and fieldset.locator("input").count() > 1:
            page.keyboard.press("ArrowDown")
        expect(fieldset.locator("input:checked")).not_to_have_count(0)
    journey.shot("answered")

    _tab_to(page, "el.id === 'submit-quiz'")
    page.keyboard.press("Enter")
    expect(page.locator("#quiz-outcome")).to_be_visible()
    failures += _serious_violations(page)
    journey.shot("result")
    assert not failures, "\n".join(failures)
