"""Background jobs: one ``enqueue()`` for every caller (DESIGN.md: jobs).

A job is a plain function decorated with ``@job(queue)`` that takes ids and values,
never ORM objects. ``enqueue`` waits for the current transaction to commit, so a job
never sees data that was rolled back or not yet visible, then:

- with ``REDIS_URL``: puts it on the RQ queue with a retry policy;
- without (the embedded mode): runs it inline in a fresh app context.

Either way the job runs through ``run_job``, which opens its own app context and
session and commits or rolls back at its end, so inline and RQ behave alike.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from lms.extensions import Session, db
from lms.tenancy import current_tenant_id

log = logging.getLogger(__name__)

QUEUES = ("default", "email")
_PENDING = "lms.pending_jobs"

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


def job_path(func: Callable[..., Any]) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def _resolve(path: str) -> Callable[..., Any]:
    module_name, _, attr = path.partition(":")
    func = getattr(importlib.import_module(module_name), attr)
    if not hasattr(func, "lms_queue"):
        raise ValueError(f"{path} is not a job")
    return func


def redis_connection(app: Flask | None = None) -> Redis:
    app = app or current_app
    return Redis.from_url(app.config["REDIS_URL"])


def get_queue(name: str, app: Flask | None = None) -> Queue:
    return Queue(name, connection=redis_connection(app))


def enqueue(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``func(*args, **kwargs)`` as a job once the current transaction commits.

    The job's ``meta["tenant_id"]`` is the tenant active at this call (None for platform
    work), so the ops screen shows a company's admins their own jobs only.
    """
    queue = getattr(func, "lms_queue", None)
    if queue is None:
        raise ValueError(f"{job_path(func)} is not marked with @job")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    path = job_path(func)
    if app.config["REDIS_URL"]:
        intervals = list(app.config["JOB_RETRY_INTERVALS"])
        meta = {"tenant_id": current_tenant_id()}

        def dispatch() -> None:
            get_queue(queue, app).enqueue(
                run_job,
                path,
                args,
                kwargs,
                retry=Retry(max=len(intervals), interval=intervals),
                job_timeout=app.config["JOB_TIMEOUT"],
                description=path,
                meta=meta,
            )
    else:

        def dispatch() -> None:
            run_job(path, args, kwargs, app=app)

    session = db.session()
    if session.in_transaction():
        session.info.setdefault(_PENDING, []).append(dispatch)
    else:
        dispatch()


@event.listens_for(Session, "after_commit")
def _dispatch_pending(session: OrmSession) -> None:
    for dispatch in session.info.pop(_PENDING, []):
        dispatch()


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)


_worker_app: Flask | None = None


def _app_for_job() -> Flask:
    """The app a job runs in: the caller's, or one built once per worker process."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _worker_app is None:
        from lms import create_app

        _worker_app = create_app()
    return _worker_app


def run_job(path: str, args: tuple[Any, ...], kwargs: dict[str, Any], app: Flask | None = None) -> Any:
    """Run one job in its own app context and transaction: commit on success, roll back on error.

    Inline (embedded mode) a failure is logged, not raised: the request that queued the
    job has already committed. Under RQ it is raised, so RQ records it and retries.
    """
    func = _resolve(path)
    inline = app is not None
    with (app or _app_for_job()).app_context():
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
