"""Does any malformed value in a URL, a query string, a form or the session get a 5xx? (issue 10, item 6)

Every rule of the app's URL map is requested: each admin view's list, details, edit,
create, delete, export, ajax and action endpoints and its own ``@expose`` pages, and the
learner, auth and verify routes. Route arguments, query strings and form fields get
malformed values (words where numbers belong, numbers beyond any column, ``1,2``,
negative pages, unknown filters, very long text), as each swept role of one tenant and
as platform staff. Anything may be refused (400, 403, 404, a form error); nothing may
fail. Errors are not propagated to the test here: a failure goes through the app's own
500 handler, as in production, so a crashing error page shows too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask, got_request_exception
from flask.testing import FlaskClient
from flask_admin import BaseView
from flask_admin.model import BaseModelView
from werkzeug.routing import IntegerConverter, Rule
from werkzeug.test import TestResponse

from lms.admin_views.base import AdminHome, PlatformModelView
from lms.extensions import db
from lms.models import User
from lms.models.enums import Role, TenantRole
from lms.tenancy import unscoped
from tests.factories import signed_in_client
from tests.sweep.test_learner_sweep import ARG_MODELS, OWNED_BY
from tests.sweep.world import TenantWorld, World, build_world

HUGE = "99999999999999999999"  # beyond any integer column; 2**31 is beyond PostgreSQL's INTEGER only
# One value of each kind a careless or hostile client sends where a number or a short text belongs.
QUERY_JUNK = ("abc", HUGE, str(2**31), "-1", "1,2")
FORM_JUNK = (*QUERY_JUNK, "x" * 3000, "")
URL_NUMBERS = (int(HUGE), 2**31, 0)
URL_TEXT = ("abc", "x" * 300, "1,2")
# Query arguments read by Flask-Admin (ids, pages, sorting, search, filters) and by our own pages.
QUERY_KEYS = (
    *("id", "ids", "url", "page", "page_size", "sort", "desc", "search", "flt0_0", "flt0_99", "flt_x"),
    *("module_id", "quiz_id", "group_id", "section", "next", "category", "tag", "q", "difficulty"),
    *("status", "group", "period", "modal"),
)
# Form fields of Flask-Admin's own endpoints (delete, list actions) and of our custom admin pages.
ADMIN_FORM_KEYS = {"id", "rowid", "action", "url", "decision", "to", "direction", "job", "job_id"}
STAFF = "platform staff"
# Who sweeps, in groups of about equal work so parallel workers finish together: each
# group shares one world (building it costs as much as a light role's sweep).
ADMIN_SWEEPERS = ((TenantRole.OWNER,), (TenantRole.HR,), (TenantRole.EMPLOYEE, TenantRole.VIEWER, STAFF))
PAGE_SWEEPERS = ((TenantRole.OWNER, TenantRole.HR), (TenantRole.EMPLOYEE, TenantRole.VIEWER, None))
NEVER_SIGNED_IN = {"auth.logout"}  # it would end the swept user's sessions for the rest of the sweep
SKIPPED = {"static", "admin.static"}
_FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*?\bname=\"([^\"]+)\"")


@dataclass
class Sweep:
    """The requests sent and what went wrong, as ``METHOD url data: status (exception)`` lines."""

    client: FlaskClient
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    raised: list[BaseException] = field(default_factory=list)

    def send(self, method: str, url: str, data: dict[str, str] | None = None) -> TestResponse | None:
        """The response; None when the error page itself failed (reported as a failure)."""
        self.sent += 1
        self.raised.clear()
        response = None
        with got_request_exception.connected_to(self._record):
            try:
                response = self.client.open(url, method=method, data=data)
            except Exception as error:  # the error page failed: report it, sweep on
                self.raised.append(error)
        if response is None or response.status_code >= 500:
            status = response.status_code if response is not None else "crash"
            cause = f" ({self.raised[0]!r:.300})" if self.raised else ""
            self.failures.append(f"{method} {_short(url)} {_short(str(data))}: {status}{cause}")
        return response

    def _record(self, sender: Flask, exception: BaseException, **extra: object) -> None:
        self.raised.append(exception)


def _short(text: str) -> str:
    return text if len(text) < 200 else text[:200] + "…"


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


@pytest.fixture
def errors_answered(app: Flask) -> Iterator[None]:
    """Unhandled errors reach the app's 500 handler, as in production, instead of the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield
    app.config["PROPAGATE_EXCEPTIONS"] = None


def _staff_login_id(app: Flask) -> str:
    """A global OWNER: the only kind of user the platform screens (companies, changelog) open to."""
    with app.app_context():
        user = User(email="staff@mojster.test", name="Platform Staff", role=Role.OWNER)
        db.session.add(user)
        db.session.commit()
        return user.get_id()


def _query(values: dict[str, str]) -> str:
    return "?" + urlencode(values) if values else ""


def _field_names(response: TestResponse | None) -> set[str]:
    """The fields of the forms on a page, as a browser would send them."""
    if response is None or response.status_code != 200 or response.mimetype != "text/html":
        return set()
    return set(_FIELD.findall(response.get_data(as_text=True))) - {"csrf_token"}


def _junk_forms(names: set[str]) -> Iterator[dict[str, str]]:
    """One form per kind of junk, every field filled with it."""
    for value in FORM_JUNK:
        yield dict.fromkeys(names, value)


def _junk_queries() -> Iterator[dict[str, str]]:
    for value in QUERY_JUNK:
        yield dict.fromkeys(QUERY_KEYS, value)
    yield {"page_size": "100000"}


def _build(app: Flask, rule: Rule, values: dict[str, object]) -> str:
    with app.test_request_context():
        return rule.build(values, append_unknown=False)[1]


# --- admin ---------------------------------------------------------------------------------


def _admin_views(app: Flask) -> list[BaseView]:
    (admin,) = app.extensions["admin"]
    return [view for view in admin._views if not isinstance(view, AdminHome)]


def _own_pk(view: BaseView, side: TenantWorld) -> str | None:
    """A row of the view's own model in the swept tenant (any row for platform views)."""
    if not isinstance(view, BaseModelView):
        return None
    model = view.model
    with view.admin.app.app_context(), unscoped("bad-input sweep: a row to open"):
        statement = sa.select(model).limit(1)
        if hasattr(model, "tenant_id"):
            statement = statement.where(model.tenant_id == side.tenant_id)
        row = db.session.scalar(statement)
        return None if row is None else str(view.get_pk_value(row))


def _sweep_admin_view(app: Flask, sweep: Sweep, view: BaseView, side: TenantWorld) -> None:
    """Each endpoint of the view: first as a user would open it (its own row's id), then with junk."""
    own = _own_pk(view, side)
    valid = {"id": own, "ids": own} if own is not None else {}
    filters = list(getattr(view, "_filter_args", None) or {})
    ajax_fields = list(getattr(view, "_form_ajax_refs", None) or {})
    actions = list(getattr(view, "_actions_data", None) or {})
    for rule in app.url_map.iter_rules():
        endpoint, _, name = rule.endpoint.partition(".")
        if endpoint != view.endpoint:
            continue
        given = {"export_type": "csv", "user_id": int(side.login_ids[TenantRole.EMPLOYEE].partition(":")[0])}
        url = _build(app, rule, {argument: given[argument] for argument in rule.arguments})
        method = "GET" if "GET" in rule.methods else "POST"
        opened = sweep.send(method, url + _query(valid))
        if opened is not None and opened.status_code == 403:
            continue  # the view refused before reading any input
        names = _field_names(opened) if method == "GET" else set()
        if method == "GET":
            for values in _junk_queries():
                sweep.send("GET", url + _query(values))
        if name == "ajax_lookup":
            for field_name in ajax_fields:
                for value in QUERY_JUNK:
                    lookup = {"name": field_name, "query": value, "offset": value, "limit": value}
                    sweep.send("GET", url + _query(lookup))
        if name in ("index_view", "export") and filters:
            for value in QUERY_JUNK:
                sweep.send("GET", url + _query({f"flt{index}_{key}": value for index, key in enumerate(filters)}))
        if "POST" in rule.methods:
            for form in _junk_forms(names | ADMIN_FORM_KEYS):
                sweep.send("POST", url + _query(valid), form)
        if name == "action_view":
            for action in actions:
                for value in QUERY_JUNK:
                    sweep.send("POST", url, {"action": action, "rowid": value})


def _names(sweepers: tuple[TenantRole | str | None, ...]) -> str:
    return "+".join("ANONYMOUS" if who is None else getattr(who, "name", "STAFF") for who in sweepers)


@pytest.mark.parametrize("sweepers", ADMIN_SWEEPERS, ids=[_names(group) for group in ADMIN_SWEEPERS])
def test_no_admin_endpoint_fails_on_malformed_input(
    app: Flask, world: World, errors_answered: None, sweepers: tuple[TenantRole | str, ...]
) -> None:
    side = world.acme
    failures = []
    for who in sweepers:
        login_id = _staff_login_id(app) if who == STAFF else side.login_ids[who]
        sweep = Sweep(signed_in_client(app, login_id, side.tenant_id))
        for view in _admin_views(app):
            if who != STAFF or isinstance(view, PlatformModelView):  # staff would see acme's by support access
                _sweep_admin_view(app, sweep, view, side)
        failures += [f"as {_names((who,))}: {failure}" for failure in sweep.failures]
        assert sweep.sent > 100
    assert failures == []


# --- learner, auth, verify ---------------------------------------------------------------


def _page_rules(app: Flask) -> list[Rule]:
    """Every rule that is not an admin screen's or a static file's."""
    admin = {view.endpoint for view in _admin_views(app)} | {"admin"}
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIPPED and rule.endpoint.split(".")[0] not in admin
    ]


def _valid_values(app: Flask, rule: Rule, side: TenantWorld, user_id: int) -> dict[str, object] | None:
    """Rows of the swept tenant for the rule's ids (the user's own where one is per user); words
    for its other arguments (tokens, codes). None when the user owns no row the rule needs."""
    values: dict[str, object] = {}
    for argument in rule.arguments:
        if argument not in ARG_MODELS:
            values[argument] = "abc"
            continue
        model, condition = ARG_MODELS[argument]
        if argument in OWNED_BY:
            condition = sa.and_(condition, OWNED_BY[argument] == user_id)
        with app.app_context(), unscoped("bad-input sweep: a row to open"):
            row_id = db.session.scalar(
                sa.select(model.id).where(model.tenant_id == side.tenant_id, condition).order_by(model.id).limit(1)
            )
        if row_id is None:
            return None
        values[argument] = row_id
    return values


def _malformed_urls(app: Flask, rule: Rule) -> Iterator[str]:
    """The rule with each kind of malformed argument; numbers beyond any id where it takes an id."""
    numeric = {name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)}
    for number, text in zip(URL_NUMBERS, URL_TEXT, strict=True):
        yield _build(app, rule, {name: number if name in numeric else text for name in rule.arguments})


def _sweep_pages(app: Flask, sweep: Sweep, side: TenantWorld, user_id: int | None) -> None:
    """Open every page as a user would, collecting their forms' fields; then send junk to each."""
    rules = [rule for rule in _page_rules(app) if user_id is None or rule.endpoint not in NEVER_SIGNED_IN]
    opened: list[tuple[Rule, str]] = []
    names = {"q-1", f"q-{HUGE}", "q-abc"}  # a quiz's answers are fields named for their questions
    for rule in rules:
        values = _valid_values(app, rule, side, user_id or 0)
        if values is not None:
            url = _build(app, rule, values)
            opened.append((rule, url))
            if "GET" in rule.methods:
                names |= _field_names(sweep.send("GET", url))
    for rule, url in opened:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for malformed in _malformed_urls(app, rule) if rule.arguments else ():
                sweep.send(method, malformed)
            if method == "GET":
                for values in _junk_queries():
                    sweep.send("GET", url + _query(values))
            else:
                for form in _junk_forms(names):
                    sweep.send(method, url, form)


@pytest.mark.parametrize("sweepers", PAGE_SWEEPERS, ids=[_names(group) for group in PAGE_SWEEPERS])
def test_no_learner_auth_or_verify_route_fails_on_malformed_input(
    app: Flask, world: World, errors_answered: None, sweepers: tuple[TenantRole | None, ...]
) -> None:
    side = world.acme
    failures = []
    for role in sweepers:
        if role is None:
            sweep = Sweep(app.test_client())
            user_id = None
        else:
            sweep = Sweep(signed_in_client(app, side.login_ids[role], side.tenant_id))
            user_id = int(side.login_ids[role].partition(":")[0])
        _sweep_pages(app, sweep, side, user_id)
        failures += [f"as {_names((role,))}: {failure}" for failure in sweep.failures]
        assert sweep.sent > 100
    assert failures == []


# --- NUL bytes and the session ------------------------------------------------------------


NUL_REQUESTS = (
    ("GET", "/verify/a%00b", None),
    ("GET", "/modules?q=a%00b", None),
    ("GET", "/admin/groups/?search=a%00b", None),
    ("GET", "/admin/groups/?a%00b=1", None),
    ("POST", "/admin/groups/new/", {"name": "a\x00b", "color": "#1a7f37"}),
    ("POST", "/login", {"email": "a\x00b@acme.test", "password": "x"}),
)


def test_a_nul_byte_anywhere_is_a_bad_request(app: Flask, world: World) -> None:
    """PostgreSQL refuses NUL in text; no person types one."""
    client = signed_in_client(app, world.acme.login_ids[TenantRole.OWNER], world.acme.tenant_id)
    statuses = {url: client.open(url, method=method, data=data).status_code for method, url, data in NUL_REQUESTS}
    assert statuses == {url: 400 for _, url, _ in NUL_REQUESTS}


TAMPERED_TENANTS = (int(HUGE), 2**63, 2**31, -1, 0, "abc", "1", True, 1.5, [1], {"id": 1})
TAMPERED_USERS = (f"{HUGE}:0", f"{2**31}:0", "0:0", "-1:0", "abc:0", "1:abc", "1", "")


def test_a_malformed_tenant_or_user_in_the_session_names_nobody(
    app: Flask, world: World, errors_answered: None
) -> None:
    """The session is signed, but an old or hand-made cookie must still not break a page."""
    sweep = Sweep(app.test_client())
    owner = world.acme.login_ids[TenantRole.OWNER]
    sessions = [(owner, tenant_id) for tenant_id in TAMPERED_TENANTS]
    sessions += [(login_id, world.acme.tenant_id) for login_id in TAMPERED_USERS]
    for login_id, tenant_id in sessions:
        sweep.client = signed_in_client(app, login_id, tenant_id)
        for url in ("/", "/admin/", "/tenants", "/modules", "/admin/memberships/"):
            response = sweep.send("GET", url)
            assert response is not None
            assert response.status_code in (200, 302, 403), (login_id, tenant_id, url)
        switched = sweep.send("POST", "/tenants/switch", {"tenant_id": HUGE})
        assert switched is not None
        assert switched.status_code in (302, 400), (login_id, tenant_id)  # signed out: sent to sign in
    assert sweep.failures == []
