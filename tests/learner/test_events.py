"""Can learners see their groups' live events and take them to their calendar — the private feed
reached with no session — while another user's, another company's, a revoked or an unknown link is a 404?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import CalendarFeed, LiveEventGroup, Membership, MentorLiveEvent, User
from lms.models.enums import TenantRole
from lms.models.types import utcnow
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_group, make_user, signed_in_client, two_tenants


@dataclass
class Hall:
    acme_id: int
    globex_id: int
    ana_login: str
    viewer_login: str
    outsider_login: str
    bor_login: str
    upcoming_id: int
    past_id: int
    globex_event_id: int


def _event(tenant_id: int, group_id: int, title: str, hours: float) -> int:
    with tenant_context(tenant_id):
        event = MentorLiveEvent(
            title=title,
            starts_at=utcnow() + timedelta(hours=hours),
            duration_minutes=60,
            meet_url="https://meet.example.com/r",
        )
        db.session.add(event)
        db.session.flush()
        db.session.add(LiveEventGroup(event_id=event.id, group_id=group_id))
        db.session.flush()
        return event.id


@pytest.fixture
def hall(app: Flask) -> Hall:
    with app.app_context():
        world = two_tenants()
        viewer = make_user("vid@acme.test", (world.acme, TenantRole.VIEWER))
        outsider = make_user("oto@acme.test", (world.acme, TenantRole.EMPLOYEE))
        floor = make_group(world.acme, "Floor", [world.ana, viewer])
        tla = make_group(world.globex, "Tla", [world.bor])
        result = Hall(
            acme_id=world.acme.id,
            globex_id=world.globex.id,
            ana_login=world.ana.get_id(),
            viewer_login=viewer.get_id(),
            outsider_login=outsider.get_id(),
            bor_login=world.bor.get_id(),
            upcoming_id=_event(world.acme.id, floor.id, "Forklift Q&A", 30),
            past_id=_event(world.acme.id, floor.id, "Ladder safety recap", -30),
            globex_event_id=_event(world.globex.id, tla.id, "Globex town hall", 30),
        )
        db.session.commit()
    return result


def _ana(app: Flask, hall: Hall) -> FlaskClient:
    return signed_in_client(app, hall.ana_login, hall.acme_id)


def test_events_list_upcoming_and_past_on_two_tabs(app: Flask, hall: Hall) -> None:
    client = _ana(app, hall)

    upcoming = client.get("/events")
    past = client.get("/events?tab=past")

    assert upcoming.status_code == 200
    assert "Forklift Q&amp;A" in upcoming.text
    assert "Ladder safety recap" not in upcoming.text
    assert "Globex town hall" not in upcoming.text
    assert f"/events/{hall.upcoming_id}.ics" in upcoming.text
    assert 'rel="noopener nofollow"' in upcoming.text
    assert "Ladder safety recap" in past.text
    assert "Forklift Q&amp;A" not in past.text


def test_add_to_calendar_downloads_the_event(app: Flask, hall: Hall) -> None:
    response = _ana(app, hall).get(f"/events/{hall.upcoming_id}.ics")

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    (event,) = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Forklift Q&A"


def test_an_event_not_mine_or_of_another_company_is_404(app: Flask, hall: Hall) -> None:
    outsider = signed_in_client(app, hall.outsider_login, hall.acme_id)

    assert outsider.get(f"/events/{hall.upcoming_id}.ics").status_code == 404
    assert "Forklift" not in outsider.get("/events").text
    assert _ana(app, hall).get(f"/events/{hall.globex_event_id}.ics").status_code == 404


def _feed_path(client: FlaskClient) -> str:
    response = client.post("/calendar/regenerate", data={"next": "/events"})
    assert response.status_code == 302
    assert response.location.endswith("/events")
    page = client.get("/events").text
    start = page.index("/calendar/")
    return page[start : page.index(".ics", start) + 4]


def test_the_feed_is_read_without_a_session_and_a_new_link_revokes_the_old(app: Flask, hall: Hall) -> None:
    ana = _ana(app, hall)
    first = _feed_path(ana)
    anonymous = app.test_client()

    response = anonymous.get(first)

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "no-store" in response.headers["Cache-Control"]
    summaries = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")]
    assert sorted(summaries) == ["Forklift Q&A", "Ladder safety recap"]
    second = _feed_path(ana)
    assert second != first
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200


def test_a_revoked_or_unknown_link_is_404_and_nothing_is_written(app: Flask, hall: Hall) -> None:
    ana = _ana(app, hall)
    link = _feed_path(ana)

    assert ana.post("/calendar/revoke", data={}).status_code == 302
    anonymous = app.test_client()
    assert anonymous.get(link).status_code == 404
    assert anonymous.get("/calendar/" + "x" * 43 + ".ics").status_code == 404
    assert anonymous.get("/calendar/short.ics").status_code == 404
    with app.app_context(), tenant_context(hall.acme_id):
        assert db.session.scalar(sa.select(sa.func.count(CalendarFeed.id))) == 1


def test_a_viewer_has_events_and_a_feed_of_their_own(app: Flask, hall: Hall) -> None:
    viewer = signed_in_client(app, hall.viewer_login, hall.acme_id)

    assert "Forklift Q&amp;A" in viewer.get("/events").text
    link = _feed_path(viewer)
    assert app.test_client().get(link).status_code == 200


def test_a_feed_of_a_member_who_left_is_404(app: Flask, hall: Hall) -> None:
    link = _feed_path(_ana(app, hall))
    with app.app_context(), unscoped("test: Ana leaves acme"):
        ana_id = int(hall.ana_login.partition(":")[0])
        db.session.execute(
            sa.update(Membership)
            .where(Membership.user_id == ana_id, Membership.tenant_id == hall.acme_id)
            .values(is_active=False)
        )
        assert db.session.get(User, ana_id) is not None
        db.session.commit()

    assert app.test_client().get(link).status_code == 404
