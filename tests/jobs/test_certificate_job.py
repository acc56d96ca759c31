"""Is a certificate issued once, however often its job runs — even when its worker is killed,
and is the killed worker's job retried within a minute?"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue, Worker
from rq.job import Job

from lms.extensions import db
from lms.jobs import job_path, run_job
from lms.models import Certificate, Notification, SectionCompletion
from lms.models.enums import NotificationType
from lms.services import completion
from lms.services.certificates import issue_certificate
from lms.services.schedule import PERIODIC_JOBS, compliance_sweep
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_module, two_tenants
from tests.jobs.workers import ROOT, start_worker, stop_worker, worker_command, worker_env


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


def _wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 90) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        if process.poll() is not None:
            pytest.fail(f"the worker ended before the job stalled:\n{process.communicate()[1]}")
        time.sleep(0.1)
    pytest.fail("the job never reached its stall point")


def _retried_after(job_id: str, redis: Redis, killed_at: float, log: Path) -> float:
    """Seconds from the kill until a worker starts the job again (RQ restamps ``started_at``)."""
    deadline = time.monotonic() + RETRY_PROMISE + 30
    first_start = Job.fetch(job_id, connection=redis).started_at
    while time.monotonic() < deadline:
        job = Job.fetch(job_id, connection=redis)
        if job.get_status() in ("started", "finished") and job.started_at != first_start:
            return time.monotonic() - killed_at
        time.sleep(0.2)
    pytest.fail(f"no worker retried the job:\n{log.read_text(errors='replace')[-4000:]}")


def _wait_finished(job_id: str, redis: Redis, log: Path) -> None:
    deadline = time.monotonic() + 120
    while Job.fetch(job_id, connection=redis).get_status() != "finished":
        if time.monotonic() > deadline:
            pytest.fail(f"the retried job did not finish:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)


RETRY_PROMISE = 60  # issue 10: a job whose worker died is retried within a minute


@pytest.mark.parametrize("stall", ["before_commit", "after_commit"])
def test_a_worker_killed_mid_job_is_retried_within_a_minute_and_issues_one_certificate(
    app: Flask,
    committed: None,
    redis: Redis,
    database_url: str,
    redis_url: str,
    tmp_path: Path,
    stall: str,
) -> None:
    """kill -9 while the certificate job runs; another worker finds it abandoned when its lease
    ends and retries it, on the production settings of ``flask lms worker`` and ``Retry``."""
    with app.app_context():
        tenant_id, user_id, module_id = _completed_module(app)
        with tenant_context(tenant_id):
            assert completion.record_progress(user_id, module_id)
        db.session.commit()  # the job goes to Redis now
    queue = Queue("default", connection=redis)
    (job_id,) = queue.job_ids

    stall_file = tmp_path / "horse.pid"
    stalling = subprocess.Popen(
        worker_command("tests.jobs.stalling_worker"),
        cwd=ROOT,
        env=worker_env(app, database_url, redis_url, LMS_TEST_STALL=stall, LMS_TEST_STALL_FILE=str(stall_file)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = tmp_path / "worker.log"
    survivor = None
    try:
        horse = _wait_for(stall_file, stalling)
        # The worker that survives is already serving, as in production.
        survivor = start_worker(worker_env(app, database_url, redis_url), log)
        while len(Worker.all(connection=redis)) < 2:
            assert survivor.poll() is None, log.read_text(errors="replace")
            time.sleep(0.1)
        os.kill(stalling.pid, signal.SIGKILL)
        os.kill(horse, signal.SIGKILL)
        killed_at = time.monotonic()
        stalling.wait(timeout=30)

        assert Job.fetch(job_id, connection=redis).get_status() == "started", "nobody recorded the job's end"
        retried_after = _retried_after(job_id, redis, killed_at, log)
        _wait_finished(job_id, redis, log)
    finally:
        if stalling.poll() is None:
            stalling.kill()
            stalling.wait(timeout=30)
        if survivor is not None:
            stop_worker(survivor)

    print(f"retried {retried_after:.1f} s after the kill")
    assert retried_after < RETRY_PROMISE
    assert Job.fetch(job_id, connection=redis).retries_left == len(app.config["JOB_RETRY_INTERVALS"]) - 1
    with app.app_context():
        count, notifications, paths = _issued()
    assert (count, notifications) == (1, 1)
    assert paths[0] is not None
