"""The RQ worker of ``flask lms worker``: a job whose worker died is retried within a minute.

RQ finds such a job when its lease in the StartedJobRegistry has run out: a worker's
maintenance pass (``StartedJobRegistry.cleanup``) retries it under its ``Retry`` policy
(DESIGN.md: jobs). With RQ's defaults that takes long: the lease is the heartbeat
interval (30 s) plus a fixed 60 s, maintenance runs every 10 minutes, and an idle worker
checks for it only between blocking dequeues of up to ``worker_ttl - 15`` = 405 s.

Here the working worker renews the lease every ``HEARTBEAT`` seconds, a lease lasts
``HEARTBEAT + LEASE_GRACE`` seconds, and every worker runs maintenance every
``MAINTENANCE`` seconds and dequeues for at most ``WORKER_TTL - 15`` seconds. A worker
killed mid-job thus leaves a lease that ends at most 20 s later; another worker's next
maintenance (at most 15 s on) schedules the retry, which the scheduler starts after the
first retry interval (10 s): about 45 s at worst (tests/jobs/test_certificate_job.py
measures about 40 s). If the dead worker also ran the scheduler, its lock lasts RQ's
fixed 61 s before another worker's scheduler takes over.

The price of the short lease: a worker whose heartbeat is more than 10 s late (Redis
unreachable that long, a frozen machine) has its running job taken for abandoned and
run again. Jobs are idempotent in the database (DESIGN.md: jobs) and a repeated mail
keeps its Message-ID, so that costs a duplicate run, never a wrong result.
"""

from __future__ import annotations

from rq import Worker
from rq.job import Job

HEARTBEAT = 10
LEASE_GRACE = 10
MAINTENANCE = 15
WORKER_TTL = 30


class ShortLeaseWorker(Worker):
    """An RQ worker whose running jobs hold a lease of heartbeat interval + ``LEASE_GRACE`` seconds.

    RQ adds a fixed 60 s to each lease (``get_heartbeat_ttl``); a heartbeat every 10 s
    needs far less slack than that. ``flask lms worker`` builds it with the settings above.
    """

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return self.job_monitoring_interval + LEASE_GRACE
