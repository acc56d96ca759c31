"""Is each company's part of a periodic job one job per period, whoever queues it — cron, "run now", twice?"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from redis import Redis
from rq import Queue
from rq.job import validate_job_id

from lms.extensions import db
from lms.jobs import NAMED_RESULT_TTL, job_path, run_job
from lms.services import operations
from lms.services.schedule import (
    FOR_ONE_TENANT,
    PERIODIC_JOBS,
    daily_digest,
    deadline_reminders,
    enqueue_for_tenant,
    periodic_job_id,
    weekly_digest,
)
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, two_tenants

REMINDERS = job_path(deadline_reminders)


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    world = two_tenants()
    db.session.commit()
    return world


def _run_now(path: str, tenant_id: int, all_tenants: bool = False) -> None:
    with tenant_context(tenant_id):
        operations.run_now(path, tenant_id, all_tenants)
    db.session.commit()


def test_a_periodic_job_id_names_the_sweep_the_company_and_the_day_or_the_week() -> None:
    friday = date(2026, 1, 2)

    assert periodic_job_id(deadline_reminders, 7, friday) == "deadline_reminders-t7-2026-01-02"
    assert periodic_job_id(daily_digest, None, friday) == "daily_digest-all-2026-01-02"
    assert periodic_job_id(weekly_digest, 7, friday) == "weekly_digest-t7-2026-W01"
    assert periodic_job_id(weekly_digest, 7, date(2026, 1, 4)) == "weekly_digest-t7-2026-W01", "Sunday: same week"
    assert periodic_job_id(weekly_digest, 7, date(2026, 1, 5)) == "weekly_digest-t7-2026-W02"


def test_every_periodic_job_id_is_one_rq_accepts() -> None:
    for sweep, _ in PERIODIC_JOBS:
        validate_job_id(periodic_job_id(sweep, 12, date(2026, 12, 31)))
    assert {sweep for sweep, _ in PERIODIC_JOBS} == set(FOR_ONE_TENANT)


def test_cron_then_run_now_queue_one_job_per_company(world: TwoTenants, redis: Redis, app_ctx: Flask) -> None:
    run_job(REMINDERS, (), {}, app=app_ctx)  # what RQ's cron starts every morning

    queue = Queue("default", connection=redis)
    expected = [
        periodic_job_id(deadline_reminders, world.acme.id),
        periodic_job_id(deadline_reminders, world.globex.id),
    ]
    assert sorted(queue.job_ids) == sorted(expected)
    with pytest.raises(operations.AlreadyQueued):
        _run_now(REMINDERS, world.acme.id)
    assert sorted(queue.job_ids) == sorted(expected)


def test_a_double_run_now_queues_one_job(world: TwoTenants, redis: Redis) -> None:
    _run_now(REMINDERS, world.acme.id)
    with pytest.raises(operations.AlreadyQueued):
        _run_now(REMINDERS, world.acme.id)

    assert Queue("default", connection=redis).job_ids == [periodic_job_id(deadline_reminders, world.acme.id)]


def test_two_queueings_that_both_pass_run_nows_check_are_still_one_job(world: TwoTenants, redis: Redis) -> None:
    """Two clicks at once both find no job yet; the job id, not run_now's look-up, makes them one."""
    enqueue_for_tenant(deadline_reminders, world.acme.id)
    db.session.commit()
    enqueue_for_tenant(deadline_reminders, world.acme.id)
    db.session.commit()

    (job,) = Queue("default", connection=redis).jobs
    assert job.id == periodic_job_id(deadline_reminders, world.acme.id)
    assert job.meta["tenant_id"] == world.acme.id
    assert job.result_ttl == NAMED_RESULT_TTL, "remembered after it finished: once per period"


def test_a_run_now_for_every_company_is_one_sweep_per_day(world: TwoTenants, redis: Redis) -> None:
    _run_now(REMINDERS, world.acme.id, all_tenants=True)
    with pytest.raises(operations.AlreadyQueued):
        _run_now(REMINDERS, world.acme.id, all_tenants=True)

    assert Queue("default", connection=redis).job_ids == [periodic_job_id(deadline_reminders, None)]


def test_the_weekly_and_the_daily_digest_of_a_company_are_two_jobs(world: TwoTenants, redis: Redis) -> None:
    _run_now(job_path(daily_digest), world.acme.id)
    _run_now(job_path(weekly_digest), world.acme.id)

    assert len(Queue("default", connection=redis)) == 2


def test_without_redis_every_run_now_runs(world: TwoTenants, caplog: pytest.LogCaptureFixture) -> None:
    """The embedded mode has no Redis to remember job ids: a second click runs again, sending nothing new."""
    caplog.set_level("INFO", logger="lms.services.reminders")
    _run_now(REMINDERS, world.acme.id)
    _run_now(REMINDERS, world.acme.id)

    runs = [record for record in caplog.records if record.getMessage().startswith("deadline reminders for tenant")]
    assert len(runs) == 2
