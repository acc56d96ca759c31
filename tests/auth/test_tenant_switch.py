"""Is the session's company always one the user really belongs to, checked on every request?"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import AuditLog, Membership, Tenant, User
from lms.models.enums import AuditAction, Role, TenantRole
from lms.services.passwords import hash_password
from lms.tenancy import tenant_context, unscoped
from tests.auth.conftest import PASSWORD, People
from tests.factories import make_tenant, make_user, sign_in, sign_in_with_password

NO_LONGER_MEMBER = "You are no longer a member of that company."


def _tenant_in_session(client: FlaskClient) -> int | None:
    with client.session_transaction() as session:
        return session.get("tenant_id")


def _sign_in_as(client: FlaskClient, user_id: int, tenant_id: int | None = None) -> None:
    """A session as /login leaves it (``tests.factories.sign_in`` for a user known by id)."""
    with client.application.app_context():
        sign_in(client, db.session.get(User, user_id), tenant_id and db.session.get(Tenant, tenant_id))


def _member_of_both(app: Flask, people: People) -> None:
    with app.app_context():
        acme, globex = db.session.get(Tenant, people.acme_id), db.session.get(Tenant, people.globex_id)
        cene = make_user("cene@both.test", (acme, TenantRole.HR), (globex, TenantRole.EMPLOYEE))
        cene.password_hash = hash_password(PASSWORD)
        db.session.commit()


def _support_rows(app: Flask) -> list[tuple[int | None, int | None]]:
    with app.app_context(), unscoped("test reads the audit log"):
        rows = db.session.execute(
            sa.select(AuditLog.tenant_id, AuditLog.actor_id).where(AuditLog.action == AuditAction.SUPPORT_ACCESS)
        )
        return [tuple(row) for row in rows]


def _deactivate_membership(app: Flask, tenant_id: int, user_id: int) -> None:
    with app.app_context(), tenant_context(tenant_id):
        db.session.scalar(sa.select(Membership).where(Membership.user_id == user_id)).is_active = False
        db.session.commit()


def test_learner_with_one_company_lands_in_it(people: People, app: Flask, client: FlaskClient) -> None:
    sign_in_with_password(client, "ana@acme.test", PASSWORD)

    home = client.get("/")

    assert home.status_code == 200
    assert "Mojster · Acme" in home.text
    assert "Globex" not in home.text


def test_member_of_two_companies_switches_between_them(people: People, app: Flask, client: FlaskClient) -> None:
    _member_of_both(app, people)
    sign_in_with_password(client, "cene@both.test", PASSWORD)

    assert client.get("/").headers["Location"].startswith("/tenants"), "no company chosen yet"
    client.post("/tenants/switch", data={"tenant_id": people.acme_id})
    in_acme = client.get("/")
    assert "Mojster · Acme" in in_acme.text
    assert 'id="tenant-switcher"' in in_acme.text, "the top bar offers the other company"

    switched = client.post("/tenants/switch", data={"tenant_id": people.globex_id})

    assert switched.headers["Location"] == "/"
    assert _tenant_in_session(client) == people.globex_id
    assert "Mojster · Globex" in client.get("/").text


def test_switch_follows_next_only_within_the_site(people: People, app: Flask, client: FlaskClient) -> None:
    _member_of_both(app, people)
    sign_in_with_password(client, "cene@both.test", PASSWORD)

    local = client.post("/tenants/switch", data={"tenant_id": people.acme_id, "next": "/tenants"})
    remote = client.post("/tenants/switch", data={"tenant_id": people.acme_id, "next": "https://evil.test/"})

    assert local.headers["Location"] == "/tenants"
    assert remote.headers["Location"] == "/"


def test_switching_to_a_company_one_does_not_belong_to_is_404(people: People, app: Flask, client: FlaskClient) -> None:
    sign_in_with_password(client, "ana@acme.test", PASSWORD)

    response = client.post("/tenants/switch", data={"tenant_id": people.globex_id})

    assert response.status_code == 404
    assert _tenant_in_session(client) == people.acme_id
    assert "Mojster · Acme" in client.get("/").text


def test_switching_to_a_company_that_does_not_exist_is_404(people: People, app: Flask, client: FlaskClient) -> None:
    sign_in_with_password(client, "ana@acme.test", PASSWORD)

    assert client.post("/tenants/switch", data={"tenant_id": 999999}).status_code == 404
    assert client.post("/tenants/switch", data={"tenant_id": "acme"}).status_code == 400
    assert _tenant_in_session(client) == people.acme_id


def test_switching_needs_a_signed_in_user(people: People, app: Flask, client: FlaskClient) -> None:
    response = client.post("/tenants/switch", data={"tenant_id": people.acme_id})

    assert response.headers["Location"].startswith("/login")
    assert _tenant_in_session(client) is None


def test_removed_member_is_signed_out_of_the_company_on_the_next_request(
    people: People, app: Flask, client: FlaskClient
) -> None:
    sign_in_with_password(client, "ana@acme.test", PASSWORD)
    assert client.get("/").status_code == 200
    _deactivate_membership(app, people.acme_id, people.ana_id)

    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/tenants")
    page = client.get(response.headers["Location"])
    assert NO_LONGER_MEMBER in page.text
    assert "Acme" not in page.text
    assert _tenant_in_session(client) is None


def test_member_of_a_deactivated_company_is_signed_out_of_it(people: People, app: Flask, client: FlaskClient) -> None:
    sign_in_with_password(client, "ana@acme.test", PASSWORD)
    with app.app_context():
        db.session.get(Tenant, people.acme_id).is_active = False
        db.session.commit()

    response = client.get("/", follow_redirects=True)

    assert response.request.path == "/tenants"
    assert NO_LONGER_MEMBER in response.text
    assert "Mojster · Acme" not in response.text


def test_session_naming_a_foreign_company_shows_nothing_of_it(people: People, app: Flask, client: FlaskClient) -> None:
    _sign_in_as(client, people.ana_id, people.globex_id)

    response = client.get("/", follow_redirects=True)

    assert response.request.path == "/tenants"
    assert "Globex" not in response.text
    assert _tenant_in_session(client) is None


def test_session_with_a_garbage_company_id_shows_no_company(people: People, app: Flask, client: FlaskClient) -> None:
    _sign_in_as(client, people.ana_id)
    for garbage in ("1 OR 1=1", [people.acme_id], {"id": 1}, -1, str(people.acme_id)):
        with client.session_transaction() as session:
            session["tenant_id"] = garbage

        response = client.get("/", follow_redirects=True)

        assert response.request.path == "/tenants", garbage
        assert "Mojster · " not in response.text


def test_platform_staff_enter_any_company_and_it_is_audited(people: People, app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        staff = make_user("ops@mojster.test")
        staff.role = Role.OWNER
        staff.password_hash = hash_password(PASSWORD)
        db.session.commit()
        staff_id = staff.id
    sign_in_with_password(client, "ops@mojster.test", PASSWORD)

    response = client.post("/tenants/switch", data={"tenant_id": people.globex_id})

    assert response.status_code == 302
    assert "Mojster · Globex" in client.get("/").text
    assert _support_rows(app) == [(people.globex_id, staff_id)]


def test_staff_who_lose_the_platform_role_lose_support_access(people: People, app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        staff = make_user("ops@mojster.test")
        staff.role = Role.SUPER_ADMIN
        db.session.commit()
        staff_id = staff.id
    _sign_in_as(client, staff_id, people.acme_id)
    assert client.get("/").status_code == 200

    with app.app_context():
        db.session.get(User, staff_id).role = Role.EMPLOYEE
        db.session.commit()

    assert client.get("/").headers["Location"].startswith("/tenants")


def test_ordinary_user_gets_no_support_access(people: People, app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        outsider_id = make_tenant("initech").id
        db.session.commit()
    _sign_in_as(client, people.ana_id, people.acme_id)

    assert client.post("/tenants/switch", data={"tenant_id": outsider_id}).status_code == 404
    assert _support_rows(app) == []


def test_a_session_cookie_from_another_secret_key_is_signed_out(
    people: People, app: Flask, client: FlaskClient
) -> None:
    forger = Flask("forger")
    forger.config.update(SECRET_KEY="guessed", SESSION_COOKIE_NAME="mojster_session")
    with forger.test_request_context():
        serializer = forger.session_interface.get_signing_serializer(forger)
        forged = serializer.dumps({"_user_id": f"{people.ana_id}:2", "_fresh": True, "tenant_id": people.globex_id})
    client.set_cookie("mojster_session", forged)

    response = client.get("/")

    assert response.headers["Location"].startswith("/login")
