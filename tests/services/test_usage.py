"""Does a ping continue a live session, start one after 30 quiet minutes, and refuse someone else's?"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import UserSession
from lms.models.enums import TenantRole
from lms.services import usage
from lms.tenancy import tenant_context
from tests.conftest import need_service
from tests.factories import TwoTenants, make_user, two_tenants

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _sessions(tenant_id: int, user_id: int) -> list[tuple[datetime, datetime, int]]:
    with tenant_context(tenant_id):
        return [
            tuple(row)
            for row in db.session.execute(
                sa.select(UserSession.started_at, UserSession.last_ping_at, UserSession.duration_seconds)
                .where(UserSession.user_id == user_id)
                .order_by(UserSession.id)
            )
        ]


def _ping(world: TwoTenants, session_id: int | None, at: datetime, user_id: int | None = None) -> int:
    with tenant_context(world.acme.id):
        return usage.ping(user_id or world.ana.id, session_id, at)


def test_first_ping_starts_a_session_with_no_duration(world: TwoTenants) -> None:
    session_id = _ping(world, None, T0)

    assert _sessions(world.acme.id, world.ana.id) == [(T0, T0, 0)]
    assert session_id > 0


def test_pings_within_30_minutes_continue_the_session_and_measure_it_from_its_start(world: TwoTenants) -> None:
    session_id = _ping(world, None, T0)

    again = _ping(world, session_id, T0 + timedelta(minutes=1))
    later = _ping(world, session_id, T0 + timedelta(minutes=30, seconds=50))

    assert again == later == session_id
    assert _sessions(world.acme.id, world.ana.id) == [(T0, T0 + timedelta(minutes=30, seconds=50), 1850)]


def test_a_gap_over_30_minutes_starts_a_new_session(world: TwoTenants) -> None:
    first = _ping(world, None, T0)
    _ping(world, first, T0 + timedelta(minutes=10))

    resumed = T0 + timedelta(minutes=40, seconds=1)
    second = _ping(world, first, resumed)

    assert second != first
    assert _sessions(world.acme.id, world.ana.id) == [
        (T0, T0 + timedelta(minutes=10), 600),
        (resumed, resumed, 0),
    ]


def test_a_second_tab_joins_the_live_session_instead_of_counting_the_time_twice(world: TwoTenants) -> None:
    first_tab = _ping(world, None, T0)
    second_tab = _ping(world, None, T0 + timedelta(minutes=5))
    _ping(world, first_tab, T0 + timedelta(minutes=6))

    assert second_tab == first_tab
    assert _sessions(world.acme.id, world.ana.id) == [(T0, T0 + timedelta(minutes=6), 360)]


def test_a_late_ping_never_moves_the_session_back(world: TwoTenants) -> None:
    """A ping delayed on the network arrives after a newer one: the session keeps the newer time."""
    session_id = _ping(world, None, T0)
    _ping(world, session_id, T0 + timedelta(minutes=3))
    _ping(world, session_id, T0 + timedelta(minutes=2))

    assert _sessions(world.acme.id, world.ana.id) == [(T0, T0 + timedelta(minutes=3), 180)]


def test_another_users_session_is_refused_and_left_unchanged(world: TwoTenants) -> None:
    colleague = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE))
    theirs = _ping(world, None, T0, user_id=colleague.id)

    with pytest.raises(usage.SessionNotYours):
        _ping(world, theirs, T0 + timedelta(minutes=1))

    assert _sessions(world.acme.id, colleague.id) == [(T0, T0, 0)]
    assert _sessions(world.acme.id, world.ana.id) == []


def test_another_tenants_session_is_refused_and_left_unchanged(world: TwoTenants) -> None:
    """Even the same person's session of their other company is not found here."""
    globex_member = world.bor
    with tenant_context(world.globex.id):
        theirs = usage.ping(globex_member.id, None, T0)
    with tenant_context(world.acme.id), pytest.raises(usage.SessionNotYours):
        usage.ping(globex_member.id, theirs, T0 + timedelta(minutes=1))

    assert _sessions(world.globex.id, globex_member.id) == [(T0, T0, 0)]


def test_an_unknown_session_id_is_refused(world: TwoTenants) -> None:
    with pytest.raises(usage.SessionNotYours):
        _ping(world, 2_000_000_000, T0)
    assert _sessions(world.acme.id, world.ana.id) == []


def test_concurrent_pings_of_one_session_leave_one_consistent_duration(app: Flask, committed: None) -> None:
    """Twenty pings at once (many tabs, retries) on PostgreSQL: one session, its last ping the
    latest of them, its duration measured from its start to that ping, never summed."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent writers need PostgreSQL (TEST_DATABASE_URL)")
        world = two_tenants()
        with tenant_context(world.acme.id):
            session_id = usage.ping(world.ana.id, None, T0)
        db.session.commit()
        tenant_id, user_id = world.acme.id, world.ana.id
    barrier = threading.Barrier(20)

    def race(second: int) -> int:
        with app.app_context(), tenant_context(tenant_id):
            barrier.wait()
            answer = usage.ping(user_id, session_id, T0 + timedelta(minutes=5, seconds=second))
            db.session.commit()
            return answer

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(race, range(20)))

    assert set(answers) == {session_id}
    with app.app_context():
        assert _sessions(tenant_id, user_id) == [(T0, T0 + timedelta(minutes=5, seconds=19), 319)]
