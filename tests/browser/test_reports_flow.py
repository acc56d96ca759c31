"""Can HR see who has not done the mandatory safety training, narrow it to a group and take the
list away as XLSX, and does a manager see their own group only, in a real browser? (issue 13,
Proof: "HR opens the compliance report, filters a group, exports XLSX; the test opens the file
with openpyxl and finds the overdue learner; the manager signs in and sees only their group")

The demo's Production floor (mentor, learner1 to learner3) has Workplace Safety Essentials assigned as
mandatory with a deadline that has passed for learner1, who has not completed it; learner4 is in
the Office group only. The demo manager of acme holds the report permissions for Production
floor. Every page visited is saved as ``tests/artifacts/reports-NN-<step>.png``.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from lms.demo.companies import ACME
from tests.browser.conftest import Journey, LiveServer

MANAGED_GROUP = "Production floor"
MODULE = "Workplace Safety Essentials"
OVERDUE = ACME.user_names["learner1"]
OFFICE_ONLY = ACME.user_names["learner4"]


def _hr_exports_the_compliance_report_of_a_group(journey: Journey, downloads: Path) -> str:
    """HR's path; the Office group's id, for the manager's refused look at it."""
    page = journey.page
    journey.sign_in(f"hr@{ACME.slug}.test")
    desk = page.locator(".lms-desk")
    expect(desk.get_by_text("Overdue learners")).to_be_visible()
    journey.shot("hr-desk")

    journey.admin_menu("Reports", "Compliance")
    expect(page.get_by_role("heading", name="Compliance", level=1)).to_be_visible()
    expect(page.locator("table").filter(has_text=MODULE).first).to_be_visible()
    journey.shot("compliance")

    office = page.locator("#compliance-group option").filter(has_text="Office").get_attribute("value")
    page.locator("#compliance-group").select_option(label=MANAGED_GROUP)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#compliance-group")).to_have_value(
        page.locator("#compliance-group option").filter(has_text=MANAGED_GROUP).get_attribute("value") or ""
    )
    journey.shot("compliance-production-floor")

    with page.expect_download() as download:
        page.locator(".lms-exports").get_by_role("link", name="XLSX").click()
    saved = downloads / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("acme")
    assert saved.suffix == ".xlsx"
    sheet = load_workbook(saved, read_only=True).active
    rows = [[str(cell) if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    overdue = [row for row in rows if OVERDUE in row and MODULE in row]
    assert overdue, f"{OVERDUE} is not in the export: {rows[:5]}"
    assert "Never completed" in overdue[0]
    assert all(OFFICE_ONLY not in row for row in rows), "the export holds someone outside the group filtered to"
    assert office is not None
    return office


def _manager_sees_their_group_only(journey: Journey, server: LiveServer, office: str) -> None:
    page = journey.page
    journey.sign_in(f"manager@{ACME.slug}.test")
    journey.admin_menu("Reports", "Progress")
    matrix = page.locator("table").filter(has_text="Learner").first
    expect(matrix.get_by_role("link", name=OVERDUE)).to_be_visible()
    expect(matrix.get_by_text(OFFICE_ONLY)).to_have_count(0)
    expect(page.locator("#f-group option").filter(has_text="Office")).to_have_count(0)
    journey.shot("manager-progress")

    refused = page.goto(f"{server.url}/admin/reports/compliance/?group={office}")
    assert refused is not None
    assert refused.status == 403
    journey.shot("manager-refused-other-group")


def test_hr_exports_a_groups_compliance_and_a_manager_sees_only_their_group(
    page: Page, live_server: LiveServer, artifacts: Path, tmp_path: Path
) -> None:
    journey = Journey(page, artifacts, prefix="reports-")
    page.goto(f"{live_server.url}/admin/")
    office = _hr_exports_the_compliance_report_of_a_group(journey, tmp_path)
    journey.sign_out()
    page.goto(f"{live_server.url}/admin/")
    _manager_sees_their_group_only(journey, live_server, office)
