"""Can platform staff, and only they, run the companies and the platform changelog?"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import ChangelogEntry, Tenant
from lms.models.enums import AuditAction, Role, TenantPlan
from tests.admin_views.conftest import Companies
from tests.factories import make_module, make_user, sign_in

Rows = Callable[..., list[Any]]
Audit = Callable[..., list[tuple[str, str | None, dict[str, Any]]]]
PAGES = ("/admin/tenants/", "/admin/tenants/new/", "/admin/changelog/", "/admin/changelog/new/")


@pytest.fixture
def staff(app: Flask, companies: Companies) -> FlaskClient:
    """Petra, a global OWNER of the platform, with acme chosen as her current company."""
    client = app.test_client()
    with app.app_context():
        petra = make_user("petra@mojster.test", name="Petra Platform")
        petra.role = Role.OWNER
        db.session.flush()
        sign_in(client, petra, db.session.get(Tenant, companies.acme_id))
        db.session.commit()
    return client


def _tenant(**changes: str) -> dict[str, str]:
    form = {"slug": "initech", "name": "Initech", "plan": "STARTER", "locale": "en", "theme": "DEFAULT"}
    return {**form, "timezone": "Europe/Ljubljana", "is_active": "y", **changes}


@pytest.mark.parametrize("url", PAGES)
def test_a_company_owner_who_is_not_platform_staff_is_refused(client_as: Callable[..., FlaskClient], url: str) -> None:
    assert client_as("owner").get(url).status_code == 403


def test_a_company_owner_cannot_create_a_company(client_as: Callable[..., FlaskClient], rows: Rows) -> None:
    response = client_as("owner").post("/admin/tenants/new/", data=_tenant())

    assert response.status_code == 403
    assert rows(None, sa.select(Tenant.id).where(Tenant.slug == "initech")) == []


@pytest.mark.parametrize("url", PAGES)
def test_platform_staff_open_the_platform_screens(staff: FlaskClient, url: str) -> None:
    assert staff.get(url).status_code == 200


def test_the_platform_list_shows_every_company(staff: FlaskClient) -> None:
    page = staff.get("/admin/tenants/").text

    assert "acme" in page
    assert "globex" in page


def test_staff_create_a_company_as_a_platform_event(
    staff: FlaskClient, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    response = staff.post("/admin/tenants/new/", data=_tenant())

    assert response.status_code == 302
    ((tenant_id, plan, timezone),) = rows(
        None, sa.select(Tenant.id, Tenant.plan, Tenant.timezone).where(Tenant.slug == "initech")
    )
    assert (plan, timezone) == (TenantPlan.STARTER, "Europe/Ljubljana")
    ((entity, entity_id, details),) = audit_rows(None, AuditAction.TENANT_CREATED)
    assert (entity, entity_id) == ("tenant", str(tenant_id))
    assert details["changes"]["slug"] == "initech"
    assert audit_rows(companies.acme_id, AuditAction.TENANT_CREATED) == [], "not in acme's own log"


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("acme", "Already exists."),
        ("Initech Ltd", "Use lowercase letters, digits and dashes"),
        ("-initech", "Use lowercase letters, digits and dashes"),
    ],
)
def test_a_slug_must_be_unique_and_well_formed(staff: FlaskClient, rows: Rows, slug: str, message: str) -> None:
    before = rows(None, sa.select(sa.func.count(Tenant.id)))

    response = staff.post("/admin/tenants/new/", data=_tenant(slug=slug))

    assert response.status_code == 200
    assert message in response.text
    assert rows(None, sa.select(sa.func.count(Tenant.id))) == before


def test_staff_change_a_companys_plan_with_an_audit(
    staff: FlaskClient, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    response = staff.post(
        f"/admin/tenants/edit/?id={companies.globex_id}",
        data=_tenant(slug="globex", name="Globex", plan="FREE", locale="sl"),
    )

    assert response.status_code == 302
    assert rows(None, sa.select(Tenant.plan).where(Tenant.id == companies.globex_id)) == [(TenantPlan.FREE,)]
    ((_, entity_id, details),) = audit_rows(None, AuditAction.TENANT_UPDATED)
    assert entity_id == str(companies.globex_id)
    assert details["changes"]["plan"] == "FREE"


def test_a_downgrade_below_the_companys_usage_is_a_form_error(
    app: Flask, staff: FlaskClient, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    with app.app_context():
        globex = db.session.get(Tenant, companies.globex_id)
        for index in range(11):
            make_module(globex, f"Module {index}", sections=0)
        db.session.commit()

    response = staff.post(
        f"/admin/tenants/edit/?id={companies.globex_id}", data=_tenant(slug="globex", name="Globex", plan="FREE")
    )

    assert response.status_code == 200
    assert "The FREE plan allows 10 modules; this company has more." in response.text
    assert rows(None, sa.select(Tenant.plan).where(Tenant.id == companies.globex_id)) == [(TenantPlan.PRO,)]
    assert audit_rows(None, AuditAction.TENANT_UPDATED) == []


def test_companies_are_not_deleted(staff: FlaskClient, companies: Companies, rows: Rows) -> None:
    response = staff.post("/admin/tenants/delete/", data={"id": companies.globex_id})

    assert response.status_code == 403
    assert rows(None, sa.select(Tenant.slug).where(Tenant.id == companies.globex_id)) == [("globex",)]


def test_the_changelog_is_written_read_and_removed_with_an_audit(
    staff: FlaskClient, rows: Rows, audit_rows: Audit
) -> None:
    created = staff.post(
        "/admin/changelog/new/",
        data={"version": "2026.3", "title": "Faster quizzes", "summary": "Quizzes open at once.", "body": ""},
    )
    ((entry_id,),) = rows(None, sa.select(ChangelogEntry.id).where(ChangelogEntry.version == "2026.3"))
    listed = staff.get("/admin/changelog/")
    deleted = staff.post("/admin/changelog/delete/", data={"id": entry_id})

    assert created.status_code == 302
    assert "Faster quizzes" in listed.text
    assert deleted.status_code == 302
    assert rows(None, sa.select(ChangelogEntry.id)) == []
    assert [entity for entity, _, _ in audit_rows(None, AuditAction.RECORD_CREATED)] == ["changelog_entry"]
    assert [entity for entity, _, _ in audit_rows(None, AuditAction.RECORD_DELETED)] == ["changelog_entry"]


def _entry(title: str, **published: str) -> dict[str, str]:
    return {"version": "2026.4", "title": title, "summary": f"{title}, in short.", "body": "", **published}


def test_a_changelog_entry_published_in_the_admin_shows_on_updates(
    staff: FlaskClient, client_as: Callable[..., FlaskClient]
) -> None:
    form = staff.get("/admin/changelog/new/").text
    published = staff.post("/admin/changelog/new/", data=_entry("Badges arrive", published_at="y"))
    draft = staff.post("/admin/changelog/new/", data=_entry("Secret plans"))

    updates = client_as("employee").get("/updates").text

    (checkbox,) = re.findall(r'<input[^>]*name="published_at"[^>]*>', form)
    assert "checked" in checkbox, "published unless staff say otherwise"
    assert (published.status_code, draft.status_code) == (302, 302)
    assert "Badges arrive" in updates
    assert "Secret plans" not in updates


def test_an_entry_keeps_its_publication_time_until_taken_back_to_a_draft(staff: FlaskClient, rows: Rows) -> None:
    staff.post("/admin/changelog/new/", data=_entry("Badges arrive", published_at="y"))
    ((entry_id, first),) = rows(None, sa.select(ChangelogEntry.id, ChangelogEntry.published_at))

    staff.post(f"/admin/changelog/edit/?id={entry_id}", data=_entry("Badges are here", published_at="y"))
    kept = rows(None, sa.select(ChangelogEntry.published_at))
    staff.post(f"/admin/changelog/edit/?id={entry_id}", data=_entry("Badges are here"))
    withdrawn = rows(None, sa.select(ChangelogEntry.published_at))

    assert first is not None
    assert kept == [(first,)]
    assert withdrawn == [(None,)]
