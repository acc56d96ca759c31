"""Does every response carry the security headers, with a policy no injected script gets past? (issue 10)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models.enums import TenantRole
from lms.security import ADMIN_POLICY, PAGE_POLICY
from tests.factories import make_user, sign_in, two_tenants

ROOT = Path(__file__).resolve().parent.parent


def _directives(policy: str) -> dict[str, set[str]]:
    return {name: set(values) for name, *values in (part.split() for part in policy.split(";"))}


@pytest.fixture
def hr_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        world = two_tenants()
        hr = make_user("hr@acme.test", (world.acme, TenantRole.HR))
        sign_in(client, hr, world.acme)
        db.session.commit()
    return client


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/login", 200),
        ("/forgot-password", 200),
        ("/static/css/mojster.css", 200),
        ("/verify/no-such-code", 404),
        ("/no-such-page", 404),
        ("/admin/", 302),
    ],
)
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str, status: int) -> None:
    response = client.get(path)

    assert response.status_code == status
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers, "BASE_URL of the tests is http"


def test_a_refused_sign_in_carries_them_too(client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "1 per 10 minutes")
    client.post("/login", data={"email": "nobody@acme.test", "password": "guess"})

    refused = client.post("/login", data={"email": "nobody@acme.test", "password": "guess"})

    assert refused.status_code == 429
    assert refused.headers["Content-Security-Policy"] == PAGE_POLICY


def test_learner_and_sign_in_pages_run_no_inline_script(client: FlaskClient) -> None:
    policy = _directives(client.get("/login").headers["Content-Security-Policy"])

    assert policy["script-src"] == {"'self'"}
    assert policy["object-src"] == {"'none'"}
    assert policy["base-uri"] == {"'self'"}
    assert policy["form-action"] == {"'self'"}
    assert "'unsafe-inline'" not in policy["default-src"]


def test_admin_pages_allow_the_inline_script_flask_admin_needs_and_nothing_more(hr_client: FlaskClient) -> None:
    response = hr_client.get("/admin/")

    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == ADMIN_POLICY
    policy, page_policy = _directives(ADMIN_POLICY), _directives(PAGE_POLICY)
    assert policy["script-src"] == {"'self'", "'unsafe-inline'"}
    assert {name: values for name, values in policy.items() if name != "script-src"} == {
        name: values for name, values in page_policy.items() if name != "script-src"
    }


def test_a_section_video_may_be_framed_and_nothing_else(client: FlaskClient) -> None:
    policy = _directives(client.get("/login").headers["Content-Security-Policy"])

    assert policy["frame-src"] == {"https://www.youtube-nocookie.com", "https://player.vimeo.com"}


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
PAGE_TEMPLATES = sorted(
    str(path.relative_to(ROOT / "templates"))
    for path in (ROOT / "templates").rglob("*.html")
    if path.relative_to(ROOT / "templates").parts[0] not in ("admin", "email")
)


@pytest.mark.parametrize("template", PAGE_TEMPLATES)
def test_no_page_outside_the_admin_has_inline_script(template: str) -> None:
    """The pages' policy would block it: a page's script belongs in lms/static/js/ (the admin is
    exempt, its policy allows inline script; mail is not a page)."""
    assert INLINE_SCRIPT.findall((ROOT / "templates" / template).read_text()) == []


def test_https_deployments_send_hsts(client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "BASE_URL", "https://lms.example.com")

    response = client.get("/login", base_url="https://lms.example.com")

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
