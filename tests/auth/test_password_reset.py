"""Can a person who forgot the password choose a new one, without the page telling who has an account?"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import AuditLog, EmailToken, User
from lms.models.enums import AuditAction
from lms.models.types import utcnow
from lms.services import tokens
from lms.tenancy import unscoped
from tests.auth.conftest import PASSWORD, People, link_in, path_of, text_of
from tests.factories import make_user, sign_in_with_password
from tests.smtp import Inbox

NEW_PASSWORD = "Lantern-over-the-bay-3"


def _ask_for_reset(client: FlaskClient, email: str):
    return client.post("/forgot-password", data={"email": email})


def _reset_path(client: FlaskClient, smtp: Inbox, email: str = "ana@acme.test") -> str:
    _ask_for_reset(client, email)
    return path_of(link_in(smtp.messages[-1]))


def _choose(client: FlaskClient, path: str, password: str = NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password})


def _stored_hash(app: Flask) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(User.password_hash).where(User.email == "ana@acme.test"))


def _token_emails(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(EmailToken.email)))


def test_forgot_password_answers_the_same_for_known_and_unknown_emails(
    people: People, app: Flask, client: FlaskClient, smtp: Inbox
) -> None:
    known = _ask_for_reset(client, "ana@acme.test")
    unknown = _ask_for_reset(client, "nobody@acme.test")

    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert known.headers == unknown.headers
    assert "If an account uses that address" in known.text
    assert [message["To"] for message in smtp.messages] == ["ana@acme.test"]
    assert _token_emails(app) == ["ana@acme.test"]


def test_reset_mail_speaks_the_language_of_the_page_it_was_asked_from(
    people: People, client: FlaskClient, smtp: Inbox
) -> None:
    """The lookup and the mail happen in a job (issue 10), which has no request: it is told the language."""
    client.post("/forgot-password", data={"email": "ana@acme.test"}, headers={"Accept-Language": "sl"})

    (message,) = smtp.messages
    assert message["Subject"] == "Ponastavitev gesla za Mojster"


def test_account_without_a_password_or_deactivated_gets_no_link(
    people: People, app: Flask, client: FlaskClient, smtp: Inbox
) -> None:
    with app.app_context():
        make_user("invited@acme.test")
        db.session.get(User, people.bor_id).is_active = False
        db.session.commit()

    assert _ask_for_reset(client, "invited@acme.test").status_code == 200
    assert _ask_for_reset(client, "bor@globex.test").status_code == 200

    assert smtp.messages == []
    assert _token_emails(app) == []


def test_reset_email_links_to_base_url_and_says_one_hour(people: People, client: FlaskClient, smtp: Inbox) -> None:
    client.post("/forgot-password", data={"email": "ana@acme.test"}, base_url="http://attacker.test")

    (message,) = smtp.messages
    assert link_in(message).startswith("http://lms.test/reset-password/")
    assert "expires in one hour" in text_of(message)


def test_reset_request_is_audited_with_the_requesters_address(
    people: People, app: Flask, client: FlaskClient, smtp: Inbox
) -> None:
    client.post("/forgot-password", data={"email": "ana@acme.test"}, environ_base={"REMOTE_ADDR": "198.51.100.7"})

    with app.app_context(), unscoped("test reads the audit log"):
        rows = db.session.execute(
            sa.select(AuditLog.actor_id, AuditLog.ip_address).where(
                AuditLog.action == AuditAction.PASSWORD_RESET_REQUESTED
            )
        ).all()
    assert [tuple(row) for row in rows] == [(people.ana_id, "198.51.100.7")]


def test_new_password_works_and_the_old_one_does_not(
    people: People, app: Flask, client: FlaskClient, smtp: Inbox
) -> None:
    path = _reset_path(client, smtp)
    assert "Choose a new password" in client.get(path).text

    response = _choose(client, path)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Your password is changed." in client.get("/login").text
    assert sign_in_with_password(client, "ana@acme.test", PASSWORD).status_code == 401
    assert sign_in_with_password(client, "ana@acme.test", NEW_PASSWORD).status_code == 302
    assert _stored_hash(app).startswith("$argon2id$")


def test_reset_link_works_only_once(people: People, client: FlaskClient, smtp: Inbox) -> None:
    path = _reset_path(client, smtp)
    _choose(client, path)

    again = _choose(client, path, "Someone-else-entirely-5")

    assert again.status_code == 410
    assert "This link was already used." in again.text
    assert sign_in_with_password(client, "ana@acme.test", NEW_PASSWORD).status_code == 302


def test_reset_link_expires_after_one_hour(
    people: People, app: Flask, client: FlaskClient, smtp: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _reset_path(client, smtp)
    now = utcnow()

    monkeypatch.setattr(tokens, "utcnow", lambda: now + timedelta(minutes=59))
    assert client.get(path).status_code == 200

    monkeypatch.setattr(tokens, "utcnow", lambda: now + timedelta(minutes=61))
    expired = client.get(path)
    assert expired.status_code == 410
    assert "This link has expired." in expired.text
    before = _stored_hash(app)
    assert _choose(client, path).status_code == 410
    assert _stored_hash(app) == before


def test_unknown_reset_token_gets_the_not_valid_page(people: People, client: FlaskClient) -> None:
    response = client.get("/reset-password/abc")

    assert response.status_code == 404
    assert "This link is not valid." in response.text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Short-7", "Field must be between 8 and 128 characters long."),
        ("y" * 129, "Field must be between 8 and 128 characters long."),
        ("iloveyou1", "This password is too common; choose another."),
        ("ANA@acme.test", "This password is too common; choose another."),
    ],
)
def test_weak_password_keeps_the_link_and_writes_nothing(
    people: People, app: Flask, client: FlaskClient, smtp: Inbox, password: str, message: str
) -> None:
    path = _reset_path(client, smtp)
    before = _stored_hash(app)

    refused = _choose(client, path, password)

    assert refused.status_code == 200
    assert message in refused.text
    assert _stored_hash(app) == before
    assert _choose(client, path).status_code == 302, "the link still works"


def test_a_newer_reset_link_replaces_the_older_one(people: People, client: FlaskClient, smtp: Inbox) -> None:
    old = _reset_path(client, smtp)
    new = _reset_path(client, smtp)

    assert client.get(old).status_code == 410
    assert _choose(client, new).status_code == 302


def test_reset_token_is_stored_only_hashed(people: People, app: Flask, client: FlaskClient, smtp: Inbox) -> None:
    token = _reset_path(client, smtp).rsplit("/", 1)[1]

    with app.app_context():
        rows = db.session.execute(sa.select(EmailToken.__table__)).mappings().all()
    assert len(rows) == 1
    assert token not in " ".join(str(value) for value in rows[0].values())


def test_forgot_password_requests_are_limited_per_address(people: People, client: FlaskClient, smtp: Inbox) -> None:
    for number in range(10):
        assert _ask_for_reset(client, f"someone{number}@acme.test").status_code == 200

    blocked = _ask_for_reset(client, "ana@acme.test")

    assert blocked.status_code == 429
    assert smtp.messages == []


def test_change_through_reset_is_audited(people: People, app: Flask, client: FlaskClient, smtp: Inbox) -> None:
    _choose(client, _reset_path(client, smtp))

    with app.app_context(), unscoped("test reads the audit log"):
        rows = db.session.execute(
            sa.select(AuditLog.actor_id, AuditLog.details).where(AuditLog.action == AuditAction.PASSWORD_CHANGED)
        ).all()
    assert [tuple(row) for row in rows] == [(people.ana_id, {"via": "reset"})]
