"""Do /xp and /leaderboard show a learner's XP, rank and place, in one tenant only? (issue 7, item 5)"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Tenant, User, XpTransaction
from lms.models.enums import TenantRole, XpSourceType
from lms.models.types import utcnow
from lms.services import standings, xp, xp_rebuild
from lms.tenancy import tenant_context
from tests.factories import make_group, make_user, two_tenants

MODULE = XpSourceType.MODULE_COMPLETED


@dataclass(frozen=True)
class Ids:
    acme_id: int
    globex_id: int
    ana_id: int
    bor_id: int
    ana_login: str


@pytest.fixture
def world(app: Flask) -> Ids:
    with app.app_context():
        tenants = two_tenants()
        db.session.commit()
        return Ids(tenants.acme.id, tenants.globex.id, tenants.ana.id, tenants.bor.id, tenants.ana.get_id())


def _sign_in_ana(client: FlaskClient, world: Ids) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = world.ana_login
        session["_fresh"] = True
        session["tenant_id"] = world.acme_id


def _learners(app: Flask, world: Ids, count: int) -> list[int]:
    """``count`` acme learners with 10, 20, … XP; Ana last with 5."""
    with app.app_context():
        ids = []
        for n in range(count):
            user = make_user(
                f"learner{n:03d}@acme.test",
                (db.session.get(Tenant, world.acme_id), TenantRole.EMPLOYEE),
                name=f"Learner {n:03d}",
            )
            ids.append(user.id)
        with tenant_context(world.acme_id):
            for n, user_id in enumerate(ids):
                xp.award(user_id, MODULE, "1", 10 * (n + 1))
            xp.award(world.ana_id, MODULE, "1", 5)
        with tenant_context(world.globex_id):
            xp.award(world.bor_id, MODULE, "1", 99_999)
        db.session.commit()
        return ids


def test_xp_page_shows_balance_rank_progress_and_history(app: Flask, client: FlaskClient, world: Ids) -> None:
    with app.app_context(), tenant_context(world.acme_id):
        xp.award(world.ana_id, MODULE, "1", 1600, "Forklift safety")
        xp.adjust(world.ana_id, -100, "Correction of a double entry", None)
        db.session.commit()
    _sign_in_ana(client, world)
    page = client.get("/xp")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "1500 XP" in text
    assert "1600 XP" in text
    assert "Journeyman" in text
    assert "1900 XP to Master" in text
    assert "Forklift safety" in text
    assert "Correction of a double entry" in text


def test_xp_history_is_paginated(app: Flask, client: FlaskClient, world: Ids) -> None:
    with app.app_context(), tenant_context(world.acme_id):
        for n in range(standings.HISTORY_PAGE_SIZE + 3):
            xp.award(world.ana_id, MODULE, str(n), 10, f"entry-{n:02d}")
        db.session.commit()
    _sign_in_ana(client, world)
    first = client.get("/xp").get_data(as_text=True)
    second = client.get("/xp?page=2").get_data(as_text=True)
    assert "Older" in first
    assert sum(f"entry-{n:02d}" in first for n in range(23)) == standings.HISTORY_PAGE_SIZE
    assert sum(f"entry-{n:02d}" in second for n in range(23)) == 3


def test_leaderboard_shows_top_fifty_and_my_position_outside_it(app: Flask, client: FlaskClient, world: Ids) -> None:
    _learners(app, world, 60)
    _sign_in_ana(client, world)
    page = client.get("/leaderboard")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Learner 059" in text
    assert "Learner 010" in text
    assert "Learner 009" not in text
    assert "bor@globex.test" not in text
    assert "99999" not in text
    with app.app_context(), tenant_context(world.acme_id):
        board = standings.leaderboard(world.ana_id)
    assert len(board.rows) == 50
    assert board.me_outside
    assert board.me.position == 61
    assert board.me.xp == 5


def test_leaderboard_filters_by_group_and_month(app: Flask, client: FlaskClient, world: Ids) -> None:
    ids = _learners(app, world, 3)
    with app.app_context():
        group = make_group(
            db.session.get(Tenant, world.acme_id), "Warehouse crew", [db.session.get(User, world.ana_id)]
        )
        group_id = group.id
        with tenant_context(world.acme_id):
            db.session.execute(
                sa.update(XpTransaction)
                .where(XpTransaction.user_id == ids[2])
                .values(created_at=utcnow().replace(year=utcnow().year - 1))
            )
        # The ledger now says ids[2] earned last year; the monthly summary follows the ledger.
        xp_rebuild.rebuild(world.acme_id)
        db.session.commit()
    with app.app_context(), tenant_context(world.acme_id):
        in_group = standings.leaderboard(world.ana_id, group_id=group_id)
        this_month = standings.leaderboard(world.ana_id, period="month")
    assert [row.user_id for row in in_group.rows] == [world.ana_id]
    assert ids[2] not in [row.user_id for row in this_month.rows]
    assert [row.user_id for row in this_month.rows][:1] == [ids[1]]
    _sign_in_ana(client, world)
    assert client.get(f"/leaderboard?group={group_id}&period=month").status_code == 200
    assert client.get("/leaderboard?group=999999&period=nonsense").status_code == 200


def test_leaderboard_query_count_does_not_grow_with_the_tenant(
    app: Flask, client: FlaskClient, world: Ids, count_queries: list[str]
) -> None:
    _learners(app, world, 5)
    _sign_in_ana(client, world)
    client.get("/leaderboard")
    count_queries.clear()
    client.get("/leaderboard")
    small = len(count_queries)
    with app.app_context():
        for n in range(60):
            user = make_user(f"extra{n:03d}@acme.test", (db.session.get(Tenant, world.acme_id), TenantRole.EMPLOYEE))
            with tenant_context(world.acme_id):
                xp.award(user.id, MODULE, "1", n + 1)
        db.session.commit()
    count_queries.clear()
    client.get("/leaderboard")
    assert len(count_queries) == small
    board_queries = [q for q in count_queries if "row_number" in q.lower()]
    assert len(board_queries) == 1


def test_a_viewer_has_no_xp_page_and_no_xp_in_the_menu(viewer: FlaskClient) -> None:
    """Issue 14, item 7: a VIEWER earns no XP, so the page is refused with a sentence and left out of the menu."""
    response = viewer.get("/xp")

    assert response.status_code == 403
    assert "without collecting XP" in response.get_data(as_text=True)
    assert 'href="/xp"' not in viewer.get("/").get_data(as_text=True)
