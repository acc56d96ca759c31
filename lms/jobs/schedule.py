"""The periodic jobs, as an RQ cron configuration (DESIGN.md: jobs).

Loaded by ``flask lms cron`` or by RQ's own ``rq cron lms.jobs.schedule``; run exactly
one such process (RQ's cron has no leader election). Each entry is a ``@job``
function and a cron expression in the server's local time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rq import cron

from lms.jobs import job_path, run_job
from lms.jobs.certificates import compliance_sweep
from lms.jobs.digests import daily_digest, weekly_digest
from lms.jobs.reminders import deadline_reminders

PERIODIC_JOBS: list[tuple[Callable[..., Any], str]] = [
    (deadline_reminders, "0 6 * * *"),
    (compliance_sweep, "30 5 * * *"),
    (daily_digest, "0 7 * * *"),
    (weekly_digest, "0 7 * * 1"),
]

for _func, _expression in PERIODIC_JOBS:
    cron.register(
        run_job,
        _func.lms_queue,  # type: ignore[attr-defined]
        args=(job_path(_func), (), {}),
        cron=_expression,
        name=job_path(_func),
    )
