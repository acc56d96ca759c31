"""Can HR author a module, assign it to a group with a deadline, and a learner of that group
find it with its due date and complete it, all in a real browser? (issue 5, item 10)

Every page visited is saved as a full-page screenshot under ``tests/artifacts/``, named by
step, so a failure (or a review of the screens) can be looked at afterwards.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from babel.dates import format_date
from playwright.sync_api import Page, expect

from tests.browser.conftest import Journey

HR = "hr@acme.test"
LEARNER = "learner2@acme.test"
MODULE = "Ladder Safety in the Warehouse"
GROUP = "Warehouse night shift"
SECTIONS = (
    ("Choosing the right ladder", "<h3>Before you climb</h3><p>Check the <strong>rated load</strong>.</p>"),
    ("Three points of contact", "<p>Two hands and a foot, or two feet and a hand, on the ladder.</p>"),
)
DEADLINE_DAYS = 14


def _due_dates() -> set[str]:
    """The due date as the dashboard prints it (acme is English, in UTC); both sides of a midnight."""
    now = datetime.now(UTC)
    return {
        format_date(moment + timedelta(days=DEADLINE_DAYS), "medium", locale="en")
        for moment in (now - timedelta(minutes=5), now + timedelta(minutes=5))
    }


def _hr_creates_and_publishes_the_module(journey: Journey) -> None:
    page = journey.page
    journey.admin_menu("Content", "Modules")
    journey.shot("modules")
    page.get_by_role("link", name="Create", exact=True).click()
    page.get_by_label("Title").fill(MODULE)
    journey.rich_text("<p>Picking, placing and climbing a ladder without a fall.</p>")
    journey.choose("difficulty", "Beginner")
    journey.shot("module-create")
    journey.save()
    journey.expect_flash("Record was successfully created.")
    journey.shot("module-created")

    page.get_by_role("row").filter(has_text=MODULE).get_by_title("Sections").click()
    expect(page.get_by_role("heading", name=f"Sections of “{MODULE}”")).to_be_visible()
    journey.shot("sections-empty")
    for title, html in SECTIONS:
        page.get_by_role("link", name="Add a section to this module").click()
        page.get_by_label("Title").fill(title)
        journey.choose("type", "Text")
        journey.rich_text(html)
        journey.shot("section-create")
        journey.save()
        journey.expect_flash("Record was successfully created.")
        expect(page.get_by_role("row").filter(has_text=MODULE).filter(has_text=title)).to_have_count(1)
        journey.shot("sections")
    expect(page.get_by_role("row").filter(has_text=MODULE)).to_have_count(len(SECTIONS))

    journey.admin_menu("Content", "Modules")
    row = page.get_by_role("row").filter(has_text=MODULE)
    expect(row).to_contain_text("Draft")
    journey.shot("modules-draft")
    row.get_by_title("Select record").check()
    page.once("dialog", lambda dialog: dialog.accept())
    journey.scripts_ready()
    page.get_by_role("button", name="With selected").click()
    page.get_by_role("link", name="Publish", exact=True).click()
    journey.expect_flash("1 module changed.")
    expect(page.get_by_role("row").filter(has_text=MODULE)).to_contain_text("Published")
    journey.shot("module-published")


def _hr_puts_the_learner_in_a_group_and_assigns_the_module(journey: Journey) -> None:
    page = journey.page
    journey.admin_menu("People", "Groups")
    journey.shot("groups-before")
    page.get_by_role("link", name="Create", exact=True).click()
    page.get_by_label("Name").fill(GROUP)
    page.get_by_label("Colour").fill("#1a7f37")
    page.get_by_label("Description").fill("Pickers and forklift drivers working nights.")
    journey.shot("group-create")
    journey.save()
    journey.expect_flash("Record was successfully created.")
    expect(page.get_by_role("row").filter(has_text=GROUP)).to_have_count(1)
    journey.shot("groups")

    journey.admin_menu("People", "Group members")
    journey.shot("group-members-before")
    page.get_by_role("link", name="Create", exact=True).click()
    journey.choose("group", GROUP)
    journey.choose("user", LEARNER, search="learner2")
    journey.shot("group-member-add")
    journey.save()
    journey.expect_flash("Record was successfully created.")
    expect(page.get_by_role("row").filter(has_text=GROUP).filter(has_text=LEARNER)).to_have_count(1)
    journey.shot("group-members")

    journey.admin_menu("Content", "Group assignments")
    journey.shot("assignments-before")
    page.get_by_role("link", name="Create", exact=True).click()
    journey.choose("group", GROUP)
    journey.choose("module", MODULE, search="Ladder")
    page.get_by_label("Deadline (days)").fill(str(DEADLINE_DAYS))
    page.get_by_label("Mandatory").check()
    journey.shot("assignment-create")
    journey.save()
    journey.expect_flash("Record was successfully created.")
    expect(page.get_by_role("row").filter(has_text=GROUP).filter(has_text=MODULE)).to_contain_text(str(DEADLINE_DAYS))
    journey.shot("assignments")


def _learner_completes_the_module(journey: Journey) -> None:
    page = journey.page
    card = page.locator("#assigned .lms-card").filter(has_text=MODULE)
    expect(card).to_have_count(1)
    due = card.locator(".lms-due").inner_text()
    assert due in {f"Due {date}" for date in _due_dates()}
    expect(card).to_contain_text("Mandatory")
    expect(card.locator(".lms-percent")).to_have_text("0 %")
    journey.shot("learner-dashboard")

    card.get_by_role("link", name=MODULE).click()
    expect(page.get_by_role("heading", name=MODULE, level=1)).to_be_visible()
    expect(page.locator("#module-progress")).to_have_text("0 % complete")
    for number, (title, html) in enumerate(SECTIONS, start=1):
        expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
        expect(page.locator(".lms-content")).to_have_text(re.sub("<[^>]+>", "", html))
        journey.shot(f"reader-section-{number}")
        page.locator("#complete-section").click()
        percent = round(100 * number / len(SECTIONS))
        expect(page.locator("#module-progress")).to_have_text(f"{percent} % complete")
    expect(page.locator("#section-done")).to_be_visible()
    journey.shot("reader-complete")

    page.get_by_role("link", name="My learning").click()
    # Done, it leaves "Assigned to me" for "Completed" (issue 14, item 7).
    expect(page.locator("#assigned .lms-card").filter(has_text=MODULE)).to_have_count(0)
    expect(page.locator("#completed .lms-card").filter(has_text=MODULE)).to_have_count(1)
    journey.shot("learner-dashboard-complete")


def test_hr_assigns_a_new_module_and_a_learner_of_the_group_completes_it(page: Page, artifacts: Path) -> None:
    journey = Journey(page, artifacts)
    page.goto("/admin/")
    journey.shot("login")
    journey.sign_in(HR)
    expect(page.get_by_role("heading", name=re.compile("Acme"))).to_be_visible()
    journey.shot("admin-home")

    _hr_creates_and_publishes_the_module(journey)
    _hr_puts_the_learner_in_a_group_and_assigns_the_module(journey)
    journey.sign_out()
    journey.shot("signed-out")

    journey.sign_in(LEARNER)
    _learner_completes_the_module(journey)
