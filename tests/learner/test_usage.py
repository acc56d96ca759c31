"""Can every signed-in member ping their usage session, and only their own, cheaply?"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import UserSession
from lms.tenancy import tenant_context
from tests.factories import signed_in_client
from tests.learner.conftest import Place

PING = "/usage/ping"
JSON = {"Accept": "application/json"}


def _sessions(app: Flask, tenant_id: int) -> list[tuple[int, int]]:
    with app.app_context(), tenant_context(tenant_id):
        return [tuple(row) for row in db.session.execute(sa.select(UserSession.id, UserSession.user_id))]


def test_a_learners_pings_start_and_then_continue_one_session(app: Flask, ana: FlaskClient, place: Place) -> None:
    first = ana.post(PING, headers=JSON)
    second = ana.post(PING, data={"session": first.json["session"]}, headers=JSON)

    assert first.status_code == second.status_code == 200
    assert second.json == first.json
    assert _sessions(app, place.acme_id) == [(first.json["session"], place.ana_id)]


def test_a_viewer_may_ping_too(app: Flask, viewer: FlaskClient, place: Place) -> None:
    response = viewer.post(PING, headers=JSON)

    assert response.status_code == 200
    assert len(_sessions(app, place.acme_id)) == 1


def test_an_anonymous_ping_writes_nothing(app: Flask, client: FlaskClient, place: Place) -> None:
    response = client.post(PING, headers=JSON)

    assert response.status_code in (302, 401)
    assert _sessions(app, place.acme_id) == []


def test_a_ping_naming_another_tenants_session_is_a_404_and_changes_nothing(
    app: Flask, ana: FlaskClient, place: Place
) -> None:
    bor = signed_in_client(app, _login_of(app, "bor@globex.test"), place.globex_id)
    theirs = bor.post(PING, headers=JSON).json["session"]
    before = _sessions(app, place.globex_id)

    refused = ana.post(PING, data={"session": theirs}, headers=JSON)

    assert refused.status_code == 404
    assert set(refused.json) == {"error"}
    assert _sessions(app, place.globex_id) == before
    assert _sessions(app, place.acme_id) == []


def test_a_ping_naming_a_colleagues_session_is_a_404(
    app: Flask, ana: FlaskClient, viewer: FlaskClient, place: Place
) -> None:
    theirs = viewer.post(PING, headers=JSON).json["session"]

    refused = ana.post(PING, data={"session": theirs}, headers=JSON)

    assert refused.status_code == 404
    assert _sessions(app, place.acme_id) == [(theirs, _user_id(app, "vid@acme.test"))]


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "99999999999"])
def test_a_session_that_is_not_a_number_is_a_400_with_a_message(
    app: Flask, ana: FlaskClient, place: Place, value: str
) -> None:
    response = ana.post(PING, data={"session": value}, headers=JSON)

    assert response.status_code == 400
    assert response.json == {"error": "The usage session must be a number."}
    assert _sessions(app, place.acme_id) == []


def test_a_ping_without_the_csrf_header_is_a_400(
    app: Flask, ana: FlaskClient, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = ana.post(PING, headers=JSON)

    assert response.status_code == 400
    assert "error" in response.json
    assert _sessions(app, place.acme_id) == []


def test_the_learner_page_carries_the_token_the_script_sends(
    app: Flask, ana: FlaskClient, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = ana.get("/")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)

    response = ana.post(PING, headers={**JSON, "X-CSRFToken": token})

    assert 'src="/static/js/usage-ping.js"' in page.text
    assert response.status_code == 200
    assert len(_sessions(app, place.acme_id)) == 1


def test_the_sign_in_page_does_not_ping(client: FlaskClient) -> None:
    assert "usage-ping" not in client.get("/login").text


def test_pings_are_limited_per_person(app: Flask, ana: FlaskClient, place: Place) -> None:
    answers = [ana.post(PING, headers=JSON).status_code for _ in range(11)]

    assert answers == [200] * 10 + [429]


def test_a_ping_runs_one_statement_beyond_the_signed_in_requests_own(
    app: Flask, ana: FlaskClient, place: Place, count_queries: list[str]
) -> None:
    """The user with their companies (and whether they hold grants: ana holds none, so her rights
    cost no query), and the session's UPDATE."""
    session_id = ana.post(PING, headers=JSON).json["session"]
    count_queries.clear()

    ana.post(PING, data={"session": session_id}, headers=JSON)

    touching = [q for q in count_queries if "user_session" in q]
    assert len(touching) == 1
    assert touching[0].lstrip().upper().startswith("UPDATE")
    assert len(count_queries) == 2, count_queries


def _user_id(app: Flask, email: str) -> int:
    from lms.models import User

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def _login_of(app: Flask, email: str) -> str:
    from lms.models import User

    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == email)).get_id()
