"""Does the start page show what is assigned, when it is due, and what to continue?"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Module, Tenant, User
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.factories import assign, make_group
from tests.learner.conftest import Place


def _assign(
    app: Flask, place: Place, module_id: int, days: int | None, *, joined_days_ago: int, assigned_days_ago: int, **kw
):
    now = utcnow()
    with app.app_context(), tenant_context(place.acme_id):
        ana = db.session.get(User, place.ana_id)
        module = db.session.get(Module, module_id)
        tenant = db.session.get(Tenant, place.acme_id)
        group = make_group(tenant, f"Group {module_id}-{days}", [ana], joined=now - timedelta(days=joined_days_ago))
        assign(module, group, days, at=now - timedelta(days=assigned_days_ago), **kw)
        db.session.commit()


def test_assigned_module_shows_its_due_date_and_marks(app: Flask, ana: FlaskClient, place: Place) -> None:
    _assign(app, place, place.basics_id, 14, joined_days_ago=20, assigned_days_ago=3, mandatory=True)
    due = (utcnow() + timedelta(days=11)).strftime("%b %-d, %Y")

    page = ana.get("/").get_data(as_text=True)

    assert "Safety basics" in page
    assert "Mandatory" in page
    assert f"Due {due}" in page
    assert "Overdue" not in page


def test_past_due_module_is_overdue_until_completed(app: Flask, ana: FlaskClient, place: Place) -> None:
    _assign(app, place, place.basics_id, 7, joined_days_ago=30, assigned_days_ago=30)
    assert "Overdue" in ana.get("/").get_data(as_text=True)

    for section in place.basics_sections:
        ana.post(f"/sections/{section}/complete")
    page = ana.get("/").get_data(as_text=True)
    assert "Overdue" not in page
    assert "100 %" in page


def test_continue_where_you_left_off(app: Flask, ana: FlaskClient, place: Place) -> None:
    ana.post(f"/sections/{place.basics_sections[0]}/complete")
    ana.get(f"/modules/{place.basics_id}")

    page = ana.get("/").get_data(as_text=True)
    assert "Continue where you left off:" in page
    assert "Safety basics</strong> (50 %)" in page


def test_pinned_modules_appear(app: Flask, ana: FlaskClient, place: Place) -> None:
    ana.post(f"/modules/{place.basics_id}/pin", data={"pinned": "y"})
    page = ana.get("/").get_data(as_text=True)
    assert "My pinned modules" in page
    assert "Safety basics" in page


def test_a_new_version_of_a_completed_module_is_marked_updated(app: Flask, ana: FlaskClient, place: Place) -> None:
    for section in place.basics_sections:
        ana.post(f"/sections/{section}/complete")
    with app.app_context(), tenant_context(place.acme_id):
        db.session.get(Module, place.basics_id).version = 2
        db.session.commit()

    assert "Updated since you completed them" in ana.get("/").get_data(as_text=True)
    ana.post(f"/modules/{place.basics_id}/acknowledge")
    assert "Updated since you completed them" not in ana.get("/").get_data(as_text=True)


def test_a_completed_assigned_module_moves_to_completed_without_its_due_date(
    app: Flask, ana: FlaskClient, place: Place
) -> None:
    """Issue 14, item 7: no "Assigned to me" with a due date for a module that is done."""
    _assign(app, place, place.basics_id, 14, joined_days_ago=20, assigned_days_ago=3, mandatory=True)
    for section in place.basics_sections:
        ana.post(f"/sections/{section}/complete")

    page = ana.get("/").get_data(as_text=True)

    assigned, _, completed = page.partition('id="completed"')
    assert "Safety basics" not in assigned.partition('id="assigned"')[2]
    assert "Nothing is assigned to you right now." in assigned
    assert "Safety basics" in completed
    assert "Due " not in completed
    assert "100 % · Completed" in completed


def test_a_card_says_due_once(app: Flask, ana: FlaskClient, place: Place) -> None:
    _assign(app, place, place.basics_id, 14, joined_days_ago=20, assigned_days_ago=3, mandatory=True)

    page = ana.get("/").get_data(as_text=True)

    assert page.count("Due ") == 1
    assert page.count(">Mandatory<") == 1


def test_favicon_answers_at_its_conventional_path(ana: FlaskClient) -> None:
    response = ana.get("/favicon.ico")

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert 'rel="icon"' in ana.get("/").get_data(as_text=True)
