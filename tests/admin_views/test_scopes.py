"""Does a grant scoped to a group narrow everything it opens? (issue 10, item 2)

acme has Ana in Ops and Tim in Sales, each with an attempt, a certificate, an override, an
email preference and a grant; Eva, an EMPLOYEE, holds permissions scoped to Ops. Every
list, detail, count, action, export and picker she opens must show and touch Ana's rows
only. HR holds the same permissions by role: a scoped grant on top changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.admin_views.base import TenantModelView
from lms.extensions import db
from lms.models import (
    Certificate,
    EmailPreference,
    Membership,
    ProgressOverride,
    QuizAttempt,
    Tenant,
    User,
    UserGroup,
    UserPermission,
)
from lms.models.enums import Permission, TenantRole
from lms.models.types import utcnow
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_group, make_module, make_quiz, make_user, sign_in, two_tenants

OPS_ONLY = "ops"
Person = Callable[[str], FlaskClient]


@dataclass
class Acme:
    tenant_id: int
    ids: dict[str, int]
    rows: dict[str, dict[str, object]]

    def grant(self, app: Flask, who: str, permission: Permission, scope: str | None = OPS_ONLY) -> None:
        with app.app_context(), tenant_context(self.tenant_id):
            db.session.add(
                UserPermission(
                    user_id=self.ids[who],
                    permission=permission,
                    scope={"group_ids": [self.ids["ops"]]} if scope == OPS_ONLY else None,
                )
            )
            db.session.commit()


@pytest.fixture
def acme(app: Flask) -> Acme:
    with app.app_context():
        world = two_tenants()
        tenant = world.acme
        people = {
            "ana": world.ana,
            "tim": make_user("tim@acme.test", (tenant, TenantRole.EMPLOYEE)),
            "eva": make_user("eva@acme.test", (tenant, TenantRole.EMPLOYEE)),
            "hana": make_user("hana@acme.test", (tenant, TenantRole.HR)),
        }
        ops = make_group(tenant, "Ops", [people["ana"], people["eva"]])
        sales = make_group(tenant, "Sales", [people["tim"]])
        module = make_module(tenant, "Safety")
        quiz = make_quiz(module)
        rows: dict[str, dict[str, object]] = {"ana": {}, "tim": {}}
        with tenant_context(tenant.id):
            for key in ("ana", "tim"):
                user_id = people[key].id
                made = {
                    "attempt": QuizAttempt(quiz_id=quiz.id, user_id=user_id, score=80, passed=True),
                    "certificate": Certificate(
                        user_id=user_id, module_id=module.id, unique_code=f"CODE-{key}", completed_at=utcnow()
                    ),
                    "override": ProgressOverride(user_id=user_id, module_id=module.id, reason=f"Reason {key}"),
                    "preference": EmailPreference(user_id=user_id),
                    "grant": UserPermission(user_id=user_id, permission=Permission.VIEW_ANALYTICS),
                }
                db.session.add_all(made.values())
                db.session.flush()
                rows[key] = {name: row.id for name, row in made.items()}
                rows[key]["membership"] = db.session.scalar(
                    sa.select(Membership.id).where(Membership.user_id == user_id)
                )
                rows[key]["group"] = (ops if key == "ana" else sales).id
        ids = {key: user.id for key, user in people.items()} | {"ops": ops.id, "sales": sales.id}
        db.session.commit()
        return Acme(tenant.id, ids, rows)


@pytest.fixture
def as_person(app: Flask, acme: Acme) -> Person:
    def client_of(who: str) -> FlaskClient:
        client = app.test_client()
        with app.app_context():
            sign_in(client, db.session.get(User, acme.ids[who]), db.session.get(Tenant, acme.tenant_id))
        return client

    return client_of


# (permission granted to Eva for Ops, view endpoint, the row kind each line is about)
SCOPED_VIEWS = [
    (Permission.MANAGE_USERS, "memberships", "membership"),
    (Permission.MANAGE_USERS, "email_preferences", "preference"),
    (Permission.MANAGE_USERS, "user_permissions", "grant"),
    (Permission.VIEW_ALL_PROGRESS, "certificates", "certificate"),
    (Permission.VIEW_ALL_PROGRESS, "quiz_attempts", "attempt"),
    (Permission.OVERRIDE_PROGRESS, "progress_overrides", "override"),
    (Permission.MANAGE_GROUPS, "groups", "group"),
]


@pytest.mark.parametrize(("permission", "endpoint", "kind"), SCOPED_VIEWS, ids=[e for _, e, _ in SCOPED_VIEWS])
def test_a_group_scoped_holder_sees_only_that_groups_rows(
    app: Flask, acme: Acme, as_person: Person, permission: Permission, endpoint: str, kind: str
) -> None:
    acme.grant(app, "eva", permission)
    eva = as_person("eva")

    listing = eva.get(f"/admin/{endpoint}/")
    own = eva.get(f"/admin/{endpoint}/details/?id={acme.rows['ana'][kind]}")
    other = eva.get(f"/admin/{endpoint}/details/?id={acme.rows['tim'][kind]}")

    assert listing.status_code == 200
    shown = _ids_on(listing.text)
    assert str(acme.rows["ana"][kind]) in shown
    assert str(acme.rows["tim"][kind]) not in shown
    assert "tim@acme.test" not in listing.text
    assert (own.status_code, other.status_code) == (200, 404)


@pytest.mark.parametrize(("permission", "endpoint", "kind"), SCOPED_VIEWS, ids=[e for _, e, _ in SCOPED_VIEWS])
def test_a_scoped_grant_on_top_of_the_role_changes_nothing(
    app: Flask, acme: Acme, as_person: Person, permission: Permission, endpoint: str, kind: str
) -> None:
    acme.grant(app, "hana", permission)

    listing = as_person("hana").get(f"/admin/{endpoint}/")

    assert {str(acme.rows["ana"][kind]), str(acme.rows["tim"][kind])} <= _ids_on(listing.text)


def _ids_on(page: str) -> set[str]:
    """The row ids a list page offers (its checkboxes and links)."""
    return set(re.findall(r'name="rowid"[^>]*value="(\d+)"', page)) | set(re.findall(r"[?&]id=(\d+)", page))


def test_the_list_and_its_count_hold_only_the_groups_rows(app: Flask, acme: Acme, as_person: Person) -> None:
    acme.grant(app, "eva", Permission.MANAGE_USERS)

    page = as_person("eva").get("/admin/memberships/").text

    ops = sorted(str(i) for i in _memberships_in(app, acme, "ops"))
    assert sorted(re.findall(r'name="rowid"[^>]*value="(\d+)"', page)) == ops, "Ana and Eva, the members of Ops"
    assert f"List ({len(ops)})" in page


def _memberships_in(app: Flask, acme: Acme, group: str) -> list[int]:
    with app.app_context(), tenant_context(acme.tenant_id):
        members = sa.select(UserGroup.user_id).where(UserGroup.group_id == acme.ids[group])
        return list(db.session.scalars(sa.select(Membership.id).where(Membership.user_id.in_(members))))


def test_a_scoped_holder_cannot_deactivate_someone_outside_the_group(app: Flask, acme: Acme, as_person: Person) -> None:
    acme.grant(app, "eva", Permission.MANAGE_USERS)
    eva = as_person("eva")

    eva.post("/admin/memberships/action/", data={"action": "deactivate", "rowid": [acme.rows["tim"]["membership"]]})
    eva.post("/admin/memberships/action/", data={"action": "deactivate", "rowid": [acme.rows["ana"]["membership"]]})
    edit = eva.post(f"/admin/memberships/edit/?id={acme.rows['tim']['membership']}", data={"role": "VIEWER"})

    assert edit.status_code == 404
    with app.app_context(), unscoped("test: the memberships"):
        active = dict(db.session.execute(sa.select(Membership.user_id, Membership.is_active)).all())
    assert active[acme.ids["tim"]] is True
    assert active[acme.ids["ana"]] is False


def test_a_scoped_override_holder_can_pick_and_override_only_the_groups_people(
    app: Flask, acme: Acme, as_person: Person
) -> None:
    acme.grant(app, "eva", Permission.OVERRIDE_PROGRESS)
    eva = as_person("eva")
    with app.app_context(), tenant_context(acme.tenant_id):
        module_id = db.session.scalar(sa.select(ProgressOverride.module_id).limit(1))

    picker = eva.get("/admin/progress_overrides/ajax/lookup/?name=user&query=&limit=50").json
    refused = eva.post(
        "/admin/progress_overrides/new/",
        data={"user": str(acme.ids["tim"]), "module": str(module_id), "reason": "Trained elsewhere"},
    )

    assert sorted(label for _, label in picker) == ["Ana <ana@acme.test>", "Eva <eva@acme.test>"]
    assert refused.status_code == 200
    assert "Not a valid choice" in refused.text
    with app.app_context(), tenant_context(acme.tenant_id):
        assert db.session.scalar(sa.select(sa.func.count(ProgressOverride.id))) == 2


def test_revoking_and_resending_reach_only_the_groups_certificates(app: Flask, acme: Acme, as_person: Person) -> None:
    """Eva sees every certificate, but may change Ops' certificates only."""
    acme.grant(app, "eva", Permission.VIEW_ALL_PROGRESS, scope=None)
    acme.grant(app, "eva", Permission.OVERRIDE_PROGRESS)
    eva = as_person("eva")
    tims = acme.rows["tim"]["certificate"]

    listing = eva.get("/admin/certificates/")
    revoke = eva.post(f"/admin/certificates/revoke/?id={tims}", data={"reason": "Fraud"})

    assert str(tims) in _ids_on(listing.text)
    assert revoke.status_code == 404
    with app.app_context(), tenant_context(acme.tenant_id):
        assert db.session.get(Certificate, tims).revoked_at is None


def test_a_scoped_export_exports_only_the_groups_rows(app: Flask, acme: Acme, as_person: Person) -> None:
    acme.grant(app, "eva", Permission.VIEW_ALL_PROGRESS, scope=None)
    acme.grant(app, "eva", Permission.EXPORT_REPORTS)

    export = as_person("eva").get("/admin/certificates/export/csv/")

    assert export.status_code == 200
    assert "CODE-ana" in export.text
    assert "CODE-tim" not in export.text


def test_a_streamed_export_stays_within_the_grant_chunk_after_chunk(
    app: Flask, acme: Acme, as_person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read a row at a time (issue 12), the export is still the group's rows, every one of them."""
    with app.app_context():
        tenant = db.session.get(Tenant, acme.tenant_id)
        for n in range(3):
            module = make_module(tenant, f"Extra {n}")
            with tenant_context(acme.tenant_id):
                for key in ("ana", "tim"):
                    code = f"EXTRA-{key}-{n}"
                    db.session.add(
                        Certificate(user_id=acme.ids[key], module_id=module.id, unique_code=code, completed_at=utcnow())
                    )
        db.session.commit()
    monkeypatch.setattr(TenantModelView, "export_chunk", 1)
    acme.grant(app, "eva", Permission.VIEW_ALL_PROGRESS)
    acme.grant(app, "eva", Permission.EXPORT_REPORTS)

    export = as_person("eva").get("/admin/certificates/export/csv/")

    assert export.status_code == 200
    codes = set(re.findall(r"(?:CODE|EXTRA)-[a-z]+(?:-\d)?", export.text))
    assert codes == {"CODE-ana", "EXTRA-ana-0", "EXTRA-ana-1", "EXTRA-ana-2"}


def test_a_group_scoped_group_manager_picks_only_their_groups(app: Flask, acme: Acme, as_person: Person) -> None:
    acme.grant(app, "eva", Permission.MANAGE_GROUPS)
    eva = as_person("eva")

    form = eva.get("/admin/group_members/new/").text
    pulled_in = eva.post(
        "/admin/group_members/new/", data={"group": str(acme.ids["ops"]), "user": str(acme.ids["tim"])}
    )

    assert "Ops" in form
    assert "Sales" not in form
    assert "Not a valid choice" in pulled_in.text, "nobody is pulled into reach by one who may not manage them"
    with app.app_context(), tenant_context(acme.tenant_id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserGroup)) == 3


def test_a_stored_scope_on_a_permission_that_cannot_be_narrowed_opens_nothing(
    app: Flask, acme: Acme, as_person: Person
) -> None:
    acme.grant(app, "eva", Permission.MANAGE_REWARDS)

    assert as_person("eva").get("/admin/rewards/").status_code == 403
