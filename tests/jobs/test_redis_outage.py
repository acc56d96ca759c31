"""While Redis is down, do an invite and a certificate answer success, and arrive once it is back?

issue 10, item 4. Before the job outbox, both requests committed their rows, answered 500
and lost their jobs for good. Here a Redis of the test's own (``tests/redis_server.py``) is
stopped while an admin invites someone and a learner completes a module; it is started
again, and a real ``flask lms worker --burst`` relays the outbox at its start and runs the
jobs, so the invite and the certificate reach a real SMTP server. The cron process, which
runs the relay every minute, outlives such an outage too.
"""

from __future__ import annotations

import subprocess
import time
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue

from lms.cron import RELAY_INTERVAL
from lms.extensions import db
from lms.jobs import job_path, relay_outbox
from lms.models import Certificate, EmailToken, JobOutbox
from lms.models.enums import TenantRole
from lms.tenancy import unscoped
from tests.factories import make_module, make_user, sign_in, two_tenants
from tests.jobs.workers import ROOT, bounded, run_burst_worker, worker_env
from tests.processes import flask_command
from tests.redis_server import RedisServer
from tests.smtp import Inbox, plain_text, smtp_server


def _mail_to(inbox: Inbox, address: str) -> list[Message]:
    return [message for message in inbox.messages if message["To"] == address]


def test_invite_and_certificate_made_while_redis_is_down_arrive_when_it_is_back(
    app: Flask, committed: None, redis_server: RedisServer, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    admin, learner = app.test_client(), app.test_client()
    with app.app_context():
        world = two_tenants()
        owner = make_user("olga@acme.test", (world.acme, TenantRole.OWNER), name="Olga Owner")
        section_id = make_module(world.acme, "Safety", sections=1).sections[0].id
        db.session.commit()
        sign_in(admin, owner, world.acme)
        sign_in(learner, world.ana, world.acme)

    redis_server.stop()
    invited = admin.post("/admin/memberships/invite/", data={"email": "dana@acme.test", "role": "EMPLOYEE"})
    completed = learner.post(f"/sections/{section_id}/complete")

    assert invited.status_code == 302, "the invite answered success"
    assert completed.status_code == 302, "completing the module answered success"
    assert "Redis is unreachable" in caplog.text
    with app.app_context(), unscoped("test assertion"):
        assert db.session.scalar(sa.select(EmailToken.email)) == "dana@acme.test"
        assert db.session.scalar(sa.select(Certificate.pdf_path)) is None, "issued by its job, not yet run"
        waiting = sorted(db.session.scalars(sa.select(JobOutbox.path)))
    assert waiting == [
        "lms.jobs.mail:deliver_mail",  # the invite
        "lms.services.certificates:issue_certificate",
        "lms.services.notifications:email_notification",  # "you earned XP"
    ]

    redis_server.start()
    with smtp_server() as (inbox, smtp_port):
        worker = run_burst_worker(
            worker_env(
                app,
                database_url,
                redis_server.url,
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(smtp_port),
                SMTP_STARTTLS="false",
            )
        )

    assert worker.returncode == 0, worker.stderr
    (invite,) = _mail_to(inbox, "dana@acme.test")
    assert "/invite/" in plain_text(invite)
    subjects = sorted(message["Subject"] for message in _mail_to(inbox, "ana@acme.test"))
    assert subjects == ["You earned 100 XP", "Your certificate: Safety"]
    (certificate,) = [message for message in inbox.messages if message["Subject"] == "Your certificate: Safety"]
    assert [part.get_content_type() for part in certificate.walk() if part.get_filename()] == ["application/pdf"]
    with app.app_context(), unscoped("test assertion"):
        assert db.session.scalar(sa.select(Certificate.pdf_path)) is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobOutbox)) == 0


def test_the_cron_process_outlives_a_redis_outage_and_queues_the_relay_again(
    app: Flask, redis_server: RedisServer, database_url: str, tmp_path: Path
) -> None:
    """RQ's own cron scheduler stops at its first Redis error; ``flask lms cron`` waits for Redis
    and carries on, so the outbox relay it queues every minute resumes by itself."""
    log = tmp_path / "cron.log"
    with log.open("wb") as output:
        cron = subprocess.Popen(
            bounded(flask_command("lms", "cron")),
            cwd=ROOT,
            env=worker_env(app, database_url, redis_server.url),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_relay_job(redis_server, cron, log)
        redis_server.stop()
        time.sleep(RELAY_INTERVAL + 5)  # the next relay falls due while Redis is away
        assert cron.poll() is None, log.read_text(errors="replace")
        redis_server.start()  # empty: nothing persisted
        _wait_for_relay_job(redis_server, cron, log)
    finally:
        cron.terminate()
        cron.wait(timeout=30)
    assert "Redis is unreachable" in log.read_text(errors="replace")


def _wait_for_relay_job(server: RedisServer, cron: subprocess.Popen[bytes], log: Path) -> None:
    queue = Queue("default", connection=Redis.from_url(server.url))
    deadline = time.monotonic() + 120
    while not any(job.args[0] == job_path(relay_outbox) for job in queue.jobs):
        if cron.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no relay job was queued:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)
