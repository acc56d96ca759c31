"""Can every member choose how often and about what they get email, per company? (issue 15, item 5)"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import EmailPreference, Tenant
from lms.models.enums import EmailFrequency, EmailTokenType, NotificationType, TenantRole
from lms.services import email_preferences, invites, notifications, tokens
from lms.services.digests import send_digests
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_user, signed_in_client
from tests.learner.conftest import Place

ALL_ON = {family: "y" for family in email_preferences.FAMILIES}


def _rows(app: Flask, user_id: int) -> list[tuple[int, EmailFrequency, bool, bool]]:
    with app.app_context(), unscoped("test"):
        return [
            tuple(row)
            for row in db.session.execute(
                sa.select(
                    EmailPreference.tenant_id,
                    EmailPreference.frequency,
                    EmailPreference.deadline_reminders,
                    EmailPreference.community,
                )
                .where(EmailPreference.user_id == user_id)
                .order_by(EmailPreference.tenant_id)
            )
        ]


def _member_of_both(app: Flask, place: Place) -> tuple[int, str]:
    with app.app_context(), unscoped("test"):
        acme, globex = db.session.get(Tenant, place.acme_id), db.session.get(Tenant, place.globex_id)
        user = make_user("both@acme.test", (acme, TenantRole.EMPLOYEE), (globex, TenantRole.EMPLOYEE))
        db.session.commit()
        return user.id, user.get_id()


def test_first_visit_gives_the_defaults_once(app: Flask, ana: FlaskClient, place: Place) -> None:
    assert _rows(app, place.ana_id) == []
    for _ in range(2):
        page = ana.get("/settings")
        assert page.status_code == 200
    assert _rows(app, place.ana_id) == [(place.acme_id, EmailFrequency.IMMEDIATE, True, True)]
    html = page.get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="IMMEDIATE"', html)
    assert len(re.findall(r'<input checked[^>]*type="checkbox"', html)) == len(email_preferences.FAMILIES)
    assert 'id="settings-link"' in html
    assert 'id="calendar-feed"' in html
    assert '<strong id="company-language">English</strong>' in html


def test_saving_changes_only_this_companys_row(app: Flask, place: Place) -> None:
    user_id, login = _member_of_both(app, place)
    acme = signed_in_client(app, login, place.acme_id)
    globex = signed_in_client(app, login, place.globex_id)
    assert globex.get("/settings").status_code == 200
    data = {**ALL_ON, "frequency": "WEEKLY"}
    del data["deadline_reminders"]
    response = acme.post("/settings", data=data)
    assert response.status_code == 302
    assert "Your settings are saved." in acme.get("/settings").get_data(as_text=True)
    assert _rows(app, user_id) == [
        (place.acme_id, EmailFrequency.WEEKLY, False, True),
        (place.globex_id, EmailFrequency.IMMEDIATE, True, True),
    ]
    page = globex.get("/settings").get_data(as_text=True)
    assert "Slovenščina" in page


@pytest.mark.parametrize("frequency", ["NEVER", "", "immediate", "x" * 300])
def test_a_bad_frequency_is_a_form_error_and_nothing_changes(
    app: Flask, ana: FlaskClient, place: Place, frequency: str
) -> None:
    ana.get("/settings")
    response = ana.post("/settings", data={"frequency": frequency})
    assert response.status_code == 400
    assert 'class="invalid-feedback d-block"' in response.get_data(as_text=True)
    assert _rows(app, place.ana_id) == [(place.acme_id, EmailFrequency.IMMEDIATE, True, True)]


@pytest.mark.parametrize("role", list(TenantRole), ids=[role.name for role in TenantRole])
def test_every_role_opens_and_saves_its_own_settings(app: Flask, place: Place, role: TenantRole) -> None:
    with app.app_context(), unscoped("test"):
        user = make_user(f"{role.name.lower()}@acme.test", (db.session.get(Tenant, place.acme_id), role))
        db.session.commit()
        user_id, login = user.id, user.get_id()
    client = signed_in_client(app, login, place.acme_id)
    assert client.get("/settings").status_code == 200
    assert client.post("/settings", data={"frequency": "OFF"}).status_code == 302
    assert _rows(app, user_id) == [(place.acme_id, EmailFrequency.OFF, False, False)]


def test_choosing_a_daily_digest_puts_the_member_in_it(app: Flask, ana: FlaskClient, place: Place) -> None:
    def due(frequency: EmailFrequency) -> int:
        with app.app_context(), tenant_context(place.acme_id):
            count = send_digests(db.session.get(Tenant, place.acme_id), frequency)
            db.session.rollback()
            return count

    with app.app_context(), tenant_context(place.acme_id):
        notifications.notify(place.ana_id, NotificationType.SYSTEM, "Welcome")
        db.session.commit()
    assert due(EmailFrequency.DAILY) == 0
    assert ana.post("/settings", data={**ALL_ON, "frequency": "DAILY"}).status_code == 302
    with app.app_context(), tenant_context(place.acme_id):
        notifications.notify(place.ana_id, NotificationType.SYSTEM, "Second")
        db.session.commit()
    assert due(EmailFrequency.DAILY) == 1
    assert due(EmailFrequency.WEEKLY) == 0


def test_accepting_an_invite_makes_the_default_row(app: Flask, place: Place) -> None:
    with app.app_context(), tenant_context(place.acme_id):
        token = tokens.issue(
            EmailTokenType.INVITE,
            "new@acme.test",
            timedelta(days=1),
            tenant_id=place.acme_id,
            role=TenantRole.EMPLOYEE,
        )
        user = invites.accept_invite(token, name="Nova", password="a long enough passphrase 42")
        db.session.commit()
        user_id = user.id
    assert _rows(app, user_id) == [(place.acme_id, EmailFrequency.IMMEDIATE, True, True)]
