"""Does each manager get one weekly email about their own groups, with the list as a spreadsheet?"""

from __future__ import annotations

import io
from collections.abc import Iterator
from email.message import Message

import pytest
from flask import Flask
from openpyxl import load_workbook

from lms.extensions import db
from lms.models import EmailPreference, Tenant, User, UserPermission
from lms.models.enums import EmailFrequency, Permission, TenantRole
from lms.services.manager_digest import send_manager_digests
from lms.tenancy import tenant_context
from tests.factories import make_user
from tests.services.test_manager_dashboard import ManagerWorld, build_world
from tests.smtp import Inbox, plain_text, smtp_for


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_for(app, monkeypatch) as inbox:
        yield inbox


@pytest.fixture
def mw(app_ctx: Flask) -> ManagerWorld:
    world = build_world()
    make_user("hana@acme.test", (world.world.acme, TenantRole.HR), name="Hana Hr")
    return world


def _send(tenant: Tenant) -> int:
    with tenant_context(tenant.id):
        sent = send_manager_digests(tenant)
    db.session.commit()
    return sent


def _sheet(message: Message) -> list[tuple]:
    (part,) = [part for part in message.walk() if part.get_filename()]
    assert part.get_filename().endswith(".xlsx")
    book = load_workbook(io.BytesIO(part.get_payload(decode=True)))
    return list(book.active.iter_rows(values_only=True))


def test_hr_gets_every_group_and_a_scoped_manager_only_theirs(mw: ManagerWorld, smtp: Inbox) -> None:
    _send(mw.world.acme)

    by_recipient = {message["To"]: message for message in smtp.messages}
    assert set(by_recipient) == {"hana@acme.test", "mira@acme.test"}, "the employees and globex get nothing"
    hana = plain_text(by_recipient["hana@acme.test"])
    assert "Bea Berg: Safety, Overdue by 25 days" in hana
    assert "Dan Dale: Driving, Overdue by 25 days" in hana
    assert "Cid Cook: Safety, Certified until" in hana
    mira = plain_text(by_recipient["mira@acme.test"])
    assert "Dan Dale" in mira
    assert "Bea Berg" not in mira
    assert "Cid Cook" not in mira

    rows = _sheet(by_recipient["mira@acme.test"])
    assert rows[0] == ("Learner", "Email", "Groups", "Module", "Status", "Date")
    assert rows[1][:5] == ("Dan Dale", "dan@acme.test", "Drivers", "Driving", "Overdue by 25 days")
    assert len(rows) == 2


def test_the_email_goes_once_a_week(mw: ManagerWorld, smtp: Inbox) -> None:
    assert _send(mw.world.acme) == 2
    assert _send(mw.world.acme) == 0
    assert len(smtp.messages) == 2


def test_preferences_without_deadline_reminders_or_email_are_honoured(mw: ManagerWorld, smtp: Inbox) -> None:
    with tenant_context(mw.world.acme.id):
        hana = db.session.scalar(db.select(User).where(User.email == "hana@acme.test"))
        db.session.add_all(
            [
                EmailPreference(user_id=hana.id, deadline_reminders=False),
                EmailPreference(user_id=mw.mira.id, frequency=EmailFrequency.OFF),
            ]
        )
        db.session.flush()

    assert _send(mw.world.acme) == 0
    assert smtp.messages == []


def test_nothing_to_report_sends_nothing(mw: ManagerWorld, smtp: Inbox) -> None:
    with tenant_context(mw.world.acme.id):
        db.session.execute(
            db.update(UserPermission)
            .where(UserPermission.user_id == mw.mira.id)
            .values(scope={"group_ids": [mw.welders.id + 1000]})
        )
        hana = db.session.scalar(db.select(User).where(User.email == "hana@acme.test"))
        db.session.add(EmailPreference(user_id=hana.id, frequency=EmailFrequency.OFF))
        db.session.flush()

    _send(mw.world.acme)

    assert smtp.messages == []


def test_globex_managers_read_it_in_slovenian(mw: ManagerWorld, smtp: Inbox) -> None:
    make_user("greta@globex.test", (mw.world.globex, TenantRole.OWNER), name="Greta Globex")
    with tenant_context(mw.world.globex.id):
        db.session.add(UserPermission(user_id=mw.mira.id, permission=Permission.VIEW_MANAGER_DASHBOARD))
        db.session.flush()

    _send(mw.world.globex)

    (message,) = smtp.messages
    assert message["To"] == "greta@globex.test"
    rows = _sheet(message)
    assert rows[0][0] == "Udeleženec"
    assert rows[0][3] == "Modul"
    assert rows[1][0] == "Bor"
    assert "Acme" not in plain_text(message)
