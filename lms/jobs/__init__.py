"""Background jobs: one ``enqueue()`` for every caller (DESIGN.md: jobs).

A job is a plain function decorated with ``@job(queue)`` that takes ids and values
(JSON values: the outbox stores them), never ORM objects.

Which way the imports go (issue 11, item 2). ``lms.jobs`` is infrastructure: the
``@job`` mark, ``enqueue`` and the outbox, ``run_job``, the queues, the worker and the
delivery of mail. It imports no service. A job that does a domain's work is a short
function beside the service it belongs to, as pretix keeps a task beside its service
(``services/certificates.issue_certificate``, ``services/reminders.tenant_deadline_reminders``),
and the periodic schedule, which names such jobs, is ``services/schedule.py``. The
other way round (Redash's one jobs package calling services) would serve as well for the
jobs, but a service queues jobs too — completing a module queues its certificate — so
jobs calling services and services queueing jobs would import each other again. Here a
service imports ``lms.jobs`` and the job it queues sits in the same or a lower service;
``tests/test_import_cycles.py`` fails on any cycle. The old paths of the moved jobs
still resolve (``lms.jobs.paths.MOVED``), so work queued before a deploy is not lost.

Nothing is lost between the database and Redis (issue 10): ``enqueue`` writes a
``JobOutbox`` row in the caller's transaction, so the job exists exactly when the change
that needs it does, and a rollback takes it away with the change. Once the outermost
transaction has committed and given back its connection, the rows it wrote are
delivered and deleted:

- with ``REDIS_URL``: handed to RQ with a retry policy, ``unique``, as the job id the
  caller chose or else ``outbox-<row id>``, so a row handed over twice (the relay
  meeting the request that wrote it) is one job in Redis. Redis unreachable is logged,
  never raised: the change is committed and the user sees success; the rows wait for
  ``relay_outbox``, which every ``flask lms worker`` runs at its start and ``flask lms
  cron`` every minute;
- without (the embedded mode): run inline, in the order they were queued.

A job id of the caller's choice names one piece of work, such as one company's
deadline reminders of one day (``services/schedule.py``): queued twice, it is one RQ job
as long as Redis knows the id — queued, running, waiting for a retry, failed (RQ keeps
a failed job for a year; the ops screen retries it), or finished within
``NAMED_RESULT_TTL``, which outlasts the longest period such an id stands for (a week).
The embedded mode has no Redis to remember ids: every queueing runs, which the jobs bear
because each of them is idempotent (DESIGN.md: jobs).

Either way the job runs through ``run_job``, which opens its own app context and
session and commits or rolls back at its end, so inline and RQ behave alike, and tags
every log line with the job's id and tenant (``lms.jobs.log_context``).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask.cli import ScriptInfo
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, get_current_job
from rq.exceptions import DuplicateJobError
from rq.job import validate_job_id
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction

from lms.extensions import Session, db
from lms.jobs.log_context import job_logging
from lms.jobs.paths import job_path, resolve
from lms.models.jobs import JobOutbox
from lms.tenancy import current_tenant_id

log = logging.getLogger(__name__)

# The queues a job may name (DESIGN.md: jobs): ``urgent`` for mail someone is waiting for
# (password reset, invite, certificate, one notification's copy), ``default`` for the rest,
# ``bulk`` for the batched mail of sweeps and digests. Workers serve them in ``SERVED`` order.
QUEUES = ("urgent", "default", "bulk")
# The order a worker takes jobs in. ``email`` held all mail before issue 12 (item 4): no job
# names it now, but a worker drains what was queued there before the deploy (and the ops
# screen still shows its failed jobs, which RQ keeps for a year).
SERVED = ("urgent", "email", "default", "bulk")
RELAY_BATCH = 500
NAMED_RESULT_TTL = 8 * 24 * 3600  # a finished job with a caller's id is remembered this long (> a week)
_PENDING = "lms.outbox.pending"  # outbox ids written in the session's open transaction
_COMMITTED = "lms.outbox.committed"  # ... by the transaction that has just committed

P = ParamSpec("P")
R = TypeVar("R")


def job(queue: str = "default", *, label: str | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark a function as a job of ``queue``; only marked functions can be enqueued.

    ``label`` (a lazy_gettext string) names the job on the ops screen.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")

    def mark(func: Callable[P, R]) -> Callable[P, R]:
        func.lms_queue = queue  # type: ignore[attr-defined]
        func.lms_label = label  # type: ignore[attr-defined]
        return func

    return mark


def redis_connection(app: Flask | None = None) -> Redis:
    """The app's Redis client, one per URL, with short timeouts.

    An unreachable Redis then costs a request a moment, not the operating system's TCP
    timeout; RQ's worker raises the read timeout itself for its blocking dequeue.
    """
    app = app or current_app
    url = app.config["REDIS_URL"]
    clients: dict[str, Redis] = app.extensions.setdefault("lms.redis", {})
    if url not in clients:
        clients[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return clients[url]


def get_queue(name: str, app: Flask | None = None) -> Queue:
    return Queue(name, connection=redis_connection(app))


def enqueue(func: Callable[..., Any], /, *args: Any, job_id: str | None = None, **kwargs: Any) -> None:
    """Run ``func(*args, **kwargs)`` as a job once the current transaction commits.

    The job is recorded in that transaction (``JobOutbox``); called outside a transaction,
    it is recorded and delivered at once. The row's ``tenant_id`` is the tenant active at
    this call (None for platform work): the job's ``meta["tenant_id"]`` in RQ, so the ops
    screen shows a company's admins their own jobs only. ``job_id`` (RQ's letters, digits,
    ``_`` and ``-``) names the work, so that queueing it twice is one job (see above); a
    job can therefore take no argument called ``job_id``.
    """
    queue = getattr(func, "lms_queue", None)
    if queue is None:
        raise ValueError(f"{job_path(func)} is not marked with @job")
    if job_id is not None:
        validate_job_id(job_id)
    session = db.session()
    outside_transaction = not session.in_transaction()
    row = JobOutbox(
        id=uuid.uuid4().hex,
        queue=queue,
        path=job_path(func),
        args=list(args),
        kwargs=kwargs,
        tenant_id=current_tenant_id(),
        job_id=job_id,
    )
    session.add(row)
    session.info.setdefault(_PENDING, []).append(row.id)
    if outside_transaction:
        session.commit()


@event.listens_for(Session, "after_commit")
def _remember_committed(session: OrmSession) -> None:
    """Releasing a savepoint fires ``after_commit`` too; only the outermost commit makes the rows real."""
    if not session.in_nested_transaction():
        session.info[_COMMITTED] = session.info.pop(_PENDING, [])


@event.listens_for(Session, "after_transaction_end")
def _deliver_committed(session: OrmSession, transaction: SessionTransaction) -> None:
    """Deliver after the outermost transaction ended: its connection is back in the pool by now.

    An inline job then never waits for a lock its own request holds (SQLite), and a rolled
    back transaction leaves nothing to deliver: its rows went with it. The change is
    committed whatever happens here, so a database error while delivering is logged, not
    raised to the user; the rows stay for the relay.
    """
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING, None)
    committed = session.info.pop(_COMMITTED, None)
    if not committed:
        return
    try:
        for start in range(0, len(committed), RELAY_BATCH):
            _deliver(committed[start : start + RELAY_BATCH])
    except SQLAlchemyError:
        log.exception("could not deliver %d committed job(s); they stay in the outbox for the relay", len(committed))


@job("default")
def relay_outbox() -> int:
    """Hand on every job whose hand-over after its commit did not happen; the number handed on.

    Redis was down, or the process died between the commit and the hand-over. A row
    handed over twice is one RQ job (its id is the row's, or the caller's), so a relay
    may meet the request that wrote the row, or another relay, and nothing is queued twice.
    """
    total = 0
    while True:
        delivered = _deliver(None)
        total += delivered
        if delivered < RELAY_BATCH:
            break
    if total:
        log.info("relay handed on %d job(s) from the outbox", total)
    return total


@dataclass(frozen=True)
class _Entry:
    id: str
    queue: str
    path: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    tenant_id: int | None
    job_id: str | None

    @property
    def rq_id(self) -> str:
        return self.job_id or f"outbox-{self.id}"


def _deliver(ids: Sequence[str] | None) -> int:
    """Deliver the outbox rows ``ids`` (the relay: the oldest rows) and delete what went; how many went.

    An app context of its own keeps the caller's session out of it; the rows are read in
    a short transaction of their own, so none is open while Redis or the jobs run.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.app_context():
        query = sa.select(
            JobOutbox.id,
            JobOutbox.queue,
            JobOutbox.path,
            JobOutbox.args,
            JobOutbox.kwargs,
            JobOutbox.tenant_id,
            JobOutbox.job_id,
        )
        if ids is None:
            query = query.order_by(JobOutbox.created_at, JobOutbox.id).limit(RELAY_BATCH)
        else:
            query = query.where(JobOutbox.id.in_(ids))
        entries = [
            _Entry(row.id, row.queue, row.path, tuple(row.args), row.kwargs, row.tenant_id, row.job_id)
            for row in db.session.execute(query)
        ]
        db.session.commit()
        if ids is not None:
            order = {row_id: index for index, row_id in enumerate(ids)}
            entries.sort(key=lambda entry: order[entry.id])
        delivered = _hand_over(entries, app) if app.config["REDIS_URL"] else _run_inline(entries, app)
        if delivered:
            db.session.execute(sa.delete(JobOutbox).where(JobOutbox.id.in_(delivered)))
            db.session.commit()
    return len(delivered)


def _hand_over(entries: list[_Entry], app: Flask) -> list[str]:
    """Put the jobs on their RQ queues; the ids of those Redis took (all, unless it is unreachable)."""
    intervals = list(app.config["JOB_RETRY_INTERVALS"])
    handed: list[str] = []
    try:
        for entry in entries:
            try:
                get_queue(entry.queue, app).enqueue(
                    run_job,
                    entry.path,
                    entry.args,
                    entry.kwargs,
                    job_id=entry.rq_id,
                    unique=True,
                    retry=Retry(max=len(intervals), interval=intervals),
                    job_timeout=app.config["JOB_TIMEOUT"],
                    result_ttl=NAMED_RESULT_TTL if entry.job_id else None,
                    description=entry.path,
                    meta={"tenant_id": entry.tenant_id},
                )
            except DuplicateJobError:
                log.info("job %s is in Redis already: not queued again", entry.rq_id)
            handed.append(entry.id)
    except RedisError as error:
        log.warning(
            "Redis is unreachable (%s): %d job(s) stay in the outbox until the relay hands them on",
            error,
            len(entries) - len(handed),
        )
    return handed


def _run_inline(entries: list[_Entry], app: Flask) -> list[str]:
    """The embedded mode: run each job here and now; a failure is logged by ``run_job`` and dropped."""
    for entry in entries:
        run_job(entry.path, entry.args, entry.kwargs, app=app, job_id=entry.rq_id, tenant_id=entry.tenant_id)
    return [entry.id for entry in entries]


_worker_app: Flask | None = None


def _app_for_job() -> Flask:
    """The app a job runs in: the caller's (``flask lms worker``), or one per bare ``rq worker``.

    A bare worker finds the app as the ``flask`` command does (``FLASK_APP``, else
    ``app.py`` in the working directory), not by importing ``lms.create_app``: the
    package that builds the app imports this one.
    """
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _worker_app is None:
        _worker_app = ScriptInfo(os.environ.get("FLASK_APP")).load_app()
    return _worker_app


def last_attempt() -> bool:
    """Whether a failure now is the job's last: inline there is no retry, and under RQ none is
    left. A job whose failure may be passing (storage unreachable) raises to be retried while
    it can, and records the failure for the user on its last try instead of leaving its row
    "in progress" for ever."""
    rq_job = get_current_job()
    return rq_job is None or not rq_job.retries_left


def run_job(
    path: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    app: Flask | None = None,
    *,
    job_id: str | None = None,
    tenant_id: int | None = None,
) -> Any:
    """Run one job in its own app context and transaction: commit on success, roll back on error.

    Inline (embedded mode) a failure is logged, not raised: the request that queued the
    job has already committed. Under RQ it is raised, so RQ records it and retries. Its
    log lines carry its id and tenant: given inline, RQ's job id and ``meta`` under RQ.
    """
    func = resolve(path)
    inline = app is not None
    rq_job = get_current_job()
    if rq_job is not None:
        job_id, tenant_id = rq_job.id, rq_job.meta.get("tenant_id")
    with (app or _app_for_job()).app_context(), job_logging(job_id or path, tenant_id):
        try:
            result = func(*args, **kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            if not inline:
                raise
            log.exception("inline job %s failed", path)
            return None
        finally:
            db.session.remove()
    return result
