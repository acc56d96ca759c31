"""Does the audit screen read as people write, name what ids stand for, and say how far its
hash chain is verified? (issue 13, item 7)"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import AuditLog, Group, Tenant
from lms.models.enums import AuditAction
from lms.services.audit import audit
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import make_group

Client = Callable[..., FlaskClient]
Rows = Callable[..., list[Any]]


def _table(page: str) -> str:
    """The list's table, its whitespace folded to single spaces."""
    return re.sub(r"\s+", " ", page[page.index("model-list") : page.index("</table>", page.index("model-list"))])


def _groups(app: Flask, companies: Companies) -> tuple[int, int, int]:
    with app.app_context():
        acme = db.session.get(Tenant, companies.acme_id)
        globex = db.session.get(Tenant, companies.globex_id)
        warehouse = make_group(acme, "Warehouse", [])
        office = make_group(acme, "Office", [])
        theirs = make_group(globex, "Globex secret team", [])
        ids = (warehouse.id, office.id, theirs.id)
        db.session.commit()
    return ids


def test_an_edit_reads_field_old_to_new_with_labels(app: Flask, client_as: Client, companies: Companies) -> None:
    warehouse, _, _ = _groups(app, companies)
    client = client_as("owner")

    edited = client.post(
        f"/admin/groups/edit/?id={warehouse}", data={"name": "Stores", "color": "#1a7f37", "description": ""}
    )
    table = _table(client.get("/admin/audit_log/").text)

    assert edited.status_code == 302
    assert '<td class="col-action"> Group changed </td>' in table
    assert "GROUP_UPDATED" not in table
    assert "Name: Warehouse → Stores" in table
    assert "{" not in table, "no raw JSON"


def test_ids_in_details_read_as_names_and_values_as_words(app: Flask, client_as: Client, companies: Companies) -> None:
    warehouse, office, theirs = _groups(app, companies)
    ana = companies.user_ids["employee"]
    with app.app_context(), tenant_context(companies.acme_id):
        audit(
            AuditAction.MODULE_ASSIGNED,
            entity_type="module_group",
            entity_id="7",
            changes={"group_id": office, "is_mandatory": True, "deadline_days": 14},
            previous={"group_id": office, "is_mandatory": False, "deadline_days": 7},
        )
        audit(
            AuditAction.PERMISSION_GRANTED,
            entity_type="user_permission",
            entity_id="3",
            user="ana@acme.test",
            permission="VIEW_GROUP_PROGRESS",
            scope={"group_ids": [warehouse, theirs]},
        )
        audit(AuditAction.USER_ROLE_CHANGED, entity_type="user", entity_id=str(ana), previous="HR", role="ADMIN")
        db.session.commit()

    page = _table(client_as("owner").get("/admin/audit_log/").text)

    assert "Group: Office → Office" in page
    assert "Mandatory: No → Yes" in page
    assert "Days to finish: 7 → 14" in page
    assert "Permission: View group progress" in page
    assert "Groups: Warehouse, #" in page, "another company's group is not named"
    assert "Globex secret team" not in page
    assert "Previous role: HR" in page
    assert "Role: Administrator" in page
    assert '<td class="col-entity_id"> Ana </td>' in page, "the record a row is about, by name"
    assert "VIEW_GROUP_PROGRESS" not in page


def test_the_page_looks_names_up_once_per_kind_not_per_row(
    app: Flask, client_as: Client, companies: Companies, count_queries: list[str]
) -> None:
    warehouse, office, _ = _groups(app, companies)
    client = client_as("owner")

    def log(entries: int) -> int:
        with app.app_context(), tenant_context(companies.acme_id):
            for _ in range(entries):
                audit(
                    AuditAction.GROUP_MEMBER_ADDED,
                    entity_type="user_group",
                    entity_id="1",
                    user_id=companies.user_ids["employee"],
                    group_id=office,
                    changes={"group_id": warehouse},
                )
            db.session.commit()
        count_queries.clear()
        assert client.get("/admin/audit_log/").status_code == 200
        return len(count_queries)

    log(1)  # the first visit sets the chain's checkpoint
    assert log(2) == log(20)


def test_the_screen_says_the_chain_is_verified_up_to_the_newest_entry(
    app: Flask, client_as: Client, companies: Companies
) -> None:
    _groups(app, companies)
    with app.app_context(), tenant_context(companies.acme_id):
        for n in range(3):
            audit(AuditAction.RECORD_UPDATED, entity_type="tag", entity_id=str(n))
        db.session.commit()

    page = client_as("owner").get("/admin/audit_log/").text

    assert 'id="audit-chain"' in page
    assert "Chain verified up to" in page
    assert "(3 entries)" in page


def test_the_screen_shows_a_broken_chain_in_red(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    with app.app_context(), tenant_context(companies.acme_id):
        audit(AuditAction.RECORD_UPDATED, entity_type="tag", entity_id="1", note="first")
        db.session.commit()
    client = client_as("owner")
    assert "Chain verified up to" in client.get("/admin/audit_log/").text
    with app.app_context(), tenant_context(companies.acme_id):
        audit(AuditAction.RECORD_UPDATED, entity_type="tag", entity_id="2", note="second")
        db.session.commit()
        newest = db.session.scalar(sa.select(sa.func.max(AuditLog.id)))
        db.session.execute(sa.text("UPDATE audit_log SET entity_id = '99' WHERE id = :id"), {"id": newest})
        db.session.commit()

    page = client.get("/admin/audit_log/").text

    assert 'class="alert alert-danger" id="audit-chain"' in page
    assert "Chain broken at the entry of" in page
    assert rows(companies.globex_id, sa.select(Group.id)) == [], "nothing else was touched"


def test_the_export_reads_as_the_screen(app: Flask, client_as: Client, companies: Companies) -> None:
    _, office, _ = _groups(app, companies)
    with app.app_context(), tenant_context(companies.acme_id):
        audit(
            AuditAction.GROUP_UPDATED,
            entity_type="group",
            entity_id=str(office),
            changes={"name": "Office"},
            previous={"name": "Back office"},
        )
        db.session.commit()

    export = client_as("owner").get("/admin/audit_log/export/csv/").text

    assert "Group changed" in export
    assert "Name: Back office → Office" in export
    assert "{" not in export
