"""Does an invite bring exactly the invited person into exactly one company, once?

Invites are sent by the service the People screen calls (``services.invites.invite``)
and travel through a real SMTP server; the tests follow the link from the email.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lms.extensions import db
from lms.models import EmailToken, Membership, Tenant, User
from lms.models.enums import EmailTokenType, Role, TenantPlan, TenantRole
from lms.models.types import utcnow
from lms.services import invites, tokens
from lms.services.plans import PlanLimitReached
from lms.tenancy import tenant_context
from tests.auth.conftest import PASSWORD, People, link_in, path_of, text_of
from tests.factories import make_tenant, make_user, sign_in_with_password
from tests.smtp import Inbox

NEW_PASSWORD = "Quiet-river-stones-4"


def _invite(app: Flask, tenant_id: int, email: str, role: TenantRole = TenantRole.EMPLOYEE, **request) -> None:
    """What the People screen does: someone who may invite (platform support, in any company)
    calls the service; the request commits at its end."""
    with app.test_request_context("/admin/", **request):
        inviter = db.session.scalar(sa.select(User).where(User.email == "support@mojster.test"))
        if inviter is None:
            inviter = make_user("support@mojster.test")
            inviter.role = Role.SUPER_ADMIN
        invites.invite(db.session.get(Tenant, tenant_id), email, role, inviter)
        db.session.commit()


def _invite_link(app: Flask, smtp: Inbox, tenant_id: int, email: str, role: TenantRole = TenantRole.EMPLOYEE) -> str:
    _invite(app, tenant_id, email, role)
    return path_of(link_in(smtp.messages[-1]))


def _membership(app: Flask, tenant_id: int, email: str) -> tuple[TenantRole, bool] | None:
    """(role, active) of the email's membership in the tenant, or None."""
    with app.app_context(), tenant_context(tenant_id):
        row = db.session.execute(
            sa.select(Membership.role, Membership.is_active)
            .join(User, User.id == Membership.user_id)
            .where(User.email == email)
        ).first()
        return None if row is None else tuple(row)


def _account(app: Flask, email: str) -> tuple[str, str | None] | None:
    """(name, password hash) of the account with this email, or None."""
    with app.app_context():
        row = db.session.execute(sa.select(User.name, User.password_hash).where(User.email == email)).first()
        return None if row is None else tuple(row)


def _new_company(app: Flask, slug: str, plan: TenantPlan, members: int) -> int:
    with app.app_context():
        tenant = make_tenant(slug, plan=plan)
        for number in range(members):
            make_user(f"member{number}@{slug}.test", (tenant, TenantRole.EMPLOYEE))
        db.session.commit()
        return tenant.id


def _add_member(app: Flask, tenant_id: int, email: str) -> None:
    with app.app_context():
        make_user(email, (db.session.get(Tenant, tenant_id), TenantRole.EMPLOYEE))
        db.session.commit()


def _join_new(client: FlaskClient, path: str, name: str = "Dana Novak", password: str = NEW_PASSWORD) -> TestResponse:
    return client.post(path, data={"name": name, "password": password, "confirm": password})


# --- the email and its token -------------------------------------------------------------


def test_invite_email_carries_a_link_built_from_base_url(people: People, app: Flask, smtp: Inbox) -> None:
    _invite(app, people.acme_id, "Dana@Example.test", base_url="http://attacker.test")

    (message,) = smtp.messages
    assert message["To"] == "dana@example.test"
    assert "Acme" in message["Subject"]
    assert link_in(message).startswith("http://lms.test/invite/")
    assert "attacker.test" not in text_of(message)
    assert "expires in 7 days" in text_of(message)


def test_invite_token_is_long_random_and_stored_only_hashed(people: People, app: Flask, smtp: Inbox) -> None:
    first = _invite_link(app, smtp, people.acme_id, "dana@example.test").rsplit("/", 1)[1]
    second = _invite_link(app, smtp, people.acme_id, "eva@example.test").rsplit("/", 1)[1]

    assert first != second
    assert len(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))) * 8 >= 128
    with app.app_context():
        rows = db.session.execute(sa.select(EmailToken.__table__)).mappings().all()
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert len(rows) == 2
    assert first not in stored
    assert second not in stored


def test_invite_link_works_for_seven_days_and_then_expires(
    people: People, app: Flask, smtp: Inbox, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _invite_link(app, smtp, people.acme_id, "dana@example.test")
    now = utcnow()

    monkeypatch.setattr(tokens, "utcnow", lambda: now + timedelta(days=7) - timedelta(minutes=1))
    assert client.get(path).status_code == 200

    monkeypatch.setattr(tokens, "utcnow", lambda: now + timedelta(days=7, minutes=1))
    expired = client.get(path)
    assert expired.status_code == 410
    assert "This link has expired." in expired.text
    assert _join_new(client, path).status_code == 410
    assert _account(app, "dana@example.test") is None


def test_unknown_invite_token_gets_the_not_valid_page(people: People, client: FlaskClient) -> None:
    response = client.get("/invite/not-a-real-token")

    assert response.status_code == 404
    assert "This link is not valid." in response.text


def test_a_new_invite_replaces_the_older_one(people: People, app: Flask, smtp: Inbox, client: FlaskClient) -> None:
    old = _invite_link(app, smtp, people.acme_id, "dana@example.test")
    new = _invite_link(app, smtp, people.acme_id, "dana@example.test")

    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200


def test_invite_token_is_not_a_password_reset_token(
    people: People, app: Flask, smtp: Inbox, client: FlaskClient
) -> None:
    token = _invite_link(app, smtp, people.acme_id, "dana@example.test").rsplit("/", 1)[1]

    assert client.get(f"/reset-password/{token}").status_code == 404
    assert client.get(f"/invite/{token}").status_code == 200


# --- a new account -----------------------------------------------------------------------


def test_new_person_sets_name_and_password_and_lands_in_the_company(
    people: People, app: Flask, smtp: Inbox, client: FlaskClient
) -> None:
    path = _invite_link(app, smtp, people.acme_id, "dana@example.test", TenantRole.HR)
    page = client.get(path)
    assert "Join Acme" in page.text
    assert "dana@example.test" in page.text

    response = _join_new(client, path)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert "Mojster · Acme" in home.text
    assert "Welcome to Acme." in home.text
    name, password_hash = _account(app, "dana@example.test")
    assert name == "Dana Novak"
    assert password_hash.startswith("$argon2id$")
    assert _membership(app, people.acme_id, "dana@example.test") == (TenantRole.HR, True)
    assert _membership(app, people.globex_id, "dana@example.test") is None
    client.post("/logout")
    assert sign_in_with_password(client, "dana@example.test", NEW_PASSWORD).status_code == 302


def test_invite_link_works_only_once(people: People, app: Flask, smtp: Inbox, client: FlaskClient) -> None:
    path = _invite_link(app, smtp, people.acme_id, "dana@example.test")
    _join_new(client, path)
    other = app.test_client()

    again = other.get(path)
    posted = _join_new(other, path, name="Intruder", password="Intruder-password-1")

    assert again.status_code == 410
    assert "This link was already used." in again.text
    assert posted.status_code == 410
    assert _account(app, "dana@example.test")[0] == "Dana Novak"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Short-7", "Field must be between 8 and 128 characters long."),
        ("x" * 129, "Field must be between 8 and 128 characters long."),
        ("password123", "This password is too common; choose another."),
        ("dana@example.test", "This password is too common; choose another."),
    ],
    ids=["7 characters", "129 characters", "common", "the email itself"],
)
def test_weak_password_is_refused_with_a_clear_message_and_nothing_is_written(
    people: People, app: Flask, smtp: Inbox, client: FlaskClient, password: str, message: str
) -> None:
    path = _invite_link(app, smtp, people.acme_id, "dana@example.test")

    response = _join_new(client, path, password=password)

    assert response.status_code == 200
    assert message in response.text
    assert _account(app, "dana@example.test") is None
    assert client.get(path).status_code == 200, "the link still works"


def test_different_confirmation_is_refused(people: People, app: Flask, smtp: Inbox, client: FlaskClient) -> None:
    path = _invite_link(app, smtp, people.acme_id, "dana@example.test")

    response = client.post(path, data={"name": "Dana", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})

    assert "The passwords differ." in response.text
    assert _account(app, "dana@example.test") is None


# --- an existing account -----------------------------------------------------------------


def test_existing_account_must_give_its_own_password(
    people: People, app: Flask, smtp: Inbox, client: FlaskClient
) -> None:
    path = _invite_link(app, smtp, people.globex_id, "ana@acme.test", TenantRole.VIEWER)
    page = client.get(path)
    assert "You already have a Mojster account as ana@acme.test." in page.text
    assert 'name="name"' not in page.text

    wrong = client.post(path, data={"password": "not-her-password"})

    assert wrong.status_code == 200
    assert "That is not the password of ana@acme.test." in wrong.text
    assert _membership(app, people.globex_id, "ana@acme.test") is None
    assert client.get("/").headers["Location"].startswith("/login"), "nobody was signed in"
    assert client.get(path).status_code == 200, "the link still works"


def test_existing_account_joins_with_its_password_and_keeps_its_other_company(
    people: People, app: Flask, smtp: Inbox, client: FlaskClient
) -> None:
    path = _invite_link(app, smtp, people.globex_id, "ana@acme.test", TenantRole.VIEWER)
    assert "confirm with your Mojster password" in text_of(smtp.messages[0])
    _, before = _account(app, "ana@acme.test")

    response = client.post(path, data={"password": PASSWORD})

    assert response.headers["Location"] == "/"
    assert "Mojster · Globex" in client.get("/").text
    assert _membership(app, people.globex_id, "ana@acme.test") == (TenantRole.VIEWER, True)
    assert _membership(app, people.acme_id, "ana@acme.test") == (TenantRole.EMPLOYEE, True)
    assert _account(app, "ana@acme.test")[1] == before


def test_inviting_an_active_member_is_refused(people: People, app: Flask, smtp: Inbox) -> None:
    with pytest.raises(invites.AlreadyMember, match="already a member"):
        _invite(app, people.acme_id, "ana@acme.test")
    assert smtp.messages == []


def test_deactivated_membership_is_reactivated_by_a_new_invite(
    people: People, app: Flask, smtp: Inbox, client: FlaskClient
) -> None:
    _add_member(app, people.globex_id, "cene@globex.test")
    with app.app_context(), tenant_context(people.globex_id):
        membership = db.session.scalar(
            sa.select(Membership).join(User, User.id == Membership.user_id).where(User.email == "cene@globex.test")
        )
        membership.role = TenantRole.HR
        membership.is_active = False
        db.session.commit()

    path = _invite_link(app, smtp, people.globex_id, "cene@globex.test", TenantRole.EMPLOYEE)
    response = _join_new(client, path, name="Cene")

    assert response.status_code == 302
    assert _membership(app, people.globex_id, "cene@globex.test") == (TenantRole.EMPLOYEE, True)
    with app.app_context(), tenant_context(people.globex_id):
        assert db.session.scalar(sa.select(sa.func.count(Membership.id))) == 2, "Bor and Cene, no second row"


# --- plan limits -------------------------------------------------------------------------


def test_free_plan_with_25_members_cannot_invite_more(people: People, app: Flask, smtp: Inbox) -> None:
    small = _new_company(app, "smallco", TenantPlan.FREE, members=25)

    with pytest.raises(PlanLimitReached) as refused:
        _invite(app, small, "dana@example.test")

    assert str(refused.value) == "The FREE plan allows 25 users; upgrade the plan to add more."
    assert smtp.messages == []
    with app.app_context():
        assert db.session.scalars(sa.select(EmailToken.id)).all() == []


def test_invite_cannot_be_accepted_once_the_plan_is_full(
    people: People, app: Flask, smtp: Inbox, client: FlaskClient
) -> None:
    small = _new_company(app, "smallco", TenantPlan.FREE, members=24)
    path = _invite_link(app, smtp, small, "dana@example.test")
    _add_member(app, small, "late@smallco.test")

    response = _join_new(client, path)

    assert response.status_code == 409
    assert "The FREE plan allows 25 users; upgrade the plan to add more." in response.text
    assert _account(app, "dana@example.test") is None
    assert client.get(path).status_code == 200, "the link works again once there is room"


def test_invite_into_a_free_plan_with_room_is_accepted(
    people: People, app: Flask, smtp: Inbox, client: FlaskClient
) -> None:
    small = _new_company(app, "smallco", TenantPlan.FREE, members=24)
    path = _invite_link(app, smtp, small, "dana@example.test")

    assert _join_new(client, path).status_code == 302
    assert _membership(app, small, "dana@example.test") == (TenantRole.EMPLOYEE, True)


def test_invite_service_and_link_agree_on_the_invited_email(people: People, app: Flask, smtp: Inbox) -> None:
    token = _invite_link(app, smtp, people.acme_id, "dana@example.test").rsplit("/", 1)[1]

    with app.app_context():
        pending = tokens.peek(EmailTokenType.INVITE, token)
        assert (pending.email, pending.tenant_id, pending.role) == (
            "dana@example.test",
            people.acme_id,
            TenantRole.EMPLOYEE,
        )
        assert abs(pending.expires_at - pending.created_at - timedelta(days=7)) < timedelta(minutes=1)
