"""Can HR put a reward in the catalog, a learner redeem it, and HR approve it, in a real browser?
(issue 7, item 9: "HR creates a reward → learner redeems it → HR approves → learner sees APPROVED
and the lower balance")

The learner is a demo learner of acme with XP to spare (``lms.demo.rewards`` leaves her a
balance); the reward costs less than that and needs approval. Every page visited is saved as a
full-page screenshot ``tests/artifacts/reward-NN-<step>.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Journey

HR = "hr@acme.test"
LEARNER = "learner3@acme.test"  # no other browser test spends or earns her XP
REWARD = "Afternoon at the climbing gym"
DESCRIPTION = "A two-hour session with gear, on the company."
COST = 75
XP = re.compile(r"^(\d+) XP$")


def _balance(journey: Journey) -> int:
    """The learner's balance as /xp shows it."""
    page = journey.page
    page.get_by_role("link", name="XP", exact=True).click()
    total = page.locator("#xp-total")
    expect(total).to_have_text(XP)
    match = XP.match(total.inner_text().strip())
    assert match is not None
    return int(match.group(1))


def _status(journey: Journey) -> Locator:
    """On /rewards/mine: the new redemption's row."""
    return journey.page.locator("#redemptions").get_by_role("row").filter(has_text=REWARD)


def _hr_creates_the_reward(journey: Journey) -> None:
    page = journey.page
    journey.admin_menu("Gamification", "Reward catalog")
    expect(page.get_by_role("row").filter(has_text=REWARD)).to_have_count(0)
    journey.shot("catalog")
    page.get_by_role("link", name="Create", exact=True).click()
    page.get_by_label("Title").fill(REWARD)
    journey.rich_text(f"<p>{DESCRIPTION}</p>")
    page.get_by_label("Cost (XP)").fill(str(COST))
    page.get_by_label("Approval required").check()
    page.get_by_label("Active").check()
    journey.shot("reward-create")
    journey.save()
    journey.expect_flash("Record was successfully created.")
    expect(page.get_by_role("row").filter(has_text=REWARD)).to_contain_text(str(COST))
    journey.shot("reward-created")


def _learner_redeems_it(journey: Journey) -> None:
    page = journey.page
    page.get_by_role("link", name="Rewards", exact=True).click()
    expect(page.get_by_role("heading", name="Rewards", level=1)).to_be_visible()
    card = page.locator("#rewards .lms-reward").filter(has=page.get_by_role("heading", name=REWARD))
    expect(card).to_contain_text(f"{COST} XP")
    expect(card).to_contain_text("Needs approval")
    journey.shot("rewards")

    card.get_by_role("link", name="Redeem").click()
    expect(page.get_by_role("heading", name=f"Redeem {REWARD}", level=1)).to_be_visible()
    expect(page.locator("#redeem-cost")).to_have_text(f"Cost: {COST} XP")
    journey.shot("redeem-confirm")
    page.get_by_role("button", name=f"Yes, redeem for {COST} XP").click()

    journey.expect_flash("Redeemed. HR will review your request")
    expect(page.get_by_role("heading", name="My redemptions", level=1)).to_be_visible()
    row = _status(journey)
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("Waiting for approval")
    journey.shot("mine-pending")


def _hr_approves_it(journey: Journey) -> None:
    page = journey.page
    journey.admin_menu("Gamification", "Redemptions")
    row = page.get_by_role("row").filter(has_text=REWARD)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(LEARNER)
    journey.shot("queue")
    row.get_by_title("Approve or reject").click()
    expect(page.get_by_role("heading", name=f"Redemption of {REWARD}")).to_be_visible()
    journey.shot("review")
    page.get_by_role("button", name="Approve", exact=True).click()
    journey.expect_flash("The redemption is Approved.")
    expect(page.get_by_role("row").filter(has_text=REWARD)).to_contain_text("Approved")
    journey.shot("queue-approved")


def test_hr_creates_a_reward_a_learner_redeems_it_and_hr_approves(page: Page, artifacts: Path) -> None:
    journey = Journey(page, artifacts, prefix="reward-")
    page.goto("/admin/")
    journey.sign_in(HR)
    _hr_creates_the_reward(journey)
    journey.sign_out()

    journey.sign_in(LEARNER)
    before = _balance(journey)
    assert before >= COST, f"{LEARNER} has {before} XP, too few for a {COST} XP reward"
    journey.shot("xp-before")
    _learner_redeems_it(journey)
    expect(page.locator("#rewards-balance")).to_have_text(f"Your balance: {before - COST} XP")
    journey.sign_out()

    journey.sign_in(HR)
    page.goto("/admin/")
    _hr_approves_it(journey)
    journey.sign_out()

    journey.sign_in(LEARNER)
    page.get_by_role("link", name="Rewards", exact=True).click()
    page.get_by_role("link", name="My redemptions").click()
    expect(_status(journey).locator(".badge")).to_have_text("Approved")
    journey.shot("mine-approved")
    assert _balance(journey) == before - COST
    expect(page.locator("#xp-total")).to_have_text(f"{before - COST} XP")
    journey.shot("xp-after")
