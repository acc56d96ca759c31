"""Does mail someone waits for overtake a sweep's mass mail, and does mass mail go out in batches,
each message once? (DESIGN.md: jobs; issue 12, item 4)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask
from redis import Redis
from rq import Queue

from lms.extensions import db
from lms.jobs import job_path, run_job
from lms.jobs.mail import deliver_mail
from lms.models import Notification, Tenant, User
from lms.models.enums import NotificationType, TenantRole
from lms.services import notifications
from lms.services.notifications import OutgoingNotification, email_notifications, notify_many
from lms.services.passwords import hash_password
from lms.tenancy import tenant_context
from tests.factories import make_tenant, make_user, two_tenants
from tests.jobs.workers import run_burst_worker, worker_env
from tests.smtp import Inbox, free_port, smtp_for, smtp_server

RESET_SUBJECT = "Reset your Mojster password"


def _learners(tenant: Tenant, count: int) -> list[User]:
    return [make_user(f"l{n}@{tenant.slug}.test", (tenant, TenantRole.EMPLOYEE)) for n in range(count)]


def _sweep(tenant: Tenant, learners: list[User], what: str = "Sweep") -> int:
    """What a sweep does: one keyed notification per learner through ``notify_many``; committed."""
    with tenant_context(tenant.id):
        sent = notify_many(
            [
                OutgoingNotification(
                    user.id, NotificationType.DEADLINE_REMINDER, f"{what} {n}", dedup_key=f"{what}:{n}"
                )
                for n, user in enumerate(learners)
            ]
        )
    db.session.commit()
    return sent


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_for(app, monkeypatch) as inbox:
        yield inbox


def test_a_password_reset_asked_for_after_a_sweep_is_delivered_before_the_sweeps_mail(
    app: Flask, committed: None, redis: Redis, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep queued 40 mails (8 batch jobs) and, before any worker ran, Ana asked for a reset
    link. A real worker sends her link first, then mail queued on the old ``email`` queue
    before the deploy, then the sweep's — all of it, each once."""
    monkeypatch.setattr(notifications, "BATCH_SIZE", 5)
    with app.app_context():
        world = two_tenants()
        world.ana.password_hash = hash_password("an old long password")
        learners = _learners(world.acme, 40)
        db.session.commit()
        assert _sweep(world.acme, learners) == 40
        Queue("email", connection=redis).enqueue(
            "lms.jobs.run_job",
            job_path(deliver_mail),
            ["old@acme.test", "Queued before the deploy", "text", "<p>html</p>", [], "<old.1@lms.test>"],
            {},
        )
    app.test_client().post("/forgot-password", data={"email": "ana@acme.test"})
    assert (len(Queue("urgent", connection=redis)), len(Queue("bulk", connection=redis))) == (1, 8)

    with smtp_server() as (inbox, port):
        env = worker_env(app, database_url, app.config["REDIS_URL"], SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
        worker = run_burst_worker({**env, "SMTP_STARTTLS": "false"})

    assert worker.returncode == 0, worker.stderr
    subjects = [message["Subject"] for message in inbox.messages]
    assert subjects[:2] == [RESET_SUBJECT, "Queued before the deploy"]
    assert sorted(subjects[2:]) == sorted(f"Sweep {n}" for n in range(40))


def test_a_sweep_of_many_notices_is_one_mail_job_per_batch_each_sent_once(
    app_ctx: Flask, redis: Redis, smtp: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifications, "BATCH_SIZE", 4)
    world = two_tenants()
    learners = _learners(world.acme, 10)

    assert _sweep(world.acme, learners) == 10

    assert len(Queue("urgent", connection=redis)) == 0
    jobs = Queue("bulk", connection=redis).jobs
    assert len(jobs) == 3, "ceil(10 / 4) jobs, not one per learner"
    for job in jobs:
        job.perform()
    first = {message["To"]: message["Message-ID"] for message in smtp.messages}
    for job in jobs:
        job.perform()  # RQ delivers at least once: each batch again

    assert len(smtp.messages) == 10, "nothing went twice"
    assert sorted(first) == sorted(user.email for user in learners)
    with tenant_context(world.acme.id):
        assert db.session.scalar(sa.select(sa.func.count()).where(Notification.emailed_at.is_(None))) == 0


class _FailingAfter(Inbox):
    """An SMTP server that takes ``limit`` messages, then answers every further one "try later"."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        if len(self.messages) >= self.limit:
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_batch_the_smtp_server_cut_short_sends_only_the_rest_when_retried(
    app_ctx: Flask, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = two_tenants()
    learners = _learners(world.acme, 6)
    _sweep(world.acme, learners)
    (job,) = Queue("bulk", connection=redis).jobs
    inbox = _FailingAfter(limit=2)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        monkeypatch.setitem(app_ctx.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app_ctx.config, "SMTP_PORT", controller.port)
        monkeypatch.setitem(app_ctx.config, "SMTP_STARTTLS", False)
        with pytest.raises(Exception, match="Try again later"):
            job.perform()
        inbox.limit = 100
        job.perform()  # RQ's retry
    finally:
        controller.stop()

    assert sorted(message["To"] for message in inbox.messages) == sorted(user.email for user in learners)


def test_a_batch_job_costs_the_same_statements_for_ten_times_the_recipients(
    app_ctx: Flask, count_queries: list[str]
) -> None:
    counts = []
    for size in (10, 100):
        tenant = make_tenant(f"size{size}")
        learners = _learners(tenant, size)
        with tenant_context(tenant.id):
            notify_many([OutgoingNotification(user.id, NotificationType.SYSTEM, "Hello") for user in learners])
            ids = list(db.session.scalars(sa.select(Notification.id)))
        count_queries.clear()
        run_job(job_path(email_notifications), (tenant.id, ids), {}, app=app_ctx)
        counts.append(len(count_queries))
        with tenant_context(tenant.id):
            assert db.session.scalar(sa.select(sa.func.count()).where(Notification.emailed_at.is_(None))) == 0

    assert counts[0] == counts[1], counts
    assert counts[0] <= 4


def test_a_message_sent_again_keeps_its_message_id(app_ctx: Flask, smtp: Inbox) -> None:
    """A worker killed after sending, before its job recorded it, sends the copy again: the same message."""
    world = two_tenants()
    _sweep(world.acme, [world.ana])  # sent inline: the embedded mode
    with tenant_context(world.acme.id):
        db.session.execute(sa.update(Notification).values(emailed_at=None))
        notification_id = db.session.scalar(sa.select(Notification.id))
    db.session.commit()

    run_job(job_path(email_notifications), (world.acme.id, [notification_id]), {}, app=app_ctx)

    first, again = smtp.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].endswith("@lms.test>")
