"""What ops see and do in the admin's Operations screen (DESIGN.md: jobs; issue 6, item 10).

Queue counts are numbers only and shown to every operator. The jobs themselves
(arguments, errors) may speak of a company's data, so a company's admins see the jobs
queued for their company (``meta["tenant_id"]``, set by ``enqueue``) and platform staff
see every job. "Run now" queues a periodic job at once, under the id of its company and
period (``services/schedule.py``), so it runs once per period; "retry" puts a failed job
back on its queue. Both are audited (RECORD_UPDATED on entity type "job": AuditAction has
no job-specific value, and a job is the record changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from rq.job import Job
from rq.registry import BaseRegistry
from rq.results import Result

from lms.errors import LmsError
from lms.jobs import SERVED, enqueue, get_queue, job_path, redis_connection
from lms.models.enums import AuditAction
from lms.services.audit import audit
from lms.services.schedule import PERIODIC_JOBS, enqueue_for_tenant, periodic_job_id

ERROR_LINES = 3
LIST_LIMIT = 50  # jobs shown per list
SCAN_LIMIT = 500  # newest jobs of a registry looked at to find them


class JobNotFound(LmsError):
    """No such job, or not one this operator may see."""


class AlreadyQueued(LmsError):
    """This period's run of the job is queued, running, done or failed already."""


@dataclass(frozen=True)
class PeriodicJob:
    path: str
    label: str
    cron: str


@dataclass(frozen=True)
class JobRow:
    id: str
    queue: str
    description: str
    enqueued_at: datetime | None
    error: str


@dataclass(frozen=True)
class QueueCounts:
    name: str
    queued: int
    scheduled: int
    started: int
    failed: int


@dataclass
class Overview:
    inline: bool
    queues: list[QueueCounts]
    scheduled: list[JobRow]
    started: list[JobRow]
    failed: list[JobRow]


def periodic_jobs() -> list[PeriodicJob]:
    """The entries of ``services/schedule.py``, for the "run now" buttons."""
    return [PeriodicJob(job_path(func), str(func.lms_label or job_path(func)), cron) for func, cron in PERIODIC_JOBS]


def jobs_run_inline() -> bool:
    """The embedded mode: no REDIS_URL, every job runs inline after the request's commit."""
    return not current_app.config["REDIS_URL"]


def _visible(job: Job, tenant_id: int | None, all_tenants: bool) -> bool:
    return all_tenants or (job.meta.get("tenant_id") is not None and job.meta.get("tenant_id") == tenant_id)


def _error(job: Job) -> str:
    result = job.latest_result()
    if result is None or result.type != Result.Type.FAILED or not result.exc_string:
        return ""
    return "\n".join(result.exc_string.strip().splitlines()[-ERROR_LINES:])


def _rows(registry: BaseRegistry, queue: str, tenant_id: int | None, all_tenants: bool) -> list[JobRow]:
    ids = registry.get_job_ids(0, SCAN_LIMIT - 1, desc=True)
    jobs = Job.fetch_many(ids, connection=registry.connection)
    rows = []
    for job in jobs:
        if job is None or not _visible(job, tenant_id, all_tenants):
            continue
        rows.append(
            JobRow(
                id=job.id,
                queue=queue,
                description=job.description or job.func_name,
                enqueued_at=job.enqueued_at,
                error=_error(job),
            )
        )
        if len(rows) >= LIST_LIMIT:
            break
    return rows


def overview(tenant_id: int | None, all_tenants: bool) -> Overview:
    """Counts of every queue and the scheduled, started and failed jobs this operator may see."""
    if jobs_run_inline():
        return Overview(inline=True, queues=[], scheduled=[], started=[], failed=[])
    result = Overview(inline=False, queues=[], scheduled=[], started=[], failed=[])
    for name in SERVED:
        queue = get_queue(name)
        registries = {
            "scheduled": queue.scheduled_job_registry,
            "started": queue.started_job_registry,
            "failed": queue.failed_job_registry,
        }
        result.queues.append(QueueCounts(name, queue.count, *(registry.count for registry in registries.values())))
        for what, registry in registries.items():
            getattr(result, what).extend(_rows(registry, name, tenant_id, all_tenants))
    return result


def run_now(path: str, tenant_id: int, all_tenants: bool) -> None:
    """Queue a periodic job now (inline in the embedded mode, after the commit); audited.

    Platform staff run the sweep over every company; a company's admin runs that
    company's part only. Either is one job per period: when Redis holds this period's
    job already, AlreadyQueued (the embedded mode has no such memory and runs it again).
    The look-up only spares the operator a button that does nothing; the job id is what
    keeps a run that slips past it (two clicks at once) to one job.
    """
    func = next((func for func, _ in PERIODIC_JOBS if job_path(func) == path), None)
    if func is None:
        raise JobNotFound(_l("There is no such periodic job."))
    job_id = periodic_job_id(func, None if all_tenants else tenant_id)
    if not jobs_run_inline() and Job.exists(job_id, connection=redis_connection()):
        raise AlreadyQueued(
            _l("This job has already been queued or run for this period. If it failed, retry it from the failed jobs.")
        )
    if all_tenants:
        enqueue(func, job_id=job_id)
    else:
        enqueue_for_tenant(func, tenant_id)
    audit(AuditAction.RECORD_UPDATED, entity_type="job", entity_id=path, operation="run now", all_tenants=all_tenants)


def retry_failed(job_id: str, tenant_id: int | None, all_tenants: bool) -> None:
    """Put a failed job back on its queue, where a worker picks it up again; audited."""
    if jobs_run_inline():
        raise JobNotFound(_l("Jobs run inline: there are no failed jobs to retry."))
    connection = redis_connection()
    job = Job.fetch_many([job_id], connection=connection)[0]
    if job is None or not _visible(job, tenant_id, all_tenants):
        raise JobNotFound(_l("There is no such failed job."))
    registry = get_queue(job.origin).failed_job_registry
    if job.id not in registry:
        raise JobNotFound(_l("There is no such failed job."))
    registry.requeue(job)
    audit(
        AuditAction.RECORD_UPDATED,
        entity_type="job",
        entity_id=job.id,
        operation="retry",
        job=job.description,
        queue=job.origin,
    )
