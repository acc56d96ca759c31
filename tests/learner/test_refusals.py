"""Does every refusal of the learner pages take the one error path? (issue 11, item 4)

A service refuses with an ``LmsError``; ``lms.error_pages`` answers it with the error's
message and a 4xx, as a page with a way back or as JSON, and the refusal writes nothing.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import lms
from lms.error_pages import status_of
from lms.errors import ConfigError, LmsError, TenantContextError
from lms.extensions import db
from lms.models import KnowledgeSuggestion, Module, QuizAttempt, SectionCompletion
from lms.tenancy import tenant_context
from tests.factories import make_quiz
from tests.learner.conftest import Place

LOCKED = "Complete these modules first: Safety basics."


def _count(app: Flask, place: Place, model: type) -> int:
    with app.app_context(), tenant_context(place.acme_id):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_locked_section_is_refused_as_json_for_a_script(app: Flask, ana: FlaskClient, place: Place) -> None:
    response = ana.post(f"/sections/{place.advanced_sections[0]}/complete", headers={"Accept": "application/json"})

    assert response.status_code == 403
    assert response.get_json() == {"error": LOCKED}
    assert _count(app, place, SectionCompletion) == 0


def test_a_locked_quiz_cannot_be_started_and_the_page_leads_back(app: Flask, ana: FlaskClient, place: Place) -> None:
    with app.app_context(), tenant_context(place.acme_id):
        make_quiz(db.session.get(Module, place.advanced_id))
        db.session.commit()
    came_from = f"http://localhost/modules/{place.advanced_id}"

    response = ana.post(f"/modules/{place.advanced_id}/quiz/start", headers={"Referer": came_from})

    assert response.status_code == 403
    assert LOCKED in response.text
    assert f'href="/modules/{place.advanced_id}"' in response.text
    assert _count(app, place, QuizAttempt) == 0


def test_the_way_back_never_leads_to_another_site(ana: FlaskClient, place: Place) -> None:
    response = ana.post(
        f"/sections/{place.advanced_sections[0]}/complete", headers={"Referer": "https://evil.example/modules/1"}
    )

    assert response.status_code == 403
    assert "evil.example" not in response.text


def test_another_companys_suggestion_is_not_found_for_a_script_too(app: Flask, ana: FlaskClient, place: Place) -> None:
    with app.app_context(), tenant_context(place.globex_id):
        suggestion = KnowledgeSuggestion(author_id=None, title="Secret plans", description="")
        db.session.add(suggestion)
        db.session.commit()
        suggestion_id = suggestion.id

    page = ana.get(f"/suggestions/{suggestion_id}")
    script = ana.post(f"/suggestions/{suggestion_id}/vote", data={"voted": "1"}, headers={"Accept": "application/json"})

    assert page.status_code == 404
    assert "Secret plans" not in page.text
    assert script.status_code == 404
    assert set(script.get_json()) == {"error"}


def test_a_post_without_the_forms_token_changes_nothing(
    app: Flask, ana: FlaskClient, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every learner POST is checked by CSRFProtect before its view runs; no view repeats it."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = ana.post(f"/sections/{place.basics_sections[0]}/complete")

    assert response.status_code == 400
    assert _count(app, place, SectionCompletion) == 0


def _refusals() -> list[type[LmsError]]:
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found, todo = [], [LmsError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return [cls for cls in found if not issubclass(cls, ConfigError | TenantContextError)]


@pytest.mark.parametrize("error_class", _refusals(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_refusal_answers_with_a_client_error(error_class: type[LmsError]) -> None:
    assert 400 <= status_of(error_class("why")) < 500
