"""Does every log line a job writes name the job and its company? (issue 11, item 3)"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis

from lms.extensions import db
from lms.jobs import enqueue
from lms.tenancy import tenant_context
from tests.factories import two_tenants
from tests.jobs.sample_jobs import say
from tests.jobs.workers import ROOT, run_burst_worker, worker_env

SAMPLE_LOGGER = "tests.jobs.sample_jobs"


def _said(caplog: pytest.LogCaptureFixture, text: str) -> logging.LogRecord:
    (record,) = [record for record in caplog.records if record.getMessage() == f"sample job says {text}"]
    return record


def test_an_inline_jobs_log_line_carries_its_id_and_tenant(app_ctx: Flask, caplog: pytest.LogCaptureFixture) -> None:
    world = two_tenants()
    db.session.commit()
    with tenant_context(world.globex.id):
        enqueue(say, "hello", job_id="greeting-1")
    db.session.commit()

    record = _said(caplog, "hello")
    assert (record.lms_job_id, record.lms_tenant_id) == ("greeting-1", world.globex.id)
    assert record.lms_job == f" [job greeting-1 tenant {world.globex.id}]"


def test_an_unnamed_platform_jobs_log_line_carries_its_outbox_id(
    app_ctx: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    enqueue(say, "hello")

    record = _said(caplog, "hello")
    assert record.lms_job_id.startswith("outbox-")
    assert record.lms_tenant_id is None


def test_a_log_line_outside_a_job_names_no_job(app_ctx: Flask, caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger(SAMPLE_LOGGER).warning("sample job says nothing")

    record = _said(caplog, "nothing")
    assert (record.lms_job_id, record.lms_tenant_id, record.lms_job) == (None, None, "")


def _queue_greeting(app: Flask) -> int:
    with app.app_context():
        world = two_tenants()
        db.session.commit()
        with tenant_context(world.acme.id):
            enqueue(say, "hello from the worker", job_id="greeting-1")
        db.session.commit()
        return world.acme.id


def test_the_workers_log_shows_the_job_and_tenant_of_each_line(
    app: Flask, committed: None, redis: Redis, database_url: str, redis_url: str
) -> None:
    tenant_id = _queue_greeting(app)

    result = run_burst_worker(worker_env(app, database_url, redis_url))

    assert result.returncode == 0, result.stderr
    assert f"[job greeting-1 tenant {tenant_id}]: sample job says hello from the worker" in result.stderr


def test_a_bare_rq_worker_builds_the_app_as_flask_does_and_runs_the_job(
    app: Flask, committed: None, redis: Redis, database_url: str, redis_url: str
) -> None:
    """``rq worker`` without ``flask``: the job finds the app in ``app.py``, as the flask command would."""
    tenant_id = _queue_greeting(app)

    result = subprocess.run(
        [str(Path(sys.executable).with_name("rq")), "worker", "--burst", "--url", redis_url, "default"],
        cwd=ROOT,
        env=worker_env(app, database_url, redis_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"[job greeting-1 tenant {tenant_id}]: sample job says hello from the worker" in result.stderr
