"""The RQ cron configuration: the periodic jobs and the outbox relay (DESIGN.md: jobs).

Loaded by ``flask lms cron`` or by RQ's own ``rq cron lms.cron``; run exactly one such
process (RQ's cron has no leader election). The periodic jobs and their cron expressions
are ``services/schedule.py``'s. Besides them, the outbox relay runs every
``RELAY_INTERVAL`` seconds: jobs whose hand-over to Redis failed go out within a minute
of Redis answering again (issue 10).

A module of its own, outside ``lms.jobs`` and ``lms.services``: it names jobs of both,
and RQ imports it for its side effect (``cron.register``), which no other process wants.
"""

from __future__ import annotations

from rq import cron

from lms.jobs import job_path, relay_outbox, run_job
from lms.services.schedule import PERIODIC_JOBS

RELAY_INTERVAL = 60

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
