"""Do users who chose a daily or weekly digest get one email listing their unread notifications, once?"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue

from lms.extensions import db
from lms.jobs import job_path, run_job
from lms.models import EmailPreference, Membership, Notification, User
from lms.models.enums import EmailFrequency, NotificationType, TenantRole
from lms.services import digests
from lms.services.digests import digest_batch, send_digests
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


def test_many_digests_go_out_in_batch_jobs_each_once(
    world: TwoTenants, smtp: Inbox, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digests, "BATCH_SIZE", 3)
    readers = [_learner(world, f"reader{n}", EmailFrequency.DAILY) for n in range(7)]
    with tenant_context(world.acme.id):
        for user in readers:
            notify(user.id, REMINDER, f"Reminder for {user.email}")
    db.session.commit()

    assert _digest(world, EmailFrequency.DAILY) == 7
    jobs = Queue("bulk", connection=redis).jobs
    assert len(jobs) == 3, "ceil(7 / 3) jobs, not one per reader"
    for job in jobs + jobs:  # each batch delivered twice, as RQ may
        job.perform()

    assert sorted(m["To"] for m in smtp.messages) == sorted(user.email for user in readers)


def test_a_digest_batch_costs_the_same_statements_for_ten_times_the_readers(
    app_ctx: Flask, world: TwoTenants, count_queries: list[str]
) -> None:
    counts = []
    for size in (5, 50):
        readers = [_learner(world, f"s{size}-{n}", EmailFrequency.WEEKLY) for n in range(size)]
        with tenant_context(world.acme.id):
            for user in readers:
                notify(user.id, REMINDER, "Forklift is due")
                notify(user.id, REMINDER, "Ladders are due")
        user_ids = [user.id for user in readers]
        db.session.commit()
        count_queries.clear()
        run_job(job_path(digest_batch), (world.acme.id, "WEEKLY", user_ids), {}, app=app_ctx)
        counts.append(len(count_queries))
        assert _digest(world, EmailFrequency.WEEKLY) == 0, "everyone had theirs"

    assert counts[0] == counts[1], counts
