"""Do pages still work under their Content-Security-Policy, and does it stop injected script,
in a real browser? (issue 10: security headers)

The ``page`` fixture already fails any test whose pages the policy refused something on;
here the one script of the learner pages (the quiz countdown) is seen running, and a
script injected into a page is seen refused.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Journey, LiveServer, csp_refusals, new_context

LEARNER = "learner5@acme.test"  # Marcus Green: no other browser test takes his quizzes
TIMED_MODULE = "Workplace Safety Essentials"  # its quiz has a 10-minute limit
INJECT = """() => {
    const script = document.createElement("script");
    script.textContent = "window.injected = true";
    document.head.appendChild(script);
    return window.injected === true;
}"""


def test_the_quiz_countdown_runs_under_the_pages_policy(page: Page, artifacts: Path) -> None:
    journey = Journey(page, artifacts, prefix="csp-")
    page.goto("/")
    journey.sign_in(LEARNER)
    page.goto("/modules")
    page.get_by_role("link", name=TIMED_MODULE).first.click()
    page.get_by_role("link", name="Take the quiz").click()
    page.get_by_role("button", name="Start the quiz").click()

    countdown = page.locator("#quiz-countdown-value")
    expect(countdown).to_have_text(re.compile(r"^9:[0-5]\d$"), timeout=5_000)
    shown = countdown.text_content() or ""
    expect(countdown).not_to_have_text(shown, timeout=5_000)
    journey.shot("quiz-countdown")


def test_a_script_injected_into_a_page_is_refused(browser: Browser, live_server: LiveServer) -> None:
    context = new_context(browser, live_server)
    refused = csp_refusals(context)
    try:
        page = context.new_page()
        response = page.goto("/login")
        assert response is not None
        assert "script-src 'self';" in response.headers["content-security-policy"]

        ran = page.evaluate(INJECT)

        assert ran is False
        expect(page.get_by_role("heading", name="Sign in to Mojster")).to_be_visible()
        assert any("inline script" in message for message in refused), refused
    finally:
        context.close()
