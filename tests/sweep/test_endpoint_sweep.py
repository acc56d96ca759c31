"""Does every custom admin page, every list and bulk action, and every sign-in and verification
route keep to its tenant and its role? (issue 10, item 8: the sweep reaches everything)

Endpoints are read from the app: each admin view's exposed URLs that Flask-Admin does not
provide itself, each view's registered actions, and the URL map's ``auth.*`` and
``verify.*`` rules, so an endpoint added later is swept without editing this file.
Another tenant's row id must be answered exactly as an id that does not exist, and leave
the row as it was; each role gets 403 where the view's declared rule refuses it; nothing
answers 5xx.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_admin import BaseView
from werkzeug.routing import Rule

from lms.admin_views.base import PlatformModelView, TenantModelView
from lms.extensions import db
from lms.models import Certificate
from lms.models.enums import TenantRole
from lms.tenancy import unscoped
from tests.sweep.test_admin_sweep import (
    _a_row_of,
    _client_for,
    _row_state,
    _url,
    admin_views,
    role_passes,
    tenant_views,
)
from tests.sweep.world import ROLES, TenantWorld, World, build_world

# What Flask-Admin's ModelView exposes by itself; the original sweep covers these.
MODEL_VIEW_ENDPOINTS = {
    "index_view",
    "create_view",
    "edit_view",
    "details_view",
    "delete_view",
    "action_view",
    "export",
    "ajax_lookup",
    "ajax_update",
}
MISSING_ID = 2_000_000_000
# Whatever a custom page's form may ask for; each page reads the fields it knows.
FORM = {"reason": "sweep", "summary": "sweep", "to": "publish", "direction": "up", "decision": "approve"}


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


def custom_endpoints(app: Flask) -> Iterator[tuple[BaseView, str, str]]:
    """(view, endpoint name, method) of every page a view exposes beyond Flask-Admin's own."""
    for view in admin_views(app):
        for _, name, methods in view._urls:
            if isinstance(view, TenantModelView) and name in MODEL_VIEW_ENDPOINTS:
                continue
            for method in methods:
                yield view, name, method


def _person(side: TenantWorld) -> int:
    """A learner of ``side``: the value of a page's ``<user_id>`` (a learner's timeline)."""
    return int(side.login_ids[TenantRole.EMPLOYEE].partition(":")[0])


def _page_url(app: Flask, view: BaseView, name: str, user_id: int) -> str:
    """The page's address; a route that names a person gets ``user_id``, any other argument fails."""
    arguments = {argument for rule in app.url_map.iter_rules(f"{view.endpoint}.{name}") for argument in rule.arguments}
    assert arguments <= {"user_id"}, f"{view.endpoint}.{name}: give the sweep a value for {arguments}"
    return _url(app, view, name, **dict.fromkeys(arguments, user_id))


def _request(client: FlaskClient, url: str, method: str, pk: object | None) -> int:
    ids = {} if pk is None else {"id": str(pk), "ids": str(pk), "rowid": str(pk)}
    if method == "GET":
        return client.get(url, query_string=ids).status_code
    return client.post(url, query_string=ids, data={**FORM, **ids}).status_code


def _rule_of(view: BaseView) -> object:
    return getattr(view, "permission", None)


def test_there_are_custom_pages_and_actions_to_sweep(app: Flask) -> None:
    names = {name for _, name, _ in custom_endpoints(app)}
    actions = {name for view in tenant_views(app) for name, _ in view._actions}

    assert {"invite_view", "revoke_view", "review_view", "run_now"} <= names
    assert {"deactivate", "publish", "approve", "resend"} <= actions


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_each_role_gets_each_custom_page_only_as_its_view_allows(app: Flask, world: World, role: TenantRole) -> None:
    client = _client_for(app, world.acme, role)
    failures = []
    for view, name, method in custom_endpoints(app):
        pk = _a_row_of(view, world.acme) if isinstance(view, TenantModelView) else None
        status = _request(client, _page_url(app, view, name, _person(world.acme)), method, pk)
        allowed = role_passes(_rule_of(view), role) if _rule_of(view) is not None else True
        if isinstance(view, PlatformModelView):  # platform staff only: no company role opens them
            allowed = False
        if status >= 500:
            failures.append(f"{method} {view.endpoint}.{name} as {role.name}: {status}")
        elif not allowed and status != 403:
            failures.append(f"{method} {view.endpoint}.{name} as {role.name}: {status}, expected 403")
    assert failures == []


def test_anonymous_users_are_sent_to_sign_in_from_every_custom_page(app: Flask, world: World) -> None:
    client = app.test_client()
    failures = []
    for view, name, method in custom_endpoints(app):
        response = client.open(_page_url(app, view, name, _person(world.acme)), method=method)
        if response.status_code != 302 or "/login" not in response.location:
            failures.append(f"{method} {view.endpoint}.{name}: {response.status_code}")
    assert failures == []


def test_another_tenants_row_on_a_custom_page_is_a_row_that_does_not_exist(app: Flask, world: World) -> None:
    client = _client_for(app, world.acme, TenantRole.OWNER)
    failures = []
    swept = 0
    for view, name, method in custom_endpoints(app):
        if not isinstance(view, TenantModelView):
            if _page_url(app, view, name, MISSING_ID) != _page_url(app, view, name, _person(world.globex)):
                other = _request(client, _page_url(app, view, name, _person(world.globex)), method, None)
                missing = _request(client, _page_url(app, view, name, MISSING_ID), method, None)
                swept += 1
                if other != missing or other >= 500:
                    failures.append(f"{method} {view.endpoint}.{name}: globex person {other}, missing {missing}")
            continue
        pk = _a_row_of(view, world.globex)
        before = _row_state(view, pk)
        url = _url(app, view, name)
        missing = _request(client, url, method, MISSING_ID)
        other = _request(client, url, method, pk)
        swept += 1
        if other != missing or other >= 500:
            failures.append(f"{method} {view.endpoint}.{name}: globex row {other}, missing row {missing}")
        if _row_state(view, pk) != before:
            failures.append(f"{method} {view.endpoint}.{name} changed the globex row")
    assert failures == []
    assert swept > 0


def _action(client: FlaskClient, app: Flask, view: TenantModelView, name: str, pk: object) -> int:
    url = _url(app, view, "action_view")
    return client.post(url, data={"action": name, "rowid": [str(pk)], "url": _url(app, view)}).status_code


def test_no_list_or_bulk_action_touches_another_tenants_rows(app: Flask, world: World) -> None:
    client = _client_for(app, world.acme, TenantRole.OWNER)
    failures = []
    for view in tenant_views(app):
        pk = _a_row_of(view, world.globex)
        before = _row_state(view, pk)
        for name, _ in view._actions:
            status = _action(client, app, view, name, pk)
            if status >= 500:
                failures.append(f"{view.endpoint} action {name} on a globex row: {status}")
            if status == 302:
                followed = client.get(_url(app, view)).status_code
                if followed >= 500:
                    failures.append(f"{view.endpoint} action {name}: the list after it answers {followed}")
        if _row_state(view, pk) != before:
            failures.append(f"{view.endpoint}: an action changed the globex row")
    assert failures == []


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_each_role_runs_actions_only_as_the_view_allows(app: Flask, world: World, role: TenantRole) -> None:
    client = _client_for(app, world.acme, role)
    failures = []
    # Rows chosen before any action runs: a delete may take other views' rows with it.
    rows = {view.endpoint: _a_row_of(view, world.acme) for view in tenant_views(app)}
    for view in tenant_views(app):
        pk = rows[view.endpoint]
        if pk is None:
            failures.append(f"{view.endpoint}: the world has no acme row to try")
            continue
        before = _row_state(view, pk)
        allowed = role_passes(view.permission, role)
        for name, _ in view._actions:
            status = _action(client, app, view, name, pk)
            if status >= 500:
                failures.append(f"{view.endpoint} action {name} as {role.name}: {status}")
            elif not allowed and status != 403:
                failures.append(f"{view.endpoint} action {name} as {role.name}: {status}, expected 403")
        if not allowed and _row_state(view, pk) != before:
            failures.append(f"{view.endpoint}: a refused action changed the row as {role.name}")
    assert failures == []


# --- sign-in and verification routes -------------------------------------------------------


def auth_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in ("auth", "verify", "calendar")]


def _certificate_code(app: Flask, tenant_id: int) -> str:
    with app.app_context(), unscoped("sweep: a certificate code"):
        code = db.session.scalar(
            sa.select(Certificate.unique_code).where(Certificate.tenant_id == tenant_id).order_by(Certificate.id)
        )
    assert code is not None, "the world has no certificate to verify"
    return code


def _auth_url(app: Flask, rule: Rule, code: str) -> str:
    values = {"token": "x" * 43, "code": code}
    with app.test_request_context():
        return rule.build({argument: values[argument] for argument in rule.arguments})[1]


@pytest.mark.parametrize("role", [None, *ROLES], ids=["ANONYMOUS", *(role.name for role in ROLES)])
def test_every_sign_in_and_verification_route_answers_every_role(
    app: Flask, world: World, role: TenantRole | None
) -> None:
    client = app.test_client() if role is None else _client_for(app, world.acme, role)
    globex_code = _certificate_code(app, world.globex.tenant_id)
    failures = []
    for rule in auth_rules(app):
        if rule.endpoint == "auth.logout":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_auth_url(app, rule, globex_code), method=method, data={})
            if response.status_code >= 500:
                failures.append(f"{method} {rule.rule} as {role}: {response.status_code}")
    assert failures == []
    assert not [r for r in auth_rules(app) if r.arguments - {"token", "code"}], "a new route argument needs a value"


def test_a_certificate_of_another_company_verifies_publicly(app: Flask, world: World) -> None:
    """Verification is public by design: a code proves itself, whoever asks."""
    code = _certificate_code(app, world.globex.tenant_id)

    response = _client_for(app, world.acme, TenantRole.OWNER).get(f"/verify/{code}")

    assert response.status_code == 200
    assert 'id="verification-holder"' in response.text


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_nobody_switches_into_a_company_they_do_not_belong_to(app: Flask, world: World, role: TenantRole) -> None:
    client = _client_for(app, world.acme, role)

    response = client.post("/tenants/switch", data={"tenant_id": str(world.globex.tenant_id)})
    after = client.get("/")

    assert response.status_code == 404
    assert not any(marker in after.text for marker in world.globex.markers)
