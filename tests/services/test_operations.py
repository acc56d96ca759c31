"""The Operations screen's rules: who sees which jobs, "run now", "retry" (DESIGN.md: jobs; issue 6, item 10).

A failed job with its error is shown through a real worker in tests/admin_views/test_operations.py;
here the rules are called directly.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue
from rq.job import JobStatus

from lms.extensions import db
from lms.jobs import enqueue
from lms.models import AuditLog
from lms.models.enums import AuditAction
from lms.services import operations
from lms.tenancy import tenant_context, unscoped
from tests.factories import TwoTenants, two_tenants
from tests.jobs.sample_jobs import always_fails


@pytest.fixture
def world(app_ctx: Flask) -> Iterator[TwoTenants]:
    tenants = two_tenants()
    db.session.commit()
    with tenant_context(tenants.acme.id):
        yield tenants


def _job_audits() -> list[tuple[str | None, str]]:
    with unscoped("test reads the audit log"):
        rows = db.session.scalars(
            sa.select(AuditLog).where(AuditLog.action == AuditAction.RECORD_UPDATED, AuditLog.entity_type == "job")
        )
        return [(row.entity_id, row.details["operation"]) for row in rows]


def failed_job(redis: Redis, tenant_id: int) -> str:
    """A job of the company that a worker gave up on: in the failed registry, off the queue."""
    with tenant_context(tenant_id):
        enqueue(always_fails)
        db.session.commit()
    queue = Queue("default", connection=redis)
    job = next(job for job in queue.jobs if job.meta["tenant_id"] == tenant_id)
    queue.remove(job)
    job.set_status(JobStatus.FAILED)
    queue.failed_job_registry.add(job, ttl=3600, exc_string="RuntimeError: this job fails on purpose")
    return job.id


def test_without_redis_jobs_run_inline_and_there_is_nothing_to_list_or_retry(world: TwoTenants) -> None:
    overview = operations.overview(world.acme.id, all_tenants=True)

    assert (overview.inline, overview.queues, overview.failed) == (True, [], [])
    with pytest.raises(operations.JobNotFound, match="Jobs run inline"):
        operations.retry_failed("outbox-1", world.acme.id, all_tenants=True)


def test_an_unknown_periodic_job_cannot_be_run_and_nothing_is_audited(world: TwoTenants) -> None:
    with pytest.raises(operations.JobNotFound, match="no such periodic job"):
        operations.run_now("os:system", world.acme.id, all_tenants=False)

    assert _job_audits() == []


def test_a_companys_admin_runs_a_periodic_job_for_their_company_only(world: TwoTenants, redis: Redis) -> None:
    path = operations.periodic_jobs()[0].path

    operations.run_now(path, world.acme.id, all_tenants=False)
    db.session.commit()

    (job,) = Queue("default", connection=redis).jobs
    assert job.meta["tenant_id"] == world.acme.id
    assert _job_audits() == [(path, "run now")]


def test_a_company_sees_its_own_failed_jobs_and_platform_staff_see_all(world: TwoTenants, redis: Redis) -> None:
    acme_job = failed_job(redis, world.acme.id)
    globex_job = failed_job(redis, world.globex.id)

    acme_sees = operations.overview(world.acme.id, all_tenants=False)
    staff_sees = operations.overview(None, all_tenants=True)

    assert acme_sees.inline is False
    assert [row.id for row in acme_sees.failed] == [acme_job]
    assert sorted(row.id for row in staff_sees.failed) == sorted([acme_job, globex_job])
    default = next(counts for counts in acme_sees.queues if counts.name == "default")
    assert (default.queued, default.failed) == (0, 2), "counts are numbers of every company's jobs"


def test_retry_puts_a_failed_job_back_on_its_queue_for_its_company_only(world: TwoTenants, redis: Redis) -> None:
    job_id = failed_job(redis, world.acme.id)
    queue = Queue("default", connection=redis)

    with pytest.raises(operations.JobNotFound, match="no such failed job"):
        operations.retry_failed(job_id, world.globex.id, all_tenants=False)
    with pytest.raises(operations.JobNotFound, match="no such failed job"):
        operations.retry_failed("no-such-job", world.acme.id, all_tenants=False)
    assert job_id in queue.failed_job_registry.get_job_ids()

    operations.retry_failed(job_id, world.acme.id, all_tenants=False)

    assert queue.job_ids == [job_id]
    assert job_id not in queue.failed_job_registry.get_job_ids()
    assert _job_audits() == [(job_id, "retry")]
