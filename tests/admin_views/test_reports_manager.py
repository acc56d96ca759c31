"""Does a manager see their groups' dashboard, only theirs, and remind overdue learners once a day?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Notification, Tenant, User, UserGroup
from lms.models.enums import AuditAction, TenantRole
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.factories import make_user, sign_in
from tests.services.test_manager_dashboard import build_world

URL = "/admin/reports/manager/"


@dataclass
class Ids:
    """The ids of ``build_world``'s rows: each request of a test client has its own session."""

    acme: int
    welders: int
    drivers: int
    pilots: int
    bea: int


@pytest.fixture
def mw(app: Flask) -> Ids:
    with app.app_context():
        world = build_world()
        make_user("hana@acme.test", (world.world.acme, TenantRole.HR), name="Hana Hr")
        ids = Ids(world.world.acme.id, world.welders.id, world.drivers.id, world.pilots.id, world.bea.id)
        db.session.commit()
        return ids


def _client(app: Flask, email: str, tenant_id: int) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        sign_in(client, user, db.session.get(Tenant, tenant_id))
    return client


def test_hr_sees_a_groups_figures_and_trend_charts(app: Flask, mw: Ids) -> None:
    client = _client(app, "hana@acme.test", mw.acme)

    page = client.get(URL, query_string={"group": mw.welders}).get_data(as_text=True)

    assert "Bea Berg" in page
    assert "Overdue by 25 days" in page
    assert "Cid Cook" in page, "an expiring certificate"
    assert "67 %" in page
    assert page.count('<svg class="lms-chart"') == 3
    assert "Dan Dale" not in page, "another group's learner"
    assert "Drivers" in page, "the picker"
    assert "Welders" in page


def test_a_scoped_manager_sees_only_their_group(app: Flask, mw: Ids) -> None:
    client = _client(app, "mira@acme.test", mw.acme)

    page = client.get(URL).get_data(as_text=True)
    assert "Dan Dale" in page
    assert "Welders" not in page

    refused = client.get(URL, query_string={"group": mw.welders})
    assert refused.status_code == 403
    assert "your own groups" in refused.get_data(as_text=True)
    assert client.get(URL, query_string={"group": mw.pilots}).status_code == 404, "globex's group"
    assert client.get(URL, query_string={"group": "abc"}).status_code == 400
    assert client.get(URL, query_string={"group": mw.drivers, "page": "9"}).status_code == 404
    assert client.post(URL + "remind", data={"group": mw.welders}).status_code == 403


def test_an_employee_gets_403(app: Flask, mw: Ids) -> None:
    assert _client(app, "bea@acme.test", mw.acme).get(URL).status_code == 403


def test_a_second_reminder_the_same_day_sends_nothing(
    app: Flask, mw: Ids, audit_rows: Callable[..., list[tuple[str, Any, dict[str, Any]]]]
) -> None:
    client = _client(app, "hana@acme.test", mw.acme)

    first = client.post(URL + "remind", data={"group": mw.welders}, follow_redirects=True)
    second = client.post(URL + "remind", data={"group": mw.welders}, follow_redirects=True)

    assert "1 learner reminded." in first.get_data(as_text=True)
    assert "Nobody to remind" in second.get_data(as_text=True)
    with app.app_context(), tenant_context(mw.acme):
        assert db.session.scalars(sa.select(Notification.user_id)).all() == [mw.bea]
    assert [
        (kind, entity, details["learners"])
        for kind, entity, details in audit_rows(mw.acme, AuditAction.RECORD_CREATED)
        if kind == "deadline_reminders"
    ] == [("deadline_reminders", str(mw.welders), 1)]


def test_the_dashboard_costs_the_same_queries_for_a_bigger_group(app: Flask, mw: Ids, count_queries: list[str]) -> None:
    client = _client(app, "hana@acme.test", mw.acme)
    client.get(URL, query_string={"group": mw.welders})
    count_queries.clear()
    client.get(URL, query_string={"group": mw.welders})
    few = len(count_queries)

    with app.app_context():
        acme = db.session.get(Tenant, mw.acme)
        more = [make_user(f"extra{n}@acme.test", (acme, TenantRole.EMPLOYEE)) for n in range(30)]
        with tenant_context(acme.id):
            db.session.add_all(UserGroup(user_id=user.id, group_id=mw.welders, created_at=utcnow()) for user in more)
            db.session.flush()
        db.session.commit()
    count_queries.clear()
    response = client.get(URL, query_string={"group": mw.welders})

    assert "Overdue by" in response.get_data(as_text=True)
    assert len(count_queries) == few, "\n".join(count_queries)
