"""Does every admin view keep to its tenant and its permission, for every role? (issue 4: the sweep)

The views are taken from the app's Admin, so a view added later is swept without
editing this file. For each tenant-owned model view, with two tenants full of data:
(a) lists, details, forms, exports and ajax lookups of one tenant show nothing of the
other; (b) the other tenant's row by id is a 404 to view, edit or delete, and stays as
it was; (c) each role gets exactly what the view's declared rule allows, and anonymous
users are sent to the sign-in page.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from flask_admin import BaseView
from flask_admin.tools import iterdecode, iterencode

from lms.admin_views.base import AdminHome, PlatformModelView, Rule, TenantModelView
from lms.extensions import db
from lms.models import Tenant
from lms.models.enums import Permission, TenantRole
from lms.permissions import ROLE_DEFAULTS, can_manage_settings
from lms.tenancy import unscoped
from tests.sweep.world import ROLES, TenantWorld, World, build_world


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


def admin_views(app: Flask) -> list[BaseView]:
    (admin,) = app.extensions["admin"]
    return [view for view in admin._views if not isinstance(view, AdminHome)]


def tenant_views(app: Flask) -> list[TenantModelView]:
    return [v for v in admin_views(app) if isinstance(v, TenantModelView) and not isinstance(v, PlatformModelView)]


def role_passes(rule: Rule, role: TenantRole) -> bool:
    if rule is None:
        return True
    permissions = ROLE_DEFAULTS[role]
    if isinstance(rule, Permission):
        return rule in permissions
    return rule(role, permissions)


def _url(app: Flask, view: BaseView, endpoint: str | None = None, **values: object) -> str:
    """The view's own page by default: ``index_view`` for model views, ``index`` for others."""
    if isinstance(values.get("id"), tuple):
        values["id"] = iterencode(values["id"])
    with app.test_request_context():
        return url_for(f"{view.endpoint}.{endpoint or view._default_view}", **values)


def _leaks(text: str, other: TenantWorld) -> list[str]:
    return sorted(marker for marker in other.markers if marker in text)


def _client_for(app: Flask, side: TenantWorld, role: TenantRole) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = side.login_ids[role]
        session["_fresh"] = True
        session["tenant_id"] = side.tenant_id
    return client


def _a_row_of(view: TenantModelView, side: TenantWorld) -> object | None:
    """A row of ``side``; of a platform table, the company itself (companies) or any row (changelog)."""
    model = view.model
    owner = getattr(model, "tenant_id", None)
    if owner is None:
        owner = model.id if model is Tenant else sa.literal(side.tenant_id)
    with view.admin.app.app_context(), unscoped("sweep: a row of the other tenant"):
        row = db.session.scalar(sa.select(model).where(owner == side.tenant_id).limit(1))
        if row is None:
            return None
        return view.get_pk_value(row)


def _row_state(view: TenantModelView, pk: object) -> dict[str, object] | None:
    with view.admin.app.app_context(), unscoped("sweep: the row as it is"):
        db.session.expire_all()
        composite = len(sa.inspect(view.model).primary_key) > 1
        row = db.session.get(view.model, tuple(iterdecode(pk)) if composite and isinstance(pk, str) else pk)
        if row is None:
            return None
        return {c.key: getattr(row, c.key) for c in sa.inspect(view.model).column_attrs}


def test_there_are_views_to_sweep(app: Flask) -> None:
    assert len(tenant_views(app)) >= 5


def test_every_view_declares_who_may_use_it(app: Flask) -> None:
    undeclared = [type(view).__name__ for view in admin_views(app) if getattr(view, "permission", None) is None]
    platform = [v for v in admin_views(app) if isinstance(v, PlatformModelView)]
    assert undeclared == [type(v).__name__ for v in platform] or undeclared == []


@pytest.mark.parametrize("side_name", ["acme", "globex"])
def test_lists_details_forms_and_exports_show_nothing_of_the_other_tenant(
    app: Flask, world: World, side_name: str
) -> None:
    side = getattr(world, side_name)
    other = world.other(side)
    client = _client_for(app, side, TenantRole.OWNER)
    failures: list[str] = []
    for view in tenant_views(app):
        pages = {"list": _url(app, view)}
        own = _a_row_of(view, side)
        if own is not None:
            pages["details"] = _url(app, view, "details_view", id=own)
            if view.allow_edit:
                pages["edit"] = _url(app, view, "edit_view", id=own)
        if view.allow_create:
            pages["create"] = _url(app, view, "create_view")
        if view.allow_export:
            pages["export"] = _url(app, view, "export", export_type="csv")
        for field in getattr(view, "_form_ajax_refs", {}) or {}:
            pages[f"ajax {field}"] = _url(app, view, "ajax_lookup", name=field, query="")
            pages[f"ajax {field} @"] = _url(app, view, "ajax_lookup", name=field, query="@")
        for what, url in pages.items():
            response = client.get(url)
            if response.status_code != 200:
                failures.append(f"{type(view).__name__} {what}: status {response.status_code}")
                continue
            leaked = _leaks(response.get_data(as_text=True), other)
            if leaked:
                failures.append(f"{type(view).__name__} {what} shows {other.slug}'s {leaked[:3]}")
    assert failures == []


def _by_id_requests(app: Flask, view: TenantModelView, pk: object) -> Iterator[tuple[str, str, str]]:
    yield "details", "GET", _url(app, view, "details_view", id=pk)
    yield "edit form", "GET", _url(app, view, "edit_view", id=pk)
    yield "edit", "POST", _url(app, view, "edit_view", id=pk)
    yield "delete", "POST", _url(app, view, "delete_view", id=pk)


def test_the_other_tenants_row_by_id_is_404_and_stays_as_it_was(app: Flask, world: World) -> None:
    client = _client_for(app, world.acme, TenantRole.OWNER)
    failures: list[str] = []
    swept = 0
    for view in tenant_views(app):
        pk = _a_row_of(view, world.globex)
        if pk is None:
            failures.append(f"{type(view).__name__}: the world has no globex row to try")
            continue
        before = _row_state(view, pk)
        for what, method, url in _by_id_requests(app, view, pk):
            data = {"id": str(pk), "name": "hijacked", "title": "hijacked"}
            response = client.get(url) if method == "GET" else client.post(url, data=data)
            swept += 1
            if response.status_code not in (403, 404):
                failures.append(f"{type(view).__name__} {what} of globex row: {response.status_code}")
            elif response.status_code == 403 and getattr(view, f"allow_{what.split()[0]}", True):
                failures.append(f"{type(view).__name__} {what} of globex row: 403, expected 404")
        if _row_state(view, pk) != before:
            failures.append(f"{type(view).__name__}: the globex row changed")
    assert failures == []
    assert swept > 0


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_each_role_gets_exactly_what_each_view_allows(app: Flask, world: World, role: TenantRole) -> None:
    client = _client_for(app, world.acme, role)
    failures: list[str] = []
    for view in admin_views(app):
        if isinstance(view, PlatformModelView):
            expected_list = False
        elif isinstance(view, TenantModelView):
            expected_list = role_passes(view.permission, role)
        else:
            rule = getattr(view, "permission", None)
            expected_list = role_passes(rule, role) if rule is not None else can_manage_settings(role)
        status = client.get(_url(app, view)).status_code
        if status != (200 if expected_list else 403):
            failures.append(f"{type(view).__name__} list as {role.name}: {status}")
        if isinstance(view, TenantModelView) and not isinstance(view, PlatformModelView) and view.allow_create:
            rule = view.action_permissions.get("create", view.permission)
            expected = expected_list and role_passes(rule, role)
            status = client.get(_url(app, view, "create_view")).status_code
            if status != (200 if expected else 403):
                failures.append(f"{type(view).__name__} create as {role.name}: {status}")
        if isinstance(view, TenantModelView) and not isinstance(view, PlatformModelView) and view.allow_export:
            expected = expected_list and Permission.EXPORT_REPORTS in ROLE_DEFAULTS[role]
            status = client.get(_url(app, view, "export", export_type="csv")).status_code
            if status != (200 if expected else 403):
                failures.append(f"{type(view).__name__} export as {role.name}: {status}")
    assert failures == []


def test_admin_home_is_for_roles_with_an_admin_permission(app: Flask, world: World) -> None:
    for role in ROLES:
        client = _client_for(app, world.acme, role)
        status = client.get("/admin/").status_code
        assert status == (200 if ROLE_DEFAULTS[role] else 403), role


def test_anonymous_users_are_sent_to_sign_in(app: Flask, world: World) -> None:
    client = app.test_client()
    failures = []
    for view in [*admin_views(app)]:
        response = client.get(_url(app, view))
        if response.status_code != 302 or "/login" not in response.location:
            failures.append(f"{type(view).__name__}: {response.status_code} {response.location}")
    assert failures == []
