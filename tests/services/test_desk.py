"""HR's desk: does each count tell what is waiting, in the viewer's groups and company only? (issue 13, item 8)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from lms.extensions import db
from lms.models import KnowledgeSuggestion, MentorRadarPost, Reward, RewardRedemption
from lms.models.enums import RadarPostStatus, RedemptionStatus, SuggestionStatus, TenantRole
from lms.models.types import utcnow
from lms.permissions import EVERYWHERE, Reach
from lms.services import desk
from lms.services.desk import Count
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, assign, make_certificate, make_group, make_module, make_user, two_tenants
from tests.redis_server import RedisServer

ZONE = ZoneInfo("Europe/Ljubljana")
ALL = list(Count)


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _counts(tenant_id: int, reach: Reach = EVERYWHERE, now: datetime | None = None) -> dict[Count, int]:
    with tenant_context(tenant_id):
        return desk.counts(ALL, reach, now or utcnow(), ZONE)


def test_overdue_counts_learners_past_a_due_date_without_a_certificate(world: TwoTenants) -> None:
    acme = world.acme
    cene = make_user("cene@acme.test", (acme, TenantRole.EMPLOYEE))
    done = make_user("done@acme.test", (acme, TenantRole.EMPLOYEE))
    long_ago = utcnow() - timedelta(days=40)
    forklift = make_module(acme, "Forklift")
    safety = make_module(acme, "Safety")
    warehouse = make_group(acme, "Warehouse", [world.ana, done], joined=long_ago)
    office = make_group(acme, "Office", [cene], joined=long_ago)
    assign(forklift, warehouse, 10, at=long_ago)
    assign(safety, warehouse, 10, at=long_ago)
    assign(forklift, office, 100, at=long_ago)  # not due yet
    make_certificate(forklift, done)
    make_certificate(safety, done)
    globex_module = make_module(world.globex, "Forklift")
    assign(globex_module, make_group(world.globex, "Warehouse", [world.bor], joined=long_ago), 1, at=long_ago)

    assert _counts(acme.id)[Count.OVERDUE] == 1, "Ana, once for two overdue modules; not Bor of globex"
    assert _counts(acme.id, Reach(frozenset({office.id})))[Count.OVERDUE] == 0
    assert _counts(acme.id, Reach(frozenset({warehouse.id})))[Count.OVERDUE] == 1
    assert _counts(acme.id, now=utcnow() + timedelta(days=100))[Count.OVERDUE] == 2, "Cene's due date passed too"


def test_expiring_counts_standing_certificates_expiring_this_month_in_the_companys_zone(world: TwoTenants) -> None:
    acme = world.acme
    # 15 March 2027, noon UTC; the month ends at 31 March 22:00 UTC in Ljubljana (summer time).
    now = datetime(2027, 3, 15, 12, tzinfo=UTC)
    people = {name: make_user(f"{name}@acme.test", (acme, TenantRole.EMPLOYEE)) for name in "abcdef"}
    forklift = make_module(acme, "Forklift")
    group = make_group(acme, "Warehouse", list(people.values()))
    expiries = {
        "a": datetime(2027, 3, 20, tzinfo=UTC),  # this month
        "b": datetime(2027, 3, 31, 21, 30, tzinfo=UTC),  # 23:30 on the 31st in Ljubljana: this month
        "c": datetime(2027, 3, 31, 22, 30, tzinfo=UTC),  # 00:30 on 1 April in Ljubljana: next month
        "d": datetime(2027, 3, 10, tzinfo=UTC),  # already expired
        "e": datetime(2027, 3, 25, tzinfo=UTC),  # revoked
    }
    with tenant_context(acme.id):
        for name, expires_at in expiries.items():
            certificate = make_certificate(forklift, people[name])
            certificate.expires_at = expires_at
            if name == "e":
                certificate.revoked_at = now
        db.session.flush()

    assert _counts(acme.id, now=now)[Count.EXPIRING] == 2
    assert _counts(acme.id, Reach(frozenset({group.id + 1000})), now=now)[Count.EXPIRING] == 0
    assert _counts(world.globex.id, now=now)[Count.EXPIRING] == 0


def test_a_renewed_certificate_counts_only_as_its_newest(world: TwoTenants) -> None:
    now = datetime(2027, 3, 15, 12, tzinfo=UTC)
    forklift = make_module(world.acme, "Forklift")
    old = make_certificate(forklift, world.ana)
    new = make_certificate(forklift, world.ana, previous=old)
    with tenant_context(world.acme.id):
        old.expires_at = datetime(2027, 3, 20, tzinfo=UTC)
        new.expires_at = datetime(2028, 3, 20, tzinfo=UTC)
        db.session.flush()

    assert _counts(world.acme.id, now=now)[Count.EXPIRING] == 0


def test_waiting_redemptions_suggestions_and_radar_posts_are_counted_per_company(world: TwoTenants) -> None:
    for tenant, user, waiting in ((world.acme, world.ana, 2), (world.globex, world.bor, 1)):
        with tenant_context(tenant.id):
            reward = Reward(title="Mug", cost_xp=10)
            db.session.add(reward)
            db.session.flush()
            for index in range(waiting):
                db.session.add(RewardRedemption(reward_id=reward.id, user_id=user.id, xp_spent=10))
                db.session.add(KnowledgeSuggestion(author_id=user.id, title=f"Idea {index}"))
                db.session.add(MentorRadarPost(author_id=user.id, url="https://example.test", title=f"Link {index}"))
            db.session.add(
                RewardRedemption(reward_id=reward.id, user_id=user.id, xp_spent=10, status=RedemptionStatus.APPROVED)
            )
            db.session.add(KnowledgeSuggestion(author_id=user.id, title="Done", status=SuggestionStatus.REJECTED))
            db.session.add(
                MentorRadarPost(
                    author_id=user.id, url="https://example.test", title="Old", status=RadarPostStatus.APPROVED
                )
            )
            db.session.flush()

    acme = _counts(world.acme.id)
    assert (acme[Count.REDEMPTIONS], acme[Count.SUGGESTIONS], acme[Count.RADAR_POSTS]) == (2, 2, 2)


def test_only_the_wanted_counts_are_computed_in_one_query(world: TwoTenants, count_queries: list[str]) -> None:
    with tenant_context(world.acme.id):
        assert desk.counts([], EVERYWHERE, utcnow(), ZONE) == {}
        assert count_queries == []
        counts = desk.counts(ALL, EVERYWHERE, utcnow(), ZONE)

    assert set(counts) == set(Count)
    assert len(count_queries) == 1


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), datetime(2027, 1, 1), datetime(2027, 2, 1)),
        (datetime(2026, 12, 15, tzinfo=UTC), datetime(2026, 12, 1), datetime(2027, 1, 1)),
    ],
)
def test_the_month_is_the_companys_calendar_month(now: datetime, start: datetime, end: datetime) -> None:
    assert desk.month_bounds(now, ZONE) == (start.replace(tzinfo=ZONE), end.replace(tzinfo=ZONE))


def test_failed_jobs_are_unknown_when_redis_is_down(app: Flask, redis_server: RedisServer) -> None:
    with app.app_context():
        assert desk.failed_jobs(1, False) == 0
        redis_server.stop()
        assert desk.failed_jobs(1, False) is None
