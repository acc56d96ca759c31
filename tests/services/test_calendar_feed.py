"""Does a user's calendar feed hold their events and open due dates, and nobody else's, as valid
RFC 5545 that a calendar client reads back — and does a revoked link stop working at once?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar
import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import CalendarFeed, LiveEventGroup, MentorLiveEvent, Module
from lms.models.enums import ModuleStatus
from lms.models.types import utcnow
from lms.services import calendar_feed
from lms.services.calendar_feed import Feed
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, assign, make_certificate, make_group, make_module, two_tenants

TRICKY = "Varnost; viličar, 1. del — " + "č" * 80 + "\nDrugi odstavek \\ konec"


@dataclass
class Desk:
    world: TwoTenants
    event: MentorLiveEvent
    other_event: MentorLiveEvent
    globex_event: MentorLiveEvent
    module: Module


def _event(tenant_id: int, group_id: int, title: str, starts_at: datetime, **values: object) -> MentorLiveEvent:
    with tenant_context(tenant_id):
        event = MentorLiveEvent(
            title=title,
            starts_at=starts_at,
            duration_minutes=90,
            meet_url="https://meet.example.com/x?a=1,b=2",
            **values,
        )
        db.session.add(event)
        db.session.flush()
        db.session.add(LiveEventGroup(event_id=event.id, group_id=group_id))
        db.session.flush()
    return event


@pytest.fixture
def desk(app_ctx: Flask) -> Desk:
    world = two_tenants()
    now = utcnow()
    floor = make_group(world.acme, "Floor", [world.ana], joined=now - timedelta(days=3))
    office = make_group(world.acme, "Office", [])
    tla = make_group(world.globex, "Tla", [world.bor])
    event = _event(world.acme.id, floor.id, TRICKY, now + timedelta(days=2), description="Line one\nLine two")
    other = _event(world.acme.id, office.id, "Office party planning", now + timedelta(days=2))
    globex = _event(world.globex.id, tla.id, "Globex town hall", now + timedelta(days=2))
    module = make_module(world.acme, "Forklift basics")
    assign(module, floor, 10, at=now - timedelta(days=3))
    draft_module = make_module(world.acme, "Unpublished thing")
    draft_module.status = ModuleStatus.DRAFT
    assign(draft_module, floor, 10, at=now - timedelta(days=3))
    return Desk(world, event, other, globex, module)


def _parse(body: bytes) -> icalendar.Calendar:
    assert body.endswith(b"\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n")), "folded at 75 octets"
    return icalendar.Calendar.from_ical(body)


def _summaries(calendar: icalendar.Calendar) -> list[str]:
    return [str(component["SUMMARY"]) for component in calendar.walk("VEVENT")]


def test_the_feed_holds_my_events_and_my_open_due_dates_and_parses(desk: Desk) -> None:
    feed = Feed(desk.world.acme.id, desk.world.ana.id)

    calendar = _parse(calendar_feed.feed_calendar(feed))

    assert str(calendar["VERSION"]) == "2.0"
    assert _summaries(calendar) == [TRICKY, "Due: Forklift basics"]
    event, deadline = calendar.walk("VEVENT")
    assert event["DTSTART"].dt == desk.event.starts_at.replace(microsecond=0)
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=90)
    assert str(event["DESCRIPTION"]) == "Line one\nLine two\n\nhttps://meet.example.com/x?a=1,b=2"
    assert str(event["URL"]) == "https://meet.example.com/x?a=1,b=2"
    due = utcnow() + timedelta(days=7)
    assert deadline["DTSTART"].dt == due.date()
    assert isinstance(deadline["DTSTART"].dt, date)
    assert str(deadline["URL"]).endswith(f"/modules/{desk.module.id}")
    assert len({str(c["UID"]) for c in calendar.walk("VEVENT")}) == 2


def test_the_feed_never_shows_another_users_or_another_companys_events(desk: Desk) -> None:
    acme = _parse(calendar_feed.feed_calendar(Feed(desk.world.acme.id, desk.world.ana.id)))
    globex = _parse(calendar_feed.feed_calendar(Feed(desk.world.globex.id, desk.world.bor.id)))

    assert "Office party planning" not in _summaries(acme)
    assert "Globex town hall" not in _summaries(acme)
    assert _summaries(globex) == ["Globex town hall"]


def test_a_completed_module_leaves_the_feed(desk: Desk) -> None:
    with tenant_context(desk.world.acme.id):
        make_certificate(desk.module, desk.world.ana)

    calendar = _parse(calendar_feed.feed_calendar(Feed(desk.world.acme.id, desk.world.ana.id)))
    assert _summaries(calendar) == [TRICKY]


def test_a_link_opens_only_its_users_feed_and_stops_when_regenerated_or_revoked(desk: Desk) -> None:
    with tenant_context(desk.world.acme.id):
        assert calendar_feed.feed_url(desk.world.ana.id) is None
        first = calendar_feed.regenerate(desk.world.ana.id)
        assert calendar_feed.feed_url(desk.world.ana.id) == first, "the same link is shown again"
        second = calendar_feed.regenerate(desk.world.ana.id)
    first_token = first.rsplit("/", 1)[1].removesuffix(".ics")
    second_token = second.rsplit("/", 1)[1].removesuffix(".ics")

    assert len(second_token) >= 43, "256 bits, base64"
    assert calendar_feed.feed_for_token(first_token) is None
    assert calendar_feed.feed_for_token(second_token) == Feed(desk.world.acme.id, desk.world.ana.id)
    with tenant_context(desk.world.acme.id):
        assert calendar_feed.revoke(desk.world.ana.id)
        assert calendar_feed.feed_url(desk.world.ana.id) is None
        assert db.session.scalar(sa.select(sa.func.count(CalendarFeed.id))) == 2, "revoked feeds are kept"
        stored = db.session.scalars(sa.select(CalendarFeed.token_hash)).all()
    assert calendar_feed.feed_for_token(second_token) is None
    assert second_token not in stored


def test_a_link_made_under_another_secret_key_is_not_shown(
    desk: Desk, app_ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tenant_context(desk.world.acme.id):
        calendar_feed.regenerate(desk.world.ana.id)
        monkeypatch.setitem(app_ctx.config, "SECRET_KEY", "a new key")
        assert calendar_feed.feed_url(desk.world.ana.id) is None


def test_a_feed_per_user_and_company(desk: Desk) -> None:
    with tenant_context(desk.world.acme.id):
        acme_url = calendar_feed.regenerate(desk.world.ana.id)
    with tenant_context(desk.world.globex.id):
        assert calendar_feed.feed_url(desk.world.bor.id) is None
        globex_url = calendar_feed.regenerate(desk.world.bor.id)

    assert acme_url != globex_url
    globex_token = globex_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert calendar_feed.feed_for_token(globex_token) == Feed(desk.world.globex.id, desk.world.bor.id)


def test_one_event_as_a_file_parses(desk: Desk) -> None:
    with tenant_context(desk.world.acme.id):
        calendar = _parse(calendar_feed.event_file(desk.event))

    assert _summaries(calendar) == [TRICKY]
