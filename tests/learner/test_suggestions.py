"""Can learners submit, vote on and discuss suggestions through the pages? (issue 7, item 8)"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import KnowledgeSuggestion, KnowledgeSuggestionComment, KnowledgeSuggestionVote
from lms.services import suggestions
from lms.tenancy import tenant_context, unscoped
from tests.learner.conftest import Place


def _suggestion(app: Flask, tenant_id: int, author_id: int | None, title: str = "Forklift basics") -> int:
    with app.app_context(), tenant_context(tenant_id):
        suggestion = KnowledgeSuggestion(author_id=author_id, title=title, description="Please")
        db.session.add(suggestion)
        db.session.commit()
        return suggestion.id


def _state(app: Flask, suggestion_id: int) -> tuple[int, int, int]:
    with app.app_context(), unscoped("test"):
        count = db.session.scalar(
            sa.select(KnowledgeSuggestion.vote_count).where(KnowledgeSuggestion.id == suggestion_id)
        )
        votes = db.session.scalar(
            sa.select(sa.func.count()).where(KnowledgeSuggestionVote.suggestion_id == suggestion_id)
        )
        comments = db.session.scalar(
            sa.select(sa.func.count()).where(KnowledgeSuggestionComment.suggestion_id == suggestion_id)
        )
        return count, votes, comments


def test_submit_then_see_it_in_the_list(app: Flask, ana: FlaskClient, place: Place) -> None:
    response = ana.post("/suggestions", data={"title": "Ladder safety", "description": "Nobody knows"})
    assert response.status_code == 302
    page = ana.get("/suggestions?sort=newest").get_data(as_text=True)
    assert "Ladder safety" in page
    assert "Open" in page


def test_double_click_on_vote_counts_once(app: Flask, ana: FlaskClient, place: Place) -> None:
    suggestion_id = _suggestion(app, place.acme_id, place.ana_id)
    for _ in range(2):
        assert ana.post(f"/suggestions/{suggestion_id}/vote", data={"voted": "1"}).status_code == 302
    assert _state(app, suggestion_id)[:2] == (1, 1)
    for _ in range(2):
        ana.post(f"/suggestions/{suggestion_id}/vote", data={"voted": "0"})
    assert _state(app, suggestion_id)[:2] == (0, 0)


def test_viewer_reads_but_cannot_vote_submit_or_comment(app: Flask, viewer: FlaskClient, place: Place) -> None:
    suggestion_id = _suggestion(app, place.acme_id, place.ana_id)
    assert viewer.get(f"/suggestions/{suggestion_id}").status_code == 200
    assert viewer.post(f"/suggestions/{suggestion_id}/vote", data={"voted": "1"}).status_code == 403
    assert viewer.post(f"/suggestions/{suggestion_id}/comments", data={"body": "Hi"}).status_code == 403
    assert viewer.post("/suggestions", data={"title": "Mine"}).status_code == 403
    assert _state(app, suggestion_id) == (0, 0, 0)


def test_comment_on_another_tenants_suggestion_is_404(app: Flask, ana: FlaskClient, place: Place) -> None:
    foreign = _suggestion(app, place.globex_id, None, "Varnost")
    assert ana.post(f"/suggestions/{foreign}/comments", data={"body": "Hi"}).status_code == 404
    assert ana.post(f"/suggestions/{foreign}/vote", data={"voted": "1"}).status_code == 404
    assert ana.get(f"/suggestions/{foreign}").status_code == 404
    assert _state(app, foreign) == (0, 0, 0)


def test_threaded_reply_shows_and_a_foreign_parent_is_refused(app: Flask, ana: FlaskClient, place: Place) -> None:
    first = _suggestion(app, place.acme_id, place.ana_id)
    second = _suggestion(app, place.acme_id, place.ana_id, "Ladders")
    ana.post(f"/suggestions/{first}/comments", data={"body": "Top comment"})
    with app.app_context(), tenant_context(place.acme_id):
        parent_id = suggestions.comments_of(first)[0].id
    assert (
        ana.post(f"/suggestions/{first}/comments", data={"body": "A reply", "parent_id": parent_id}).status_code == 302
    )
    page = ana.get(f"/suggestions/{first}").get_data(as_text=True)
    assert page.index("Top comment") < page.index("A reply")
    refused = ana.post(f"/suggestions/{second}/comments", data={"body": "Wrong", "parent_id": parent_id})
    assert refused.status_code == 400
    assert "You can only reply to a comment on this suggestion." in refused.get_data(as_text=True)
    assert _state(app, second)[2] == 0
