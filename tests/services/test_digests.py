"""Do users who chose a daily or weekly digest get one email listing their unread notifications, once?"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.jobs import run_job
from lms.models import EmailPreference, Membership, Notification, User
from lms.models.enums import EmailFrequency, NotificationType, TenantRole
from lms.services.digests import send_digests
from lms.services.notifications import mark_read, notify
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_user, two_tenants
from tests.smtp import Inbox, plain_text, smtp_for

REMINDER = NotificationType.DEADLINE_REMINDER


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_for(app, monkeypatch) as inbox:
        yield inbox


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _learner(world: TwoTenants, name: str, frequency: EmailFrequency, **toggles: bool) -> User:
    user = make_user(f"{name}@acme.test", (world.acme, TenantRole.EMPLOYEE))
    with tenant_context(world.acme.id):
        db.session.add(EmailPreference(user_id=user.id, frequency=frequency, **toggles))
        db.session.flush()
    return user


def _digest(world: TwoTenants, frequency: EmailFrequency) -> int:
    with tenant_context(world.acme.id):
        sent = send_digests(world.acme, frequency)
    db.session.commit()
    return sent


def test_daily_digest_lists_every_unread_notification_in_one_email(world: TwoTenants, smtp: Inbox) -> None:
    dana = _learner(world, "dana", EmailFrequency.DAILY)
    with tenant_context(world.acme.id):
        notify(dana.id, REMINDER, "Forklift is due", "Finish it by Friday.", link="/modules/3")
        notify(dana.id, NotificationType.NEW_MODULE, "New module: Ladders")
    db.session.commit()
    assert smtp.messages == [], "a digest reader gets no email per notification"

    assert _digest(world, EmailFrequency.DAILY) == 1

    (message,) = smtp.messages
    assert message["To"] == "dana@acme.test"
    assert message["Subject"] == "2 new notifications in Acme"
    text = plain_text(message)
    assert "Forklift is due" in text
    assert "Finish it by Friday." in text
    assert "http://lms.test/modules/3" in text
    assert "New module: Ladders" in text


def test_nothing_goes_twice(world: TwoTenants, smtp: Inbox) -> None:
    dana = _learner(world, "dana", EmailFrequency.DAILY)
    with tenant_context(world.acme.id):
        notify(dana.id, REMINDER, "Forklift is due")
    db.session.commit()
    _digest(world, EmailFrequency.DAILY)

    assert _digest(world, EmailFrequency.DAILY) == 0
    with tenant_context(world.acme.id):
        notify(dana.id, REMINDER, "Ladders are due")
    db.session.commit()
    assert _digest(world, EmailFrequency.DAILY) == 1

    assert [m["Subject"] for m in smtp.messages] == ["1 new notification in Acme"] * 2
    assert "Forklift" not in plain_text(smtp.messages[1])


def test_each_frequency_gets_its_own_digest(world: TwoTenants, smtp: Inbox) -> None:
    dana = _learner(world, "dana", EmailFrequency.DAILY)
    walt = _learner(world, "walt", EmailFrequency.WEEKLY)
    ivan = _learner(world, "ivan", EmailFrequency.IMMEDIATE)
    olga = _learner(world, "olga", EmailFrequency.OFF)
    with tenant_context(world.acme.id):
        for user in (dana, walt, ivan, olga):
            notify(user.id, REMINDER, f"Reminder for {user.email}")
    db.session.commit()
    smtp.messages.clear()

    _digest(world, EmailFrequency.DAILY)
    assert [m["To"] for m in smtp.messages] == ["dana@acme.test"]
    _digest(world, EmailFrequency.WEEKLY)
    assert [m["To"] for m in smtp.messages] == ["dana@acme.test", "walt@acme.test"]


def test_read_emailed_and_switched_off_notifications_stay_out(world: TwoTenants, smtp: Inbox) -> None:
    dana = _learner(world, "dana", EmailFrequency.DAILY, community=False)
    with tenant_context(world.acme.id):
        read = notify(dana.id, REMINDER, "Already read")
        mark_read(dana.id, read.id)
        notify(dana.id, NotificationType.RADAR_APPROVED, "Community news (switched off)")
        notify(dana.id, REMINDER, "Still unread")
    db.session.commit()

    _digest(world, EmailFrequency.DAILY)

    (message,) = smtp.messages
    text = plain_text(message)
    assert "Still unread" in text
    assert "Already read" not in text
    assert "Community news" not in text


def test_inactive_members_get_no_digest(world: TwoTenants, smtp: Inbox) -> None:
    dana = _learner(world, "dana", EmailFrequency.DAILY)
    with tenant_context(world.acme.id):
        notify(dana.id, REMINDER, "Forklift is due")
        db.session.execute(sa.update(Membership).where(Membership.user_id == dana.id).values(is_active=False))
    db.session.commit()

    assert _digest(world, EmailFrequency.DAILY) == 0
    assert smtp.messages == []
    with tenant_context(world.acme.id):
        assert db.session.scalar(sa.select(Notification.emailed_at)) is None, "kept for when she comes back"


def test_the_daily_job_sends_the_digests_of_every_company(world: TwoTenants, smtp: Inbox) -> None:
    dana = _learner(world, "dana", EmailFrequency.DAILY)
    with tenant_context(world.globex.id):
        db.session.add(EmailPreference(user_id=world.bor.id, frequency=EmailFrequency.DAILY))
        notify(world.bor.id, REMINDER, "Viličar")
    with tenant_context(world.acme.id):
        notify(dana.id, REMINDER, "Forklift is due")
    db.session.commit()

    run_job("lms.services.schedule:daily_digest", (), {})

    assert sorted(m["To"] for m in smtp.messages) == ["bor@globex.test", "dana@acme.test"]
    (to_bor,) = [m for m in smtp.messages if m["To"] == "bor@globex.test"]
    assert "Viličar" in plain_text(to_bor)
    assert "Forklift" not in plain_text(to_bor)
