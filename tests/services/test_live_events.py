"""Are live events scheduled only as the rules allow, and does each invited person get each reminder
— 24 hours and 15 minutes before — once, however often the job runs?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import LiveEventGroup, MentorLiveEvent, Notification, Tenant, User
from lms.models.enums import NotificationType, TenantRole
from lms.models.types import utcnow
from lms.services import live_events
from lms.services.live_events import EventPlan, EventRefused
from lms.services.schedule import live_event_reminders, periodic_job_id
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_group, make_user, two_tenants


@dataclass
class Hall:
    world: TwoTenants
    cene: User  # in acme, not in the invited group
    floor_id: int
    globex_group_id: int


@pytest.fixture
def hall(app_ctx: Flask) -> Hall:
    world = two_tenants()
    cene = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE))
    floor = make_group(world.acme, "Floor", [world.ana])
    make_group(world.acme, "Office", [cene])
    tla = make_group(world.globex, "Tla", [world.bor])
    return Hall(world, cene, floor.id, tla.id)


def _plan(start: datetime, groups: set[int], **changes: object) -> EventPlan:
    values: dict[str, object] = {
        "title": "Forklift Q&A",
        "description": "Bring questions",
        "starts_local": start,
        "duration_minutes": 45,
        "meet_url": "https://meet.example.com/forklift",
        "group_ids": frozenset(groups),
    }
    values.update(changes)
    return EventPlan(**values)  # type: ignore[arg-type]


def _local(tenant: Tenant, moment: datetime) -> datetime:
    return live_events.local_start_of(moment, tenant.timezone)


def _schedule(hall: Hall, starts_at: datetime, now: datetime | None = None) -> MentorLiveEvent:
    tenant = hall.world.acme
    with tenant_context(tenant.id):
        event = MentorLiveEvent()
        live_events.schedule(
            event, _plan(_local(tenant, starts_at), {hall.floor_id}), tenant, hall.cene.id, now or utcnow()
        )
        return event


def _reminders(tenant_id: int) -> list[tuple[int, str]]:
    with tenant_context(tenant_id):
        return [
            (user_id, title)
            for user_id, title in db.session.execute(
                sa.select(Notification.user_id, Notification.title)
                .where(Notification.type == NotificationType.SYSTEM)
                .order_by(Notification.id)
            )
        ]


def _send(tenant: Tenant, now: datetime) -> int:
    with tenant_context(tenant.id):
        return live_events.send_event_reminders(tenant, now)


def test_the_start_is_entered_on_the_companys_clock(hall: Hall) -> None:
    tenant = hall.world.acme
    tenant.timezone = "Europe/Ljubljana"  # UTC+1 in January
    with tenant_context(tenant.id):
        event = MentorLiveEvent()
        plan = _plan(datetime(2099, 1, 15, 10, 0), {hall.floor_id})
        live_events.schedule(event, plan, tenant, hall.cene.id, utcnow())

        assert event.starts_at == datetime.fromisoformat("2099-01-15T09:00:00+00:00")
        assert live_events.group_ids_of(event) == [hall.floor_id]
        assert event.host_id == hall.cene.id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_local": datetime(2020, 1, 1, 10, 0)}, "The start must be in the future."),
        ({"group_ids": frozenset()}, "Choose at least one group to invite."),
        ({"meet_url": "javascript:alert(1)"}, "The meeting link must be a full http:// or https:// address."),
        ({"meet_url": "https://"}, "The meeting link must be a full http:// or https:// address."),
        ({"title": "   "}, "Give the event a title."),
        ({"duration_minutes": 0}, "The duration must be between 1 minute and 24 hours."),
    ],
    ids=["past", "no-groups", "javascript-url", "no-host", "no-title", "no-duration"],
)
def test_a_bad_event_is_refused_and_nothing_is_written(hall: Hall, change: dict[str, object], message: str) -> None:
    tenant = hall.world.acme
    with tenant_context(tenant.id):
        plan = _plan(datetime(2099, 1, 15, 10, 0), {hall.floor_id}, **change)
        with pytest.raises(EventRefused, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
            live_events.schedule(MentorLiveEvent(), plan, tenant, hall.cene.id, utcnow())
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(MentorLiveEvent.id))) == 0


def test_another_companys_group_cannot_be_invited(hall: Hall) -> None:
    tenant = hall.world.acme
    with tenant_context(tenant.id):
        plan = _plan(datetime(2099, 1, 15, 10, 0), {hall.floor_id, hall.globex_group_id})
        with pytest.raises(EventRefused, match="does not exist"):
            live_events.schedule(MentorLiveEvent(), plan, tenant, hall.cene.id, utcnow())
        assert db.session.scalar(sa.select(sa.func.count(LiveEventGroup.event_id))) == 0


def test_an_edit_that_keeps_a_past_start_is_allowed(hall: Hall) -> None:
    event = _schedule(hall, utcnow() + timedelta(hours=1))
    tenant = hall.world.acme
    later = utcnow() + timedelta(hours=2)
    with tenant_context(tenant.id):
        plan = _plan(_local(tenant, event.starts_at), {hall.floor_id}, description="Recording is on the intranet")
        live_events.schedule(event, plan, tenant, None, later)

        assert event.description == "Recording is on the intranet"


def test_each_reminder_goes_out_once_even_when_the_job_runs_twice(hall: Hall) -> None:
    tenant = hall.world.acme
    now = utcnow()
    event = _schedule(hall, now + timedelta(hours=23))

    assert _send(tenant, now) == 2, "Ana (invited) and Cene (the host)"
    assert _send(tenant, now + timedelta(minutes=5)) == 0
    soon = event.starts_at - timedelta(minutes=14)
    assert _send(tenant, soon) == 2
    assert _send(tenant, soon + timedelta(minutes=1)) == 0
    assert _send(tenant, event.starts_at + timedelta(minutes=1)) == 0, "nothing once it has started"

    titles = _reminders(tenant.id)
    assert sorted(titles) == sorted(
        [
            (hall.world.ana.id, "Live event coming up: Forklift Q&A"),
            (hall.cene.id, "Live event coming up: Forklift Q&A"),
            (hall.world.ana.id, "Starting soon: Forklift Q&A"),
            (hall.cene.id, "Starting soon: Forklift Q&A"),
        ]
    )
    assert _reminders(hall.world.globex.id) == []


def test_an_event_scheduled_close_to_its_start_gets_only_the_reminder_that_still_makes_sense(hall: Hall) -> None:
    tenant = hall.world.acme
    now = utcnow()
    _schedule(hall, now + timedelta(minutes=10), now)

    assert _send(tenant, now) == 2
    assert {title for _, title in _reminders(tenant.id)} == {"Starting soon: Forklift Q&A"}


def test_a_moved_event_reminds_again(hall: Hall) -> None:
    tenant = hall.world.acme
    now = utcnow()
    event = _schedule(hall, now + timedelta(hours=20))
    assert _send(tenant, now) == 2
    with tenant_context(tenant.id):
        moved = _plan(_local(tenant, event.starts_at + timedelta(hours=2)), {hall.floor_id})
        live_events.schedule(event, moved, tenant, None, now)

    assert _send(tenant, now) == 2


def test_a_member_who_left_the_group_is_not_reminded(hall: Hall) -> None:
    tenant = hall.world.acme
    now = utcnow()
    event = _schedule(hall, now + timedelta(hours=2))
    with tenant_context(tenant.id):
        event.host_id = None
        db.session.flush()

    assert _send(tenant, now) == 1
    assert [user_id for user_id, _ in _reminders(tenant.id)] == [hall.world.ana.id]


def test_my_events_are_upcoming_until_they_end_then_past(hall: Hall) -> None:
    now = utcnow()
    event = _schedule(hall, now + timedelta(minutes=30))
    tenant_id = hall.world.acme.id
    with tenant_context(tenant_id):
        during = event.starts_at + timedelta(minutes=20)
        after = event.starts_at + timedelta(minutes=50)
        ana = hall.world.ana.id

        assert live_events.events_of(ana, during) == [event]
        assert live_events.events_of(ana, during, past=True) == []
        assert live_events.events_of(ana, after) == []
        assert live_events.events_of(ana, after, past=True) == [event]
        outsider = make_user("olga@acme.test", (hall.world.acme, TenantRole.EMPLOYEE))
        assert live_events.events_of(outsider.id, during) == []
        assert live_events.event_for(outsider.id, event.id) is None
    with tenant_context(hall.world.globex.id):
        assert live_events.event_for(hall.world.bor.id, event.id) is None


def test_the_reminder_sweep_is_one_job_per_company_and_five_minutes() -> None:
    assert (
        periodic_job_id(live_event_reminders, 7, datetime(2026, 1, 2, 10, 37))
        == "live_event_reminders-t7-2026-01-02-1035"
    )
    assert (
        periodic_job_id(live_event_reminders, 7, datetime(2026, 1, 2, 10, 40))
        == "live_event_reminders-t7-2026-01-02-1040"
    )
