"""Do jobs run once the transaction commits: inline without Redis, through RQ with it?"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from lms.extensions import db
from lms.jobs import enqueue, get_queue, last_attempt
from lms.models import ChangelogEntry, Tag, Tenant
from lms.tenancy import tenant_context, unscoped
from tests.jobs.sample_jobs import add_tag, always_fails, fails_unless_last, publish_changelog
from tests.jobs.workers import run_burst_worker, worker_env


def _changelog_titles() -> list[str]:
    return list(db.session.scalars(sa.select(ChangelogEntry.title).order_by(ChangelogEntry.title)))


def test_inline_job_runs_after_commit_not_before(app_ctx: Flask) -> None:
    db.session.connection()
    enqueue(publish_changelog, "1.0.0", "first")

    assert _changelog_titles() == []
    db.session.commit()
    assert _changelog_titles() == ["first"]


def test_inline_job_of_a_rolled_back_transaction_never_runs(app_ctx: Flask) -> None:
    db.session.connection()
    enqueue(publish_changelog, "1.0.0", "rolled back")
    db.session.rollback()
    db.session.commit()

    assert _changelog_titles() == []


def test_inline_job_runs_in_its_tenant(app_ctx: Flask) -> None:
    acme = Tenant(slug="acme", name="Acme")
    globex = Tenant(slug="globex", name="Globex")
    db.session.add_all([acme, globex])
    db.session.commit()

    enqueue(add_tag, globex.id, "safety")
    db.session.commit()

    with tenant_context(acme.id):
        assert db.session.scalars(sa.select(Tag.name)).all() == []
    with tenant_context(globex.id):
        assert db.session.scalars(sa.select(Tag.name)).all() == ["safety"]


def test_failing_inline_job_is_logged_and_writes_nothing(app_ctx: Flask, caplog: pytest.LogCaptureFixture) -> None:
    enqueue(always_fails)

    assert "inline job tests.jobs.sample_jobs:always_fails failed" in caplog.text
    assert _changelog_titles() == []


def test_only_marked_functions_can_be_enqueued(app_ctx: Flask) -> None:
    with pytest.raises(ValueError, match="not marked with @job"):
        enqueue(print, "hello")


def test_job_goes_through_redis_to_a_burst_worker(
    app: Flask, committed: None, redis: Redis, database_url: str, redis_url: str
) -> None:
    with app.app_context():
        db.session.connection()
        enqueue(publish_changelog, "2.0.0", "from the worker")
        assert len(get_queue("default")) == 0, "nothing is queued before the commit"
        db.session.commit()
        assert len(get_queue("default")) == 1
        job = get_queue("default").jobs[0]
        assert job.retries_left == len(app.config["JOB_RETRY_INTERVALS"])

    result = run_burst_worker(worker_env(app, database_url, redis_url))

    assert result.returncode == 0, result.stderr
    with app.app_context():
        assert _changelog_titles() == ["from the worker"]
        assert len(Queue("default", connection=redis)) == 0


def test_failed_job_is_kept_for_retry_and_writes_nothing(
    app: Flask, committed: None, redis: Redis, database_url: str, redis_url: str
) -> None:
    with app.app_context():
        enqueue(always_fails)
        job_id = get_queue("default").job_ids[0]

    result = run_burst_worker(worker_env(app, database_url, redis_url))

    assert result.returncode == 0, result.stderr
    queue = Queue("default", connection=redis)
    job = queue.fetch_job(job_id)
    assert job.retries_left == len(app.config["JOB_RETRY_INTERVALS"]) - 1
    assert job.get_status() == "scheduled"
    assert job_id not in FailedJobRegistry(queue=queue).get_job_ids()
    with app.app_context(), unscoped("test"):
        assert _changelog_titles() == []


def test_a_job_knows_when_its_failure_is_the_last(
    app: Flask, committed: None, redis: Redis, database_url: str, redis_url: str
) -> None:
    with app.app_context():
        enqueue(fails_unless_last)
        job_id = get_queue("default").job_ids[0]
    env = worker_env(app, database_url, redis_url)

    first = run_burst_worker(env)

    assert "last attempt: False" in first.stdout + first.stderr
    queue = Queue("default", connection=redis)
    job = queue.fetch_job(job_id)
    assert job.get_status() == "scheduled"
    # Its retries used up, as after the last interval: RQ's own state, set through RQ's API.
    ScheduledJobRegistry(queue=queue).remove(job)
    job.retries_left = 0
    job.save()
    queue.enqueue_job(job)

    last = run_burst_worker(env)

    assert "last attempt: True" in last.stdout + last.stderr
    assert queue.fetch_job(job_id).get_status() == "finished"
    with app.app_context():
        assert last_attempt(), "inline, every try is the last"


def test_the_schedule_is_a_valid_rq_cron_configuration_with_the_outbox_relay_every_minute(redis: Redis) -> None:
    from rq.cron import CronScheduler

    from lms.jobs import job_path, relay_outbox
    from lms.services.schedule import PERIODIC_JOBS

    scheduler = CronScheduler(connection=redis)
    scheduler.load_config_from_file("lms.cron")

    jobs = {job.name: job for job in scheduler.get_jobs()}
    assert len(jobs) == len(PERIODIC_JOBS) + 1
    assert jobs[job_path(relay_outbox)].interval == 60


def test_every_periodic_sweep_has_a_one_company_form() -> None:
    from lms.services.schedule import FOR_ONE_TENANT, PERIODIC_JOBS

    assert {func for func, _ in PERIODIC_JOBS} == set(FOR_ONE_TENANT)
