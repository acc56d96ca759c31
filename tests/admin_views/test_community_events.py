"""Can managers and mentors schedule live events from the admin — start on the company's clock,
invited groups, audited — while a past start, no group, a ``javascript:`` link or another company's
group is a message on the form with nothing written, and a mentor sees only their own events?"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Group, LiveEventGroup, MentorLiveEvent, ModuleMentor, Tenant
from lms.models.enums import AuditAction
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import make_module

NEW = "/admin/live_events/new/"


@pytest.fixture
def groups(app: Flask, companies: Companies) -> dict[str, int]:
    with app.app_context():
        ids = {}
        for key, tenant_id, name in (("floor", companies.acme_id, "Floor"), ("tla", companies.globex_id, "Tla")):
            with tenant_context(tenant_id):
                group = Group(name=name)
                db.session.add(group)
                db.session.flush()
                ids[key] = group.id
        db.session.commit()
    return ids


def _form(invited: list[int], **changes: object) -> dict[str, object]:
    start = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form: dict[str, object] = {
        "title": "Forklift Q&A",
        "description": "Bring questions",
        "starts_local": start,
        "duration_minutes": "45",
        "meet_url": "https://meet.example.com/forklift",
        "groups": [str(group) for group in invited],
    }
    form.update(changes)
    return form


def _events(rows: Callable, tenant_id: int) -> list[tuple[str, int | None]]:
    return [tuple(row) for row in rows(tenant_id, sa.select(MentorLiveEvent.title, MentorLiveEvent.host_id))]


def test_hr_schedules_an_event_for_a_group_and_it_is_audited(
    client_as: Callable, rows: Callable, audit_rows: Callable, companies: Companies, groups: dict[str, int]
) -> None:
    response = client_as("hr").post(NEW, data=_form([groups["floor"]]))

    assert response.status_code == 302
    assert _events(rows, companies.acme_id) == [("Forklift Q&A", companies.user_ids["hr"])]
    assert rows(companies.acme_id, sa.select(LiveEventGroup.group_id)) == [(groups["floor"],)]
    assert [entity for entity, _, _ in audit_rows(companies.acme_id, AuditAction.RECORD_CREATED)] == [
        "mentor_live_event"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_local": "2020-01-01T10:00"}, "The start must be in the future."),
        ({"groups": []}, "Choose at least one group to invite."),
        ({"meet_url": "javascript:alert(1)"}, "The meeting link must be a full http:// or https:// address."),
        ({"starts_local": "not a date"}, "Not a valid datetime value."),
    ],
    ids=["past", "no-groups", "javascript-url", "garbage-start"],
)
def test_a_bad_event_is_a_message_and_nothing_is_written(
    client_as: Callable, rows: Callable, companies: Companies, groups: dict[str, int], change: dict, message: str
) -> None:
    response = client_as("hr").post(NEW, data=_form([groups["floor"]], **change))

    assert response.status_code == 200
    assert message in response.text
    assert _events(rows, companies.acme_id) == []


def test_another_companys_group_is_not_a_choice(
    client_as: Callable, rows: Callable, companies: Companies, groups: dict[str, int]
) -> None:
    response = client_as("hr").post(NEW, data=_form([groups["floor"], groups["tla"]]))

    assert response.status_code == 200
    assert "Tla" not in response.text
    assert _events(rows, companies.acme_id) == []
    assert rows(companies.globex_id, sa.select(LiveEventGroup.event_id)) == []


def test_an_employee_is_refused_and_a_mentor_sees_only_their_own_events(
    app: Flask, client_as: Callable, rows: Callable, companies: Companies, groups: dict[str, int]
) -> None:
    assert client_as("employee").get("/admin/live_events/").status_code == 403
    assert client_as("hr").post(NEW, data=_form([groups["floor"]], title="HR town hall")).status_code == 302
    with app.app_context(), tenant_context(companies.acme_id):
        module = make_module(db.session.get(Tenant, companies.acme_id), "Forklift")
        db.session.add(ModuleMentor(module_id=module.id, user_id=companies.user_ids["employee"]))
        db.session.commit()
    mentor = client_as("employee")

    assert mentor.post(NEW, data=_form([groups["floor"]], title="Mentor hour")).status_code == 302
    listing = mentor.get("/admin/live_events/")
    assert "Mentor hour" in listing.text
    assert "HR town hall" not in listing.text
    hr_event = next(
        event_id
        for event_id, title in rows(companies.acme_id, sa.select(MentorLiveEvent.id, MentorLiveEvent.title))
        if title == "HR town hall"
    )
    assert mentor.get(f"/admin/live_events/edit/?id={hr_event}").status_code == 404
    assert mentor.post("/admin/live_events/delete/", data={"id": str(hr_event)}).status_code == 404
    assert sorted(_events(rows, companies.acme_id)) == [
        ("HR town hall", companies.user_ids["hr"]),
        ("Mentor hour", companies.user_ids["employee"]),
    ]


def test_editing_shows_the_start_on_the_companys_clock(
    app: Flask, client_as: Callable, companies: Companies, groups: dict[str, int]
) -> None:
    hr = client_as("hr")
    form = _form([groups["floor"]])
    assert hr.post(NEW, data=form).status_code == 302
    with app.app_context(), tenant_context(companies.acme_id):
        event_id = db.session.scalar(sa.select(MentorLiveEvent.id))

    page = hr.get(f"/admin/live_events/edit/?id={event_id}")

    assert page.status_code == 200
    assert form["starts_local"] in page.text
    assert f'value="{groups["floor"]}" checked' in page.text or 'checked id="groups-0"' in page.text
