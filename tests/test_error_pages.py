"""Does the error page show after a statement failed, without needing the database? (issue 10, item 6)
And does a service's refusal (``LmsError``) undo the request's writes and answer with its
message, as a page or as JSON? (issue 11, item 4)

On PostgreSQL a failed statement aborts the transaction: every later query of the
request fails until it is rolled back. The pages here fail on purpose in an app of
their own (routes cannot be added to the shared one once it has served a request),
which answers errors as production does instead of raising them into the test.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask, abort
from flask.testing import FlaskClient

from lms import create_app
from lms.errors import ConfigError, LmsError
from lms.extensions import db
from lms.models import Tenant
from lms.models.enums import TenantRole
from tests.factories import make_tenant, make_user, sign_in

FAILING = "SELECT no_such_column FROM tenant"


@pytest.fixture(scope="session")
def failing_app(app: Flask) -> Flask:
    """Built before any test's transaction begins: SQLite would make it wait for that one's lock."""
    application = create_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @application.get("/fail")
    def fail() -> None:
        db.session.execute(sa.text(FAILING))

    @application.get("/fail-then-refuse")
    def fail_then_refuse() -> None:
        try:
            db.session.execute(sa.text(FAILING))
        except sa.exc.DBAPIError:
            abort(404)

    @application.post("/write-then-refuse")
    def write_then_refuse() -> None:
        db.session.add(Tenant(name="Ghost", slug="ghost", locale="en"))
        db.session.flush()
        raise LmsError("Refused on purpose.")

    @application.get("/misconfigured")
    def misconfigured() -> None:
        raise ConfigError("LMS_SECRET_KEY is not set")

    return application


@pytest.fixture
def slovenian_member(app: Flask, failing_app: Flask) -> FlaskClient:
    """Signed in, in a company whose pages are in Slovenian."""
    client = failing_app.test_client()
    with app.app_context():
        tenant = make_tenant("kovina", locale="sl")
        user = make_user("mojca@kovina.test", (tenant, TenantRole.EMPLOYEE))
        sign_in(client, user, tenant)
        db.session.commit()
    return client


def test_the_500_page_shows_after_a_failed_statement_in_the_companys_language(
    slovenian_member: FlaskClient,
) -> None:
    response = slovenian_member.get("/fail")

    assert response.status_code == 500
    assert "Prišlo je do napake" in response.text
    assert '<html lang="sl">' in response.text


def test_the_500_page_runs_no_query_after_the_failure(slovenian_member: FlaskClient, count_queries: list[str]) -> None:
    slovenian_member.get("/fail")

    assert count_queries[-1] == FAILING, "nothing read after the failed statement"


def test_a_refusal_after_a_failed_statement_still_gets_the_full_page(slovenian_member: FlaskClient) -> None:
    response = slovenian_member.get("/fail-then-refuse")

    assert response.status_code == 404
    assert "Ni mogoče najti" in response.text
    assert "Kovina" in response.text, "the top bar, read after the rollback"


def _ghosts(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Tenant.id)).where(Tenant.slug == "ghost"))


def test_a_refusal_undoes_the_requests_writes_and_says_why(app: Flask, slovenian_member: FlaskClient) -> None:
    response = slovenian_member.post("/write-then-refuse")

    assert response.status_code == 400
    assert "Refused on purpose." in response.text
    assert '<html lang="sl">' in response.text
    assert _ghosts(app) == 0


def test_a_script_gets_the_refusal_as_json(app: Flask, slovenian_member: FlaskClient) -> None:
    by_accept = slovenian_member.post("/write-then-refuse", headers={"Accept": "application/json"})
    by_xhr = slovenian_member.post("/write-then-refuse", headers={"X-Requested-With": "XMLHttpRequest"})

    for response in (by_accept, by_xhr):
        assert response.status_code == 400
        assert response.get_json() == {"error": "Refused on purpose."}
    assert _ghosts(app) == 0


def test_a_browser_that_accepts_anything_gets_the_page(slovenian_member: FlaskClient) -> None:
    response = slovenian_member.post("/write-then-refuse", headers={"Accept": "text/html,*/*;q=0.8"})

    assert response.mimetype == "text/html"


def test_a_broken_configuration_stays_a_failure_not_a_refusal(slovenian_member: FlaskClient) -> None:
    response = slovenian_member.get("/misconfigured")

    assert response.status_code == 500
    assert "LMS_SECRET_KEY" not in response.text


def test_a_form_without_its_token_is_refused_in_the_companys_language(
    app: Flask, failing_app: Flask, slovenian_member: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(failing_app.config, "WTF_CSRF_ENABLED", True)

    response = slovenian_member.post("/write-then-refuse", data={"csrf_token": "forged"})

    assert response.status_code == 400
    assert "Obrazec je potekel" in response.text
    assert _ghosts(app) == 0
