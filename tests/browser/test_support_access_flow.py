"""Can platform staff enter a company from the company list, see that they are inside on every
page, and leave, in a real browser? (issue 14, item 6)

The demo's platform owner belongs to no company. Every page visited is saved as a full-page
screenshot ``tests/artifacts/support-NN-<step>.png``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import Journey

STAFF = "root@mojster.test"
COMPANY = "Acme Manufacturing"


def test_staff_enter_a_company_work_under_a_banner_and_leave(page: Page, artifacts: Path) -> None:
    journey = Journey(page, artifacts, "support-")
    page.goto("/login")
    journey.sign_in(STAFF)
    page.get_by_role("link", name="Open the platform screens").click()
    journey.admin_menu("Platform", "Companies")
    row = page.get_by_role("row").filter(has_text=COMPANY)
    journey.shot("companies")

    row.get_by_role("link", name="Enter company").click()
    expect(page.get_by_role("heading", name=f"Enter {COMPANY}")).to_be_visible()
    page.get_by_label("Reason").fill("Ticket 4711: certificates not arriving")
    journey.shot("enter-form")
    page.get_by_role("button", name="Enter company").click()

    banner = page.locator("#support-banner")
    expect(banner).to_contain_text(f"you are in {COMPANY} as platform staff")
    journey.expect_flash(f"You are in {COMPANY} as platform support.")
    journey.shot("inside-admin")
    journey.admin_menu("People", "Audit log")
    expect(page.get_by_role("row").filter(has_text="Ticket 4711")).to_contain_text("Support access")
    journey.shot("audit-log")
    page.get_by_role("link", name="Learning", exact=True).click()
    expect(page.locator("#support-banner")).to_be_visible()
    journey.shot("inside-learner")

    page.locator("#support-banner").get_by_role("button", name=f"Leave {COMPANY}").click()
    journey.expect_flash(f"You left {COMPANY}.")
    expect(page.locator("#support-banner")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text=COMPANY)).to_be_visible()
    journey.shot("left")
