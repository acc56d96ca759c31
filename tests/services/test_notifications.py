"""Is a notification sent at most once per key, and does its email copy follow the user's preferences?"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import EmailPreference, Membership, Notification, NotificationDedup
from lms.models.enums import EmailFrequency, NotificationType, TenantRole
from lms.services.notifications import Planned, mark_all_read, mark_read, notify, notify_many, unread_count
from lms.tenancy import tenant_context, unscoped
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


def _prefer(world: TwoTenants, **values: object) -> None:
    with tenant_context(world.acme.id):
        db.session.add(EmailPreference(user_id=world.ana.id, **values))
        db.session.flush()


def _titles(tenant_id: int) -> list[str]:
    with tenant_context(tenant_id):
        return list(db.session.scalars(sa.select(Notification.title).order_by(Notification.id)))


def test_the_same_dedup_key_notifies_once(world: TwoTenants, smtp: Inbox) -> None:
    with tenant_context(world.acme.id):
        first = notify(world.ana.id, REMINDER, "Forklift is due", dedup_key="deadline:7d:1:2:2026-12-01")
        second = notify(world.ana.id, REMINDER, "Forklift is due", dedup_key="deadline:7d:1:2:2026-12-01")
    db.session.commit()

    assert first is not None
    assert second is None
    assert _titles(world.acme.id) == ["Forklift is due"]
    assert len(smtp.messages) == 1


def test_a_dedup_key_of_one_tenant_does_not_block_another(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        assert notify(world.ana.id, REMINDER, "Acme reminder", dedup_key="deadline:7d:x") is not None
    with tenant_context(world.globex.id):
        assert notify(world.bor.id, REMINDER, "Globex reminder", dedup_key="deadline:7d:x") is not None

    assert _titles(world.acme.id) == ["Acme reminder"]
    assert _titles(world.globex.id) == ["Globex reminder"]


def test_immediate_preference_mails_the_notification(world: TwoTenants, smtp: Inbox) -> None:
    _prefer(world, frequency=EmailFrequency.IMMEDIATE)
    with tenant_context(world.acme.id):
        notify(world.ana.id, REMINDER, "Forklift is due tomorrow", "Finish it by Friday.", link="/modules/7")
    assert smtp.messages == [], "no mail before the commit"
    db.session.commit()

    (message,) = smtp.messages
    assert message["To"] == "ana@acme.test"
    assert message["Subject"] == "Forklift is due tomorrow"
    text = plain_text(message)
    assert "Finish it by Friday." in text
    assert "http://lms.test/modules/7" in text
    with tenant_context(world.acme.id):
        assert db.session.scalar(sa.select(Notification.emailed_at)) is not None


def test_family_toggle_off_sends_no_email(world: TwoTenants, smtp: Inbox) -> None:
    _prefer(world, frequency=EmailFrequency.IMMEDIATE, deadline_reminders=False)
    with tenant_context(world.acme.id):
        notify(world.ana.id, REMINDER, "Forklift is due")
        notify(world.ana.id, NotificationType.SYSTEM, "Welcome")
    db.session.commit()

    assert [m["Subject"] for m in smtp.messages] == ["Welcome"]
    assert _titles(world.acme.id) == ["Forklift is due", "Welcome"], "the bell still shows both"


@pytest.mark.parametrize("frequency", [EmailFrequency.DAILY, EmailFrequency.WEEKLY, EmailFrequency.OFF])
def test_digest_or_off_sends_no_immediate_email(world: TwoTenants, smtp: Inbox, frequency: EmailFrequency) -> None:
    _prefer(world, frequency=frequency)
    with tenant_context(world.acme.id):
        notify(world.ana.id, REMINDER, "Forklift is due")
    db.session.commit()

    assert smtp.messages == []
    assert _titles(world.acme.id) == ["Forklift is due"]


def test_preferences_of_another_tenant_do_not_apply(world: TwoTenants, smtp: Inbox) -> None:
    """Ana turned mail off at acme; at globex she has no preference, so mail is immediate."""
    _prefer(world, frequency=EmailFrequency.OFF)
    with unscoped("test: ana joins globex"):
        db.session.add(Membership(tenant_id=world.globex.id, user_id=world.ana.id))
    with tenant_context(world.globex.id):
        notify(world.ana.id, REMINDER, "Globex reminder")
    db.session.commit()

    assert [m["Subject"] for m in smtp.messages] == ["Globex reminder"]


def test_notify_many_claims_each_key_once_and_follows_preferences(world: TwoTenants, smtp: Inbox) -> None:
    carl = make_user("carl@acme.test", (world.acme, TenantRole.EMPLOYEE))
    _prefer(world, frequency=EmailFrequency.DAILY)
    planned = [
        Planned(world.ana.id, REMINDER, "Ana: Forklift", dedup_key="k:ana"),
        Planned(carl.id, REMINDER, "Carl: Forklift", dedup_key="k:carl"),
        Planned(carl.id, NotificationType.SYSTEM, "Carl: welcome"),
    ]
    with tenant_context(world.acme.id):
        assert notify_many(planned) == 3
        assert notify_many(planned[:2]) == 0
    db.session.commit()

    assert _titles(world.acme.id) == ["Ana: Forklift", "Carl: Forklift", "Carl: welcome"]
    assert sorted(m["Subject"] for m in smtp.messages) == ["Carl: Forklift", "Carl: welcome"]
    with tenant_context(world.acme.id):
        assert db.session.scalar(sa.select(sa.func.count(NotificationDedup.id))) == 2


def test_mark_read_only_touches_ones_own_notifications(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        mine = notify(world.ana.id, NotificationType.SYSTEM, "Mine")
        notify(world.ana.id, NotificationType.SYSTEM, "Also mine")
    with tenant_context(world.globex.id):
        theirs = notify(world.bor.id, NotificationType.SYSTEM, "Bor's")

    with tenant_context(world.acme.id):
        assert unread_count(world.ana.id) == 2
        assert mark_read(world.ana.id, mine.id)
        assert mark_read(world.ana.id, mine.id), "marking twice is harmless"
        assert not mark_read(world.ana.id, theirs.id)
        assert not mark_read(world.bor.id, theirs.id), "Bor's notification is not acme's"
        assert unread_count(world.ana.id) == 1
        assert mark_all_read(world.ana.id) == 1
        assert unread_count(world.ana.id) == 0
    with tenant_context(world.globex.id):
        assert unread_count(world.bor.id) == 1
