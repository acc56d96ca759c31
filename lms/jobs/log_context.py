"""Every log line written while a job runs names the job and its company (issue 11, item 3).

``run_job`` sets the running job's id and tenant in a context variable; a log record
factory copies them onto every record made in that context, whichever logger makes it
(ours, SQLAlchemy's, a library's), as Redash's job logger adds ``job_id`` to each line.
A factory and not a filter: a filter on a logger misses the records of its children,
and one on a handler misses handlers we do not configure (pytest's, RQ's).

The attributes are ``lms_job_id``, ``lms_tenant_id`` (None outside a job) and ``lms_job``,
a ready-made `` [job <id> tenant <id>]`` (empty outside a job) for a log format
(``lms._configure_logging``). They carry the ``lms_`` prefix because a record refuses
an ``extra`` of a name it already has, and RQ logs with ``extra={"job_id": ...}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_running: ContextVar[tuple[str, int | None] | None] = ContextVar("lms_running_job", default=None)


@contextmanager
def job_logging(job_id: str, tenant_id: int | None) -> Iterator[None]:
    """Tag the log records of the code inside with this job and tenant."""
    token = _running.set((job_id, tenant_id))
    try:
        yield
    finally:
        _running.reset(token)


def _tagging(make_record: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make_tagged_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        running = _running.get()
        record.lms_job_id, record.lms_tenant_id = running or (None, None)
        record.lms_job = f" [job {running[0]} tenant {running[1]}]" if running else ""
        return record

    make_tagged_record.lms_tagging = True  # type: ignore[attr-defined]
    return make_tagged_record


def install() -> None:
    """Put the tagging in front of the process's record factory, once."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "lms_tagging", False):
        logging.setLogRecordFactory(_tagging(current))
