"""The periodic jobs, as an RQ cron configuration (DESIGN.md: jobs).

Loaded by ``flask lms cron`` or by RQ's own ``rq cron lms.jobs.schedule``; run exactly
one such process (RQ's cron has no leader election). Each entry is a ``@job``
function and a cron expression in the server's local time. Besides them, the outbox
relay runs every ``RELAY_INTERVAL`` seconds: jobs whose hand-over to Redis failed go
out within a minute of Redis answering again (issue 10).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rq import cron

from lms.jobs import job_path, relay_outbox, run_job
from lms.jobs.certificates import compliance_sweep, send_expiry_notices
from lms.jobs.digests import daily_digest, tenant_digest, weekly_digest
from lms.jobs.reminders import deadline_reminders, tenant_deadline_reminders
from lms.models.enums import EmailFrequency

RELAY_INTERVAL = 60

PERIODIC_JOBS: list[tuple[Callable[..., Any], str]] = [
    (deadline_reminders, "0 6 * * *"),
    (compliance_sweep, "30 5 * * *"),
    (daily_digest, "0 7 * * *"),
    (weekly_digest, "0 7 * * 1"),
]

# Each sweep's work for one company, ``(job, arguments after the tenant id)``: what a company's
# admin may start with "run now" (a sweep over every company is for platform staff).
FOR_ONE_TENANT: dict[Callable[..., Any], tuple[Callable[..., Any], tuple[Any, ...]]] = {
    deadline_reminders: (tenant_deadline_reminders, ()),
    compliance_sweep: (send_expiry_notices, ()),
    daily_digest: (tenant_digest, (EmailFrequency.DAILY.value,)),
    weekly_digest: (tenant_digest, (EmailFrequency.WEEKLY.value,)),
}

for _func, _expression in PERIODIC_JOBS:
    cron.register(
        run_job,
        _func.lms_queue,  # type: ignore[attr-defined]
        args=(job_path(_func), (), {}),
        cron=_expression,
        name=job_path(_func),
    )

cron.register(
    run_job,
    relay_outbox.lms_queue,  # type: ignore[attr-defined]
    args=(job_path(relay_outbox), (), {}),
    interval=RELAY_INTERVAL,
    name=job_path(relay_outbox),
)
