"""Does a session end for good when it should: sign-out, a password reset, a deactivated account?

Every test copies the browser's cookies into a second client first, as someone who
stole them would, and checks that the copy stops working too (issue 4: sessions are
ended on the server, not only in the browser that asked).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import AuditLog, User
from lms.models.enums import AuditAction
from lms.services.accounts import end_sessions
from lms.tenancy import unscoped
from tests.auth.conftest import PASSWORD, People, copy_cookies, link_in, path_of
from tests.factories import sign_in_with_password
from tests.smtp import Inbox


def _signed_in(app: Flask, email: str = "ana@acme.test", *, remember: bool = False) -> FlaskClient:
    client = app.test_client()
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    assert client.get("/").status_code == 200
    return client


def _sent_to_login(client: FlaskClient) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_sign_out_is_a_post(people: People, app: Flask) -> None:
    browser = _signed_in(app)

    assert browser.get("/logout").status_code == 405
    assert browser.get("/").status_code == 200, "a GET (an image tag, a prefetch) must not sign anyone out"


def test_sign_out_returns_to_the_sign_in_page(people: People, app: Flask) -> None:
    browser = _signed_in(app)

    response = browser.post("/logout", follow_redirects=True)

    assert response.request.path == "/login"
    assert "You are signed out." in response.text
    assert _sent_to_login(browser)


def test_cookie_copied_before_sign_out_no_longer_works(people: People, app: Flask) -> None:
    browser = _signed_in(app)
    thief = app.test_client()
    copy_cookies(browser, thief)
    assert thief.get("/").status_code == 200, "the copy works while the session lives"

    browser.post("/logout")

    assert _sent_to_login(thief)


def test_remember_cookie_copied_before_sign_out_no_longer_works(people: People, app: Flask) -> None:
    browser = _signed_in(app, remember=True)
    thief = app.test_client()
    thief.set_cookie("mojster_remember", browser.get_cookie("mojster_remember").value)

    browser.post("/logout")

    assert browser.get_cookie("mojster_remember") is None, "the browser is told to forget it"
    assert thief.get("/tenants").headers["Location"].startswith("/login")


def test_sign_out_is_audited(people: People, app: Flask) -> None:
    browser = _signed_in(app)

    browser.post("/logout")

    with app.app_context(), unscoped("test reads the audit log"):
        actors = db.session.scalars(sa.select(AuditLog.actor_id).where(AuditLog.action == AuditAction.LOGOUT)).all()
    assert actors == [people.ana_id]


def test_signing_in_again_after_sign_out_works(people: People, app: Flask) -> None:
    browser = _signed_in(app)
    browser.post("/logout")

    assert sign_in_with_password(browser, "ana@acme.test", PASSWORD).status_code == 302
    assert browser.get("/").status_code == 200


def test_password_reset_ends_other_sessions(people: People, app: Flask, smtp: Inbox) -> None:
    laptop = _signed_in(app, remember=True)
    phone = app.test_client()
    copy_cookies(laptop, phone)
    stranger = app.test_client()
    stranger.post("/forgot-password", data={"email": "ana@acme.test"})
    (message,) = smtp.messages

    changed = stranger.post(
        path_of(link_in(message)), data={"password": "Another-long-secret-9", "confirm": "Another-long-secret-9"}
    )

    assert changed.status_code == 302
    assert _sent_to_login(laptop)
    assert _sent_to_login(phone)


def test_deactivated_account_is_signed_out_everywhere(people: People, app: Flask) -> None:
    browser = _signed_in(app)
    thief = app.test_client()
    copy_cookies(browser, thief)

    with app.app_context():
        db.session.get(User, people.ana_id).is_active = False
        db.session.commit()

    assert _sent_to_login(browser)
    assert _sent_to_login(thief)


def test_reactivated_account_does_not_revive_old_sessions(people: People, app: Flask) -> None:
    browser = _signed_in(app, remember=True)
    with app.app_context():
        ana = db.session.get(User, people.ana_id)
        ana.is_active = False
        db.session.commit()
        ana.is_active = True
        db.session.commit()

    assert _sent_to_login(browser)
    assert sign_in_with_password(browser, "ana@acme.test", PASSWORD).status_code == 302


def test_ending_sessions_leaves_other_accounts_signed_in(people: People, app: Flask) -> None:
    ana = _signed_in(app)
    bor = _signed_in(app, "bor@globex.test")

    with app.app_context():
        end_sessions(db.session.get(User, people.ana_id))
        db.session.commit()

    assert _sent_to_login(ana)
    assert bor.get("/").status_code == 200


def test_tampered_session_cookie_is_treated_as_signed_out(people: People, app: Flask) -> None:
    browser = _signed_in(app)
    value = browser.get_cookie("mojster_session").value
    browser.set_cookie("mojster_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))

    assert _sent_to_login(browser)


def test_garbage_session_cookie_is_treated_as_signed_out(people: People, client: FlaskClient) -> None:
    client.set_cookie("mojster_session", "not-a-signed-cookie")

    assert _sent_to_login(client)
    assert client.get("/login").status_code == 200


def test_session_with_a_made_up_user_id_is_signed_out(people: People, client: FlaskClient) -> None:
    for forged in ("999999:1", f"{people.ana_id}:99", f"{people.ana_id}", "x:y", ""):
        with client.session_transaction() as session:
            session["_user_id"] = forged
            session["tenant_id"] = people.acme_id

        assert _sent_to_login(client), forged


def test_sign_out_without_a_csrf_token_is_refused(people: People, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    browser = _signed_in(app)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = browser.post("/logout")

    assert response.status_code == 400
    assert "The form expired or came from another site." in response.text
    assert browser.get("/").status_code == 200
