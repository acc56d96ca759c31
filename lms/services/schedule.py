"""The periodic jobs: what runs when, and each company's part of it (DESIGN.md: jobs).

Each sweep runs over every active company and queues that company's part as a job of its
own, so a big or failing company does not hold the others back; a company's admin may
start their company's part with "run now" (a sweep over every company is for platform
staff). ``lms/cron.py`` hands ``PERIODIC_JOBS`` to RQ's cron; cron expressions are in the
server's local time.

One company's part of one period is one job (issue 11, item 3): it is queued under the id
``<sweep>-t<tenant>-<period>``, the same whether the sweep or "run now" queues it, so a
double click, or cron and "run now" on one day, queue it once (``lms.jobs``: named jobs).
The period is the server's local day, or ISO week for a weekly sweep: the clock of the
cron expressions, so each firing of a sweep falls in a period of its own. A later "run
now" in the same period is refused (``operations.run_now``): once per company and
period is the point — a second daily digest the same day would be a second digest, and
reminders and expiry notices are sent once a day anyway. A failed part is retried from the
ops screen. Platform staff's "run now" of a whole sweep is named ``<sweep>-all-<period>``;
cron's own firing of a sweep is not named (RQ's cron chooses its ids), so a sweep may run
twice in a period, and its companies' parts are still queued once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from typing import Any

from flask_babel import lazy_gettext as _l

from lms.jobs import enqueue, job
from lms.models.enums import EmailFrequency
from lms.services.activity import tenant_activity_rollup
from lms.services.compliance import tenant_expiry_notices
from lms.services.digests import tenant_digest
from lms.services.live_events import tenant_event_reminders
from lms.services.manager_digest import tenant_manager_digest
from lms.services.media import tenant_media_cleanup
from lms.services.reminders import tenant_deadline_reminders
from lms.services.tenants import enqueue_per_tenant
from lms.tenancy import tenant_context


@dataclass(frozen=True)
class TenantPart:
    """A sweep's work for one company: ``job(tenant_id, *args)``, once per ``weekly`` week, per
    ``minutes`` minutes (a sweep that runs through the day), or else per day."""

    job: Callable[..., Any]
    args: tuple[Any, ...] = ()
    weekly: bool = False
    minutes: int | None = None


@job(label=_l("Deadline reminders"))
def deadline_reminders() -> None:
    """Deadline reminders: 7 days and 1 day before a due date, and once when overdue."""
    sweep_every_tenant(deadline_reminders, "deadline reminder sweep")


@job(label=_l("Certificate expiry notices"))
def compliance_sweep() -> None:
    """MODULE_EXPIRING when a renewal window opens, MODULE_EXPIRED at expiry."""
    sweep_every_tenant(compliance_sweep, "compliance sweep")


@job(label=_l("Daily email digest"))
def daily_digest() -> None:
    """Daily email digest of unread notifications, for users who chose it."""
    sweep_every_tenant(daily_digest, "daily digest sweep")


@job(label=_l("Weekly email digest"))
def weekly_digest() -> None:
    """Weekly email digest of unread notifications, for users who chose it."""
    sweep_every_tenant(weekly_digest, "weekly digest sweep")


@job(label=_l("Weekly manager email"))
def manager_weekly_email() -> None:
    """Weekly email to managers: the overdue and expiring learners of their groups, with a spreadsheet."""
    sweep_every_tenant(manager_weekly_email, "weekly manager email sweep")


@job(label=_l("Activity rollup for analytics"))
def activity_rollup() -> None:
    """Each company's closed days of learner activity, one row per learner and day, for analytics."""
    sweep_every_tenant(activity_rollup, "activity rollup sweep")


@job(label=_l("Live event reminders"))
def live_event_reminders() -> None:
    """Live-event reminders to the invited groups: 24 hours and 15 minutes before the start."""
    sweep_every_tenant(live_event_reminders, "live event reminder sweep")


@job(label=_l("Media cleanup"))
def cleanup_media() -> None:
    """Remove the stored files and rows of deleted media assets (DELETE_PENDING, retried failures)."""
    sweep_every_tenant(cleanup_media, "media cleanup sweep")


PERIODIC_JOBS: list[tuple[Callable[..., Any], str]] = [
    (deadline_reminders, "0 6 * * *"),
    (compliance_sweep, "30 5 * * *"),
    (daily_digest, "0 7 * * *"),
    (weekly_digest, "0 7 * * 1"),
    (manager_weekly_email, "30 7 * * 1"),
    (activity_rollup, "15 1 * * *"),
    (live_event_reminders, "*/5 * * * *"),
    (cleanup_media, "*/15 * * * *"),
]

FOR_ONE_TENANT: dict[Callable[..., Any], TenantPart] = {
    deadline_reminders: TenantPart(tenant_deadline_reminders),
    compliance_sweep: TenantPart(tenant_expiry_notices),
    daily_digest: TenantPart(tenant_digest, (EmailFrequency.DAILY.value,)),
    weekly_digest: TenantPart(tenant_digest, (EmailFrequency.WEEKLY.value,), weekly=True),
    manager_weekly_email: TenantPart(tenant_manager_digest, weekly=True),
    activity_rollup: TenantPart(tenant_activity_rollup),
    live_event_reminders: TenantPart(tenant_event_reminders, minutes=5),
    cleanup_media: TenantPart(tenant_media_cleanup, minutes=15),
}


def period_of(sweep: Callable[..., Any], today: date | None = None) -> str:
    """The period a run of ``sweep`` on ``today`` (the server's local date) belongs to.

    A sweep of every few ``minutes`` names its slot of the day (``today`` may be a datetime;
    a plain date is its midnight), so each firing of its cron expression is a period.
    """
    minutes = FOR_ONE_TENANT[sweep].minutes
    if minutes is not None:
        if today is None:
            moment = datetime.now().astimezone()
        else:
            moment = today if isinstance(today, datetime) else datetime.combine(today, time())
        slot = (moment.hour * 60 + moment.minute) // minutes * minutes
        return f"{moment.date().isoformat()}-{slot // 60:02d}{slot % 60:02d}"
    today = today or datetime.now().astimezone().date()
    if FOR_ONE_TENANT[sweep].weekly:
        year, week, _ = today.isocalendar()
        return f"{year}-W{week:02d}"
    return today.isoformat()


def periodic_job_id(sweep: Callable[..., Any], tenant_id: int | None, today: date | None = None) -> str:
    """The RQ job id of one company's part of ``sweep`` in this period (None: the whole sweep)."""
    whose = "all" if tenant_id is None else f"t{tenant_id}"
    return f"{sweep.__name__}-{whose}-{period_of(sweep, today)}"


def enqueue_for_tenant(sweep: Callable[..., Any], tenant_id: int) -> None:
    """Queue one company's part of ``sweep`` for this period, in that company's context ("run now")."""
    part = FOR_ONE_TENANT[sweep]
    with tenant_context(tenant_id):
        enqueue(part.job, tenant_id, *part.args, job_id=periodic_job_id(sweep, tenant_id))


def sweep_every_tenant(sweep: Callable[..., Any], reason: str) -> None:
    """A sweep's work: its part for every active company, each a job of its own."""
    part = FOR_ONE_TENANT[sweep]
    enqueue_per_tenant(part.job, reason, *part.args, job_ids=partial(periodic_job_id, sweep))
