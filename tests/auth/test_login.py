"""Can a person sign in, and only with the right password, without telling strangers who has an account?"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from werkzeug.test import TestResponse

from lms import create_app
from lms.config import load_config
from lms.extensions import db, limiter
from lms.models import AuditLog, Tenant, User
from lms.models.enums import AuditAction, TenantRole
from lms.services.passwords import hash_password, verify_password
from lms.tenancy import unscoped
from tests.auth.conftest import PASSWORD, People
from tests.factories import make_user, sign_in_with_password


def _audit_rows(app: Flask, action: AuditAction) -> list[tuple]:
    """(actor, entity type, entity id, ip, details) of each audit row of ``action``."""
    with app.app_context(), unscoped("test reads the audit log"):
        rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action))
        return [(row.actor_id, row.entity_type, row.entity_id, row.ip_address, row.details) for row in rows]


def _tenant_in_session(client: FlaskClient) -> int | None:
    with client.session_transaction() as session:
        return session.get("tenant_id")


# --- who gets in -------------------------------------------------------------------------


def test_unknown_email_and_wrong_password_get_the_same_answer(people: People, client: FlaskClient) -> None:
    unknown = sign_in_with_password(client, "nobody@acme.test", PASSWORD)
    wrong = sign_in_with_password(client, "ana@acme.test", "not-her-password")

    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong email or password." in wrong.text
    assert unknown.text.replace("nobody@acme.test", "EMAIL") == wrong.text.replace("ana@acme.test", "EMAIL")


def test_right_password_lands_in_the_only_company(people: People, client: FlaskClient) -> None:
    response = sign_in_with_password(client, "ana@acme.test", PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert _tenant_in_session(client) == people.acme_id
    home = client.get("/")
    assert home.status_code == 200
    assert "Acme" in home.text


def test_email_is_matched_without_regard_to_case_or_spaces(people: People, client: FlaskClient) -> None:
    response = sign_in_with_password(client, "  Ana@ACME.test ", PASSWORD)

    assert response.status_code == 302


def test_member_of_several_companies_is_asked_to_choose(people: People, app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        acme, globex = db.session.get(Tenant, people.acme_id), db.session.get(Tenant, people.globex_id)
        cene = make_user("cene@both.test", (acme, TenantRole.HR), (globex, TenantRole.EMPLOYEE))
        cene.password_hash = hash_password(PASSWORD)
        db.session.commit()

    response = sign_in_with_password(client, "cene@both.test", PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/tenants")
    assert _tenant_in_session(client) is None
    page = client.get(response.headers["Location"])
    assert "Acme" in page.text
    assert "Globex" in page.text


def test_deactivated_account_cannot_sign_in(people: People, app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        db.session.get(User, people.ana_id).is_active = False
        db.session.commit()

    response = sign_in_with_password(client, "ana@acme.test", PASSWORD)

    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert client.get("/").headers["Location"].startswith("/login")


def test_password_is_stored_as_an_argon2id_hash(people: People, app: Flask) -> None:
    with app.app_context():
        stored = db.session.get(User, people.ana_id).password_hash

    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), "OWASP: 19 MiB, 2 iterations, 1 lane"
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)


# --- where it goes next ------------------------------------------------------------------


def test_next_takes_the_user_to_the_page_asked_for(people: People, client: FlaskClient) -> None:
    response = client.post("/login", data={"email": "ana@acme.test", "password": PASSWORD, "next": "/tenants"})

    assert response.headers["Location"] == "/tenants"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.test/login",
        "//evil.test/login",
        "/\\evil.test/login",
        "\\\\evil.test",
        "/\t/evil.test",
        "javascript:alert(1)",
        "evil.test",
    ],
)
def test_next_to_another_site_is_refused(people: People, client: FlaskClient, target: str) -> None:
    response = client.post("/login", data={"email": "ana@acme.test", "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- the audit trail ---------------------------------------------------------------------


def test_failed_sign_in_is_audited_with_the_email_and_ip(people: People, app: Flask, client: FlaskClient) -> None:
    sign_in_with_password(client, "Ana@acme.test", "not-her-password")

    assert _audit_rows(app, AuditAction.LOGIN_FAILED) == [(None, "user", None, "127.0.0.1", {"email": "ana@acme.test"})]
    assert _audit_rows(app, AuditAction.LOGIN_SUCCEEDED) == []


def test_successful_sign_in_is_audited_with_the_user(people: People, app: Flask, client: FlaskClient) -> None:
    sign_in_with_password(client, "ana@acme.test", PASSWORD)

    assert _audit_rows(app, AuditAction.LOGIN_SUCCEEDED) == [
        (people.ana_id, "user", str(people.ana_id), "127.0.0.1", {})
    ]
    assert _audit_rows(app, AuditAction.LOGIN_FAILED) == []


# --- the session cookie ------------------------------------------------------------------


def test_sign_in_starts_a_fresh_session(people: People, client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["tenant_id"] = people.globex_id

    sign_in_with_password(client, "ana@acme.test", PASSWORD)

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["tenant_id"] == people.acme_id


def test_session_cookie_is_http_only_and_same_site_lax(people: People, client: FlaskClient) -> None:
    sign_in_with_password(client, "ana@acme.test", PASSWORD)

    cookie = client.get_cookie("mojster_session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure, "BASE_URL of the tests is http"


def test_cookies_are_secure_when_base_url_is_https(tmp_path: Path) -> None:
    config = load_config({"LMS_ENV": "testing", "SECRET_KEY": "k", "BASE_URL": "https://lms.example.com"}, tmp_path)

    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["PREFERRED_URL_SCHEME"] == "https"


def _another_app(database_url: str, tmp_path: Path, **settings: object) -> Flask:
    """An app of its own on the suite's database, as another deployment would build it: no Redis, no mail,
    limits in memory. The environment the test set (``BASE_URL``, ``TRUSTED_PROXIES``) shapes it."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LMS_ENV": "testing",
            "TESTING": True,
            "REDIS_URL": None,
            "SMTP_HOST": None,
            "STORAGE_DIR": str(tmp_path / "storage"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            **settings,
        }
    )


def test_an_https_deployment_sends_a_secure_session_cookie(
    app: Flask, database_url: str, people: People, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BASE_URL", "https://lms.example.com")
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    https_app = _another_app(database_url, tmp_path)
    try:
        client = https_app.test_client()
        response = client.post(
            "/login", data={"email": "ana@acme.test", "password": PASSWORD}, base_url="https://lms.example.com"
        )
        assert response.status_code == 302
        cookie = client.get_cookie("mojster_session", domain="lms.example.com")
        assert cookie is not None
        assert cookie.secure
        assert cookie.http_only
    finally:
        limiter.init_app(app)  # the limiter is one object: give it back to the suite's app


def test_remember_me_sets_the_remember_cookie_only_when_ticked(people: People, app: Flask) -> None:
    forgetful = app.test_client()
    sign_in_with_password(forgetful, "ana@acme.test", PASSWORD)
    remembered = app.test_client()
    remembered.post("/login", data={"email": "ana@acme.test", "password": PASSWORD, "remember": "y"})

    assert forgetful.get_cookie("mojster_remember") is None
    cookie = remembered.get_cookie("mojster_remember")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_remember_cookie_alone_signs_the_user_back_in(people: People, app: Flask) -> None:
    browser = app.test_client()
    browser.post("/login", data={"email": "ana@acme.test", "password": PASSWORD, "remember": "y"})
    restarted = app.test_client()
    restarted.set_cookie("mojster_remember", browser.get_cookie("mojster_remember").value)

    assert restarted.get("/tenants").status_code == 200


# --- rate limits -------------------------------------------------------------------------


ATTACKER = "203.0.113.66"
OWNER_ADDRESS = "198.51.100.7"


def _sign_in_from(client: FlaskClient, address: str, email: str, password: str, **headers: str) -> TestResponse:
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}, headers=headers
    )


def test_failed_sign_ins_of_one_account_from_one_address_are_limited(
    people: People, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT_AND_IP", "3 per 10 minutes")
    for _ in range(3):
        assert sign_in_with_password(client, "ana@acme.test", "guess").status_code == 401

    blocked = sign_in_with_password(client, "ana@acme.test", PASSWORD)

    assert blocked.status_code == 429
    assert "Too many attempts in a short time." in blocked.text
    assert client.get("/").headers["Location"].startswith("/login"), "the right password did not get in"
    other_account = sign_in_with_password(client, "bor@globex.test", PASSWORD)
    assert other_account.status_code == 302


def test_a_strangers_failures_do_not_lock_the_owner_out(people: People, app: Flask) -> None:
    """Issue 10: five wrong passwords from anywhere used to lock the account for everyone."""
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(5):
        assert _sign_in_from(attacker, ATTACKER, "ana@acme.test", "guess").status_code == 401

    assert _sign_in_from(attacker, ATTACKER, "ana@acme.test", "guess").status_code == 429
    assert _sign_in_from(attacker, ATTACKER, "ana@acme.test", PASSWORD).status_code == 429
    assert _sign_in_from(owner, OWNER_ADDRESS, "ana@acme.test", PASSWORD).status_code == 302
    assert owner.get("/").status_code == 200


def test_guessing_one_account_from_many_addresses_meets_the_account_limit(
    people: People, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "4 per hour")
    for number in range(4):
        assert _sign_in_from(client, f"203.0.113.{number}", "ana@acme.test", "guess").status_code == 401

    assert _sign_in_from(client, "203.0.113.99", "ana@acme.test", PASSWORD).status_code == 429
    assert _sign_in_from(client, "203.0.113.99", "bor@globex.test", PASSWORD).status_code == 302


def test_account_limit_counts_the_email_however_it_is_typed(
    people: People, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT_AND_IP", "2 per 10 minutes")
    sign_in_with_password(client, "ana@acme.test", "guess")
    sign_in_with_password(client, "ANA@acme.test ", "guess")

    assert sign_in_with_password(client, "Ana@Acme.Test", "guess").status_code == 429


def test_failed_sign_ins_from_one_address_are_limited(
    people: People, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "3 per 10 minutes")
    for number in range(3):
        assert sign_in_with_password(client, f"guess{number}@acme.test", "guess").status_code == 401

    blocked = sign_in_with_password(client, "bor@globex.test", PASSWORD)

    assert blocked.status_code == 429
    assert "Too many attempts in a short time." in blocked.text
    elsewhere = client.post(
        "/login",
        data={"email": "bor@globex.test", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert elsewhere.status_code == 302


def test_successful_sign_ins_do_not_count_against_the_limits(
    people: People, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LOGIN_LIMIT_PER_ACCOUNT_AND_IP", "LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_IP"):
        monkeypatch.setitem(app.config, name, "2 per 10 minutes")
    for _ in range(4):
        assert sign_in_with_password(client, "ana@acme.test", PASSWORD).status_code == 302

    assert sign_in_with_password(client, "ana@acme.test", "guess").status_code == 401
    assert sign_in_with_password(client, "ana@acme.test", PASSWORD).status_code == 302


def test_limits_are_kept_in_redis_when_redis_url_is_set(
    app: Flask,
    database_url: str,
    redis: Redis,
    redis_url: str,
    people: People,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Several web processes share one count: a restarted limiter still sees the failures."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("LOGIN_LIMIT_PER_ACCOUNT", "2 per 10 minutes")
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    redis_app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LMS_ENV": "testing",
            "TESTING": True,
            "SMTP_HOST": None,
            "STORAGE_DIR": str(tmp_path / "storage"),
            "BASE_URL": "http://lms.test",
            "WTF_CSRF_ENABLED": False,
        }
    )
    try:
        assert redis_app.config["RATELIMIT_STORAGE_URI"] == redis_url
        limiter.reset()
        first_process = redis_app.test_client()
        for _ in range(2):
            assert sign_in_with_password(first_process, "ana@acme.test", "guess").status_code == 401

        limiter.init_app(redis_app)  # what another worker starts with: a new limiter, nothing in memory
        second_process = redis_app.test_client()

        assert sign_in_with_password(second_process, "ana@acme.test", PASSWORD).status_code == 429
        assert redis.keys("LIMITS*"), "the counters live in Redis"
    finally:
        limiter.reset()
        limiter.init_app(app)  # the limiter is one object: give it back to the suite's memory storage


def test_the_sign_in_page_itself_is_never_limited(
    people: People, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "1 per 10 minutes")
    sign_in_with_password(client, "ana@acme.test", "guess")

    assert client.get("/login").status_code == 200


# --- behind a load balancer -------------------------------------------------------------


@pytest.fixture
def behind_one_proxy(app: Flask, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Flask]:
    """The app as deployed behind one load balancer (``TRUSTED_PROXIES=1``)."""
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    try:
        proxied = _another_app(database_url, tmp_path, LOGIN_LIMIT_PER_IP="2 per 10 minutes")
        yield proxied
    finally:
        limiter.init_app(app)  # the limiter is one object: give it back to the suite's app


def test_behind_a_trusted_proxy_the_forwarded_client_is_audited_and_limited(
    people: People, app: Flask, behind_one_proxy: Flask
) -> None:
    client = behind_one_proxy.test_client()
    for _ in range(2):
        guess = _sign_in_from(client, "10.0.0.2", "nobody@acme.test", "guess", **{"X-Forwarded-For": ATTACKER})
        assert guess.status_code == 401

    assert {row[3] for row in _audit_rows(app, AuditAction.LOGIN_FAILED)} == {ATTACKER}
    again = _sign_in_from(client, "10.0.0.2", "ana@acme.test", PASSWORD, **{"X-Forwarded-For": ATTACKER})
    assert again.status_code == 429, "the limit counts the client, not the load balancer"
    owner = _sign_in_from(client, "10.0.0.2", "ana@acme.test", PASSWORD, **{"X-Forwarded-For": OWNER_ADDRESS})
    assert owner.status_code == 302


def test_without_trusted_proxies_x_forwarded_for_is_ignored(
    people: People, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default anyone could write the header, so it decides nothing."""
    assert app.config["TRUSTED_PROXIES"] == 0
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "2 per 10 minutes")
    for forged in ("192.0.2.1", "192.0.2.2"):
        _sign_in_from(client, ATTACKER, "nobody@acme.test", "guess", **{"X-Forwarded-For": forged})

    assert {row[3] for row in _audit_rows(app, AuditAction.LOGIN_FAILED)} == {ATTACKER}
    forged_again = _sign_in_from(client, ATTACKER, "ana@acme.test", PASSWORD, **{"X-Forwarded-For": "192.0.2.3"})
    assert forged_again.status_code == 429


# --- CSRF --------------------------------------------------------------------------------


def test_sign_in_without_a_csrf_token_is_refused(
    people: People, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = sign_in_with_password(client, "ana@acme.test", PASSWORD)

    assert response.status_code == 400
    assert "The form expired or came from another site." in response.text
    assert client.get("/").headers["Location"].startswith("/login")


def test_sign_in_with_the_page_csrf_token_works(
    people: People, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]

    response = client.post("/login", data={"email": "ana@acme.test", "password": PASSWORD, "csrf_token": token})

    assert response.status_code == 302


# --- bad input ---------------------------------------------------------------------------


def test_malformed_email_gets_a_field_error_and_is_not_counted(people: People, app: Flask, client: FlaskClient) -> None:
    response = sign_in_with_password(client, "not an email", PASSWORD)

    assert response.status_code == 200
    assert "Enter an email address such as name@company.com." in response.text
    assert _audit_rows(app, AuditAction.LOGIN_FAILED) == []
