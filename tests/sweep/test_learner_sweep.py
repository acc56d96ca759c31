"""Does every learner route require sign-in and a tenant, and keep to that tenant? (issue 4: the sweep)

Routes are taken from the app's URL map (endpoints ``learner.*``), so routes added
later are swept without editing this file; a route argument needs its model in
``ARG_MODELS`` (the test says so when one is missing).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from lms.extensions import db
from lms.models import Attachment, Module, ModulePrerequisite, Section
from lms.models.enums import ModuleStatus, TenantRole
from lms.tenancy import unscoped
from tests.sweep.world import ROLES, TenantWorld, World, build_world

_PUBLISHED = sa.select(Module.id).where(Module.status == ModuleStatus.PUBLISHED)
_UNLOCKED = _PUBLISHED.where(
    ~sa.select(ModulePrerequisite.id).where(ModulePrerequisite.dependent_module_id == Module.id).exists()
)
ARG_MODELS: dict[str, tuple[type, object]] = {
    "module_id": (Module, Module.id.in_(_UNLOCKED)),
    "section_id": (Section, Section.module_id.in_(_UNLOCKED)),
    "attachment_id": (
        Attachment,
        Attachment.section_id.in_(sa.select(Section.id).where(Section.module_id.in_(_UNLOCKED))),
    ),
}


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


def learner_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("learner.")]


def _client_for(app: Flask, side: TenantWorld, role: TenantRole, *, with_tenant: bool = True) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = side.login_ids[role]
        session["_fresh"] = True
        if with_tenant:
            session["tenant_id"] = side.tenant_id
    return client


def _row_id(app: Flask, argument: str, side: TenantWorld) -> int:
    model, condition = ARG_MODELS[argument]
    with app.app_context(), unscoped("sweep: a row of a tenant"):
        return db.session.scalar(
            sa.select(model.id).where(model.tenant_id == side.tenant_id, condition).order_by(model.id).limit(1)
        )


def _url(app: Flask, rule: Rule, side: TenantWorld) -> str:
    values = {argument: _row_id(app, argument, side) for argument in rule.arguments}
    with app.test_request_context():
        return rule.build(values)[1]


def test_every_route_argument_has_a_model(app: Flask) -> None:
    missing = sorted({arg for rule in learner_rules(app) for arg in rule.arguments} - set(ARG_MODELS))
    assert missing == [], "add these arguments to ARG_MODELS"


def test_anonymous_users_are_sent_to_sign_in(app: Flask, world: World) -> None:
    client = app.test_client()
    failures = []
    for rule in learner_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(app, rule, world.acme), method=method)
            if response.status_code != 302 or "/login" not in response.location:
                failures.append(f"{method} {rule.rule}: {response.status_code}")
    assert failures == []


def test_signed_in_without_a_tenant_is_asked_to_choose_one(app: Flask, world: World) -> None:
    client = _client_for(app, world.acme, TenantRole.EMPLOYEE, with_tenant=False)
    failures = []
    for rule in learner_rules(app):
        if "GET" not in rule.methods:
            continue
        response = client.get(_url(app, rule, world.acme))
        if response.status_code != 302 or "/tenants" not in response.location:
            failures.append(f"GET {rule.rule}: {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_every_role_can_read_every_page_of_its_tenant(app: Flask, world: World, role: TenantRole) -> None:
    client = _client_for(app, world.acme, role)
    failures = []
    for rule in learner_rules(app):
        if "GET" not in rule.methods:
            continue
        response = client.get(_url(app, rule, world.acme))
        if response.status_code != 200:
            failures.append(f"GET {rule.rule}: {response.status_code}")
            continue
        if not response.mimetype.startswith("text/"):
            continue
        leaked = sorted(marker for marker in world.globex.markers if marker in response.get_data(as_text=True))
        if leaked:
            failures.append(f"GET {rule.rule} shows globex's {leaked[:3]}")
    assert failures == []


def test_the_other_tenants_rows_are_404(app: Flask, world: World) -> None:
    client = _client_for(app, world.acme, TenantRole.OWNER)
    failures = []
    for rule in learner_rules(app):
        if not rule.arguments:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(app, rule, world.globex), method=method)
            if response.status_code != 404:
                failures.append(f"{method} {rule.rule} with globex ids: {response.status_code}")
    assert failures == []


def test_viewers_cannot_submit_anything(app: Flask, world: World) -> None:
    client = _client_for(app, world.acme, TenantRole.VIEWER)
    failures = []
    for rule in learner_rules(app):
        if "POST" not in rule.methods:
            continue
        response = client.post(_url(app, rule, world.acme))
        if response.status_code != 403:
            failures.append(f"POST {rule.rule} as VIEWER: {response.status_code}")
    assert failures == []
