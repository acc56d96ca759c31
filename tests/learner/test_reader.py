"""Can a learner read a module section by section, and is every wrong request refused cleanly?"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Module, SectionCompletion, UserModuleLastAccess, UserPinnedModule
from lms.storage import get_storage, save_bytes
from lms.tenancy import tenant_context
from tests.factories import make_quiz
from tests.learner.conftest import Place


def _completions(app: Flask, place: Place) -> int:
    with app.app_context(), tenant_context(place.acme_id):
        return db.session.scalar(sa.select(sa.func.count(SectionCompletion.id)))


def test_the_reader_shows_sections_in_order_starting_with_the_first_not_done(ana: FlaskClient, place: Place) -> None:
    page = ana.get(f"/modules/{place.basics_id}")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.index("Safety basics: part 1") < text.index("Safety basics: part 2")
    assert "Part 1 of Safety basics." in text
    assert "0 % complete" in text


def test_completing_every_section_reaches_100_percent(app: Flask, ana: FlaskClient, place: Place) -> None:
    first, second = place.basics_sections
    response = ana.post(f"/sections/{first}/complete")
    assert response.status_code == 302
    assert f"section={second}" in response.location

    ana.post(f"/sections/{second}/complete")
    page = ana.get(f"/modules/{place.basics_id}?section={second}").get_data(as_text=True)

    assert "100 % complete" in page
    assert _completions(app, place) == 2


def test_a_double_click_on_complete_records_it_once(app: Flask, ana: FlaskClient, place: Place) -> None:
    section = place.basics_sections[0]
    assert ana.post(f"/sections/{section}/complete").status_code == 302
    assert ana.post(f"/sections/{section}/complete").status_code == 302

    assert _completions(app, place) == 1


def test_a_module_with_unmet_prerequisites_is_locked(app: Flask, ana: FlaskClient, place: Place) -> None:
    page = ana.get(f"/modules/{place.advanced_id}").get_data(as_text=True)
    assert "This module is locked." in page
    assert "Safety basics" in page
    assert "Part 1 of Safety advanced." not in page

    refused = ana.post(f"/sections/{place.advanced_sections[0]}/complete")
    assert refused.status_code == 403
    assert "Complete these modules first: Safety basics." in refused.get_data(as_text=True)
    assert _completions(app, place) == 0


def test_completing_the_prerequisite_unlocks_the_module(ana: FlaskClient, place: Place) -> None:
    for section in place.basics_sections:
        ana.post(f"/sections/{section}/complete")

    page = ana.get(f"/modules/{place.advanced_id}").get_data(as_text=True)

    assert "This module is locked." not in page
    assert "Part 1 of Safety advanced." in page


def test_drafts_and_other_tenants_modules_are_not_found(ana: FlaskClient, place: Place) -> None:
    assert ana.get(f"/modules/{place.draft_id}").status_code == 404
    assert ana.get(f"/modules/{place.globex_module_id}").status_code == 404
    assert ana.post(f"/sections/{place.globex_sections[0]}/complete").status_code == 404


def test_a_section_of_another_module_is_not_found(ana: FlaskClient, place: Place) -> None:
    assert ana.get(f"/modules/{place.basics_id}?section={place.advanced_sections[0]}").status_code == 404
    assert ana.get(f"/modules/{place.basics_id}?section={place.globex_sections[0]}").status_code == 404


def test_opening_a_module_records_the_last_access(app: Flask, ana: FlaskClient, place: Place) -> None:
    ana.get(f"/modules/{place.basics_id}")
    ana.get(f"/modules/{place.basics_id}")

    with app.app_context(), tenant_context(place.acme_id):
        rows = db.session.scalars(sa.select(UserModuleLastAccess.module_id)).all()
    assert rows == [place.basics_id]


def test_self_assessment_is_saved_and_editable(ana: FlaskClient, place: Place) -> None:
    ana.post(f"/modules/{place.basics_id}/assessment", data={"rating": "3", "note": "Need practice"})
    ana.post(f"/modules/{place.basics_id}/assessment", data={"rating": "5", "note": "Got it"})

    page = ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert 'value="5"' in page
    assert "Got it" in page


def test_a_rating_outside_1_to_5_is_a_form_error(ana: FlaskClient, place: Place) -> None:
    response = ana.post(f"/modules/{place.basics_id}/assessment", data={"rating": "9"})

    assert response.status_code == 400
    assert "Choose a rating from 1 to 5." in response.get_data(as_text=True)


def test_pin_and_unpin_are_idempotent(app: Flask, ana: FlaskClient, place: Place) -> None:
    ana.post(f"/modules/{place.basics_id}/pin", data={"pinned": "y"})
    ana.post(f"/modules/{place.basics_id}/pin", data={"pinned": "y"})
    with app.app_context(), tenant_context(place.acme_id):
        assert db.session.scalar(sa.select(sa.func.count(UserPinnedModule.id))) == 1

    ana.post(f"/modules/{place.basics_id}/pin", data={})
    with app.app_context(), tenant_context(place.acme_id):
        assert db.session.scalar(sa.select(sa.func.count(UserPinnedModule.id))) == 0


def test_a_viewer_reads_but_cannot_complete(app: Flask, viewer: FlaskClient, place: Place) -> None:
    page = viewer.get(f"/modules/{place.basics_id}")
    assert page.status_code == 200
    assert "Mark as complete" not in page.get_data(as_text=True)

    assert viewer.post(f"/sections/{place.basics_sections[0]}/complete").status_code == 403
    assert _completions(app, place) == 0


def test_a_cover_is_served_and_a_module_without_one_gets_the_placeholder(
    app: Flask, ana: FlaskClient, place: Place
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    with app.app_context(), tenant_context(place.acme_id):
        save_bytes(get_storage(), f"tenants/{place.acme_id}/covers/basics.png", png)
        db.session.get(Module, place.basics_id).cover_image = f"tenants/{place.acme_id}/covers/basics.png"
        db.session.commit()

    cover = ana.get(f"/modules/{place.basics_id}/cover")
    placeholder = ana.get(f"/modules/{place.advanced_id}/cover")

    assert (cover.status_code, cover.mimetype, cover.data) == (200, "image/png", png)
    assert (placeholder.status_code, placeholder.mimetype) == (200, "image/svg+xml")
    assert ana.get(f"/modules/{place.globex_module_id}/cover").status_code == 404
    assert ana.get(f"/modules/{place.draft_id}/cover").status_code == 404


def test_sections_done_with_the_quiz_not_passed_is_not_100_percent(app: Flask, ana: FlaskClient, place: Place) -> None:
    """Issue 14, item 7: the quiz is a step of its own; only completion shows 100 %."""
    with app.app_context(), tenant_context(place.acme_id):
        make_quiz(db.session.get(Module, place.basics_id))
        db.session.commit()
    for section in place.basics_sections:
        ana.post(f"/sections/{section}/complete")

    page = ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)

    assert "100 % complete" not in page
    assert "66 % complete · quiz to pass" in page
    assert "99 % · quiz to pass" in ana.get("/modules").get_data(as_text=True)


def test_self_assessment_is_a_choice_of_five_named_steps(ana: FlaskClient, place: Place) -> None:
    page = ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)

    assert page.count('type="radio"') == 5
    assert 'type="number"' not in page
    assert "Could teach it" in page
    assert ana.post(f"/modules/{place.basics_id}/assessment", data={"rating": "4"}).status_code == 302
