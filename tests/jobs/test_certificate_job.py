"""Is a certificate issued once, however often its job runs — even when its worker is killed?"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import StartedJobRegistry

from lms.extensions import db
from lms.jobs import job_path, run_job
from lms.jobs.certificates import compliance_sweep, issue_certificate
from lms.jobs.schedule import PERIODIC_JOBS
from lms.models import Certificate, Notification, SectionCompletion
from lms.models.enums import NotificationType
from lms.services import completion
from lms.tenancy import tenant_context, unscoped
from tests.conftest import need_service
from tests.factories import make_module, two_tenants

ROOT = Path(__file__).resolve().parents[2]


def _completed_module(app: Flask) -> tuple[int, int, int]:
    """Ana has done the only section of acme's module; (tenant id, user id, module id), committed or not."""
    world = two_tenants()
    module = make_module(world.acme, "Safety", sections=1)
    with tenant_context(world.acme.id):
        db.session.add(SectionCompletion(user_id=world.ana.id, module_id=module.id, section_id=module.sections[0].id))
        db.session.flush()
    return world.acme.id, world.ana.id, module.id


def _issued() -> tuple[int, int, list[str | None]]:
    """Certificates, CERTIFICATE_ISSUED notifications and stored PDF keys, in every company."""
    with unscoped("test assertion"):
        paths = list(db.session.scalars(sa.select(Certificate.pdf_path)))
        notifications = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(Notification.type == NotificationType.CERTIFICATE_ISSUED)
        )
    return len(paths), notifications, paths


def test_the_job_run_twice_issues_one_pdf_and_one_notification(app_ctx: Flask) -> None:
    tenant_id, user_id, module_id = _completed_module(app_ctx)
    with tenant_context(tenant_id):
        completion.record_progress(user_id, module_id)
        certificate_id = db.session.scalar(sa.select(Certificate.id))
    db.session.commit()  # the inline job runs once here

    run_job(job_path(issue_certificate), (tenant_id, certificate_id), {}, app=app_ctx)

    count, notifications, paths = _issued()
    assert (count, notifications) == (1, 1)
    assert paths[0] is not None


def test_the_daily_compliance_sweep_is_scheduled_and_sends_nothing_new_the_same_day(app_ctx: Flask) -> None:
    assert compliance_sweep in [func for func, _ in PERIODIC_JOBS]
    tenant_id, user_id, module_id = _completed_module(app_ctx)
    with tenant_context(tenant_id):
        completion.record_progress(user_id, module_id)
        certificate = db.session.scalar(sa.select(Certificate))
        certificate.expires_at = certificate.completed_at  # expired at once
    db.session.commit()

    def expiry_notices() -> int:
        with unscoped("test assertion"):
            return db.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(Notification.type == NotificationType.MODULE_EXPIRED)
            )

    run_job(job_path(compliance_sweep), (), {}, app=app_ctx)
    assert expiry_notices() == 1
    run_job(job_path(compliance_sweep), (), {}, app=app_ctx)
    assert expiry_notices() == 1


# --- A worker killed mid-job ---------------------------------------------------------------


@pytest.fixture
def redis(app: Flask, redis_url: str | None, monkeypatch: pytest.MonkeyPatch) -> Redis:
    if redis_url is None:
        need_service("TEST_REDIS_URL is not set")
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    # Retry at once (RQ's scheduler, not a 10 s wait); the number of retries stays the production one.
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", (1,) * len(app.config["JOB_RETRY_INTERVALS"]))
    return connection


def _worker_env(app: Flask, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STORAGE_DIR": app.config["STORAGE_DIR"],
        "SECRET_KEY": "test-secret-key",
        "LMS_ENV": "testing",
        **extra,
    }


def _worker_command(app_path: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", app_path, "lms", "worker", "--burst"]


def _wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 90) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        if process.poll() is not None:
            pytest.fail(f"the worker ended before the job stalled:\n{process.communicate()[1]}")
        time.sleep(0.1)
    pytest.fail("the job never reached its stall point")


@pytest.mark.parametrize("stall", ["before_commit", "after_commit"])
def test_a_worker_killed_mid_job_still_issues_one_certificate(
    app: Flask,
    committed: None,
    redis: Redis,
    database_url: str,
    redis_url: str,
    tmp_path: Path,
    stall: str,
) -> None:
    """kill -9 while the certificate job runs; RQ finds it abandoned when its lease ends and retries it."""
    with app.app_context():
        tenant_id, user_id, module_id = _completed_module(app)
        with tenant_context(tenant_id):
            assert completion.record_progress(user_id, module_id)
        db.session.commit()  # the job goes to Redis now
    queue = Queue("default", connection=redis)
    (job_id,) = queue.job_ids

    stall_file = tmp_path / "horse.pid"
    worker = subprocess.Popen(
        _worker_command("tests.jobs.stalling_worker"),
        cwd=ROOT,
        env=_worker_env(app, database_url, redis_url, LMS_TEST_STALL=stall, LMS_TEST_STALL_FILE=str(stall_file)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        horse = _wait_for(stall_file, worker)
        os.kill(worker.pid, signal.SIGKILL)
        os.kill(horse, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)

    registry = StartedJobRegistry(queue=queue)
    assert Job.fetch(job_id, connection=redis).get_status() == "started", "nobody recorded the job's end"
    registry.cleanup()
    assert job_id in registry.get_job_ids(cleanup=False), "within its lease the job is not abandoned yet"
    lease_end = max(score for _, score in redis.zrange(registry.key, 0, -1, withscores=True))
    registry.cleanup(timestamp=lease_end + 1)  # as RQ's maintenance does once the lease has passed
    job = Job.fetch(job_id, connection=redis)
    assert job.get_status() == "scheduled", "abandoned and scheduled for a retry"
    assert job.retries_left == len(app.config["JOB_RETRY_INTERVALS"]) - 1
    time.sleep(1.5)  # the retry interval

    retry = subprocess.run(
        _worker_command("app"),
        cwd=ROOT,
        env=_worker_env(app, database_url, redis_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert retry.returncode == 0, retry.stderr
    assert Job.fetch(job_id, connection=redis).get_status() == "finished"
    with app.app_context():
        count, notifications, paths = _issued()
    assert (count, notifications) == (1, 1)
    assert paths[0] is not None
    assert len(Queue("email", connection=redis)) == 0
