"""Deadline reminders (DESIGN.md: deadlines; issue 6, item 8).

Once a day, for every active member with an assigned, published, not completed module
that has a due date: DEADLINE_REMINDER 7 days before, 1 day before, and once when
overdue. Each is keyed ``deadline:<kind>:<user>:<module>:<due date>`` in
NotificationDedup, so a second run the same day sends nothing new, and a changed
deadline (a new due date) reminds again.

The sweep finds in SQL only the reminders whose key is not there yet, as the compliance
sweep does (issue 12, item 4): the due dates are computed in the query (``deadlines.assigned``,
the rule in SQL), the key with them, and an anti-join on NotificationDedup
drops what was sent. A second run the same day thus reads no more than the keys' index
and builds no text, where building every due reminder's text for the dedup insert to
throw away took seconds on a company of 10,000. A whole tenant costs the same handful of
set-based queries whether it has ten learners or ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from lms.extensions import db
from lms.jobs import job
from lms.models import Membership, Module, NotificationDedup, Tenant, User
from lms.models.enums import ModuleStatus, NotificationType
from lms.models.types import utcnow
from lms.services.completion import completed_pairs
from lms.services.deadlines import assigned, utc_day
from lms.services.notifications import notify_about_modules
from lms.services.tenants import send_for_tenant

WEEK = "7d"
DAY = "1d"
OVERDUE = "overdue"


@dataclass(frozen=True)
class Reminder:
    user_id: int
    module_id: int
    due_at: datetime
    kind: str
    module_title: str
    dedup_key: str

    @property
    def type(self) -> NotificationType:
        return NotificationType.DEADLINE_REMINDER


def due_reminders(now: datetime) -> list[Reminder]:
    """The reminders the current tenant's learners are due now and have not had, in two queries:
    the due ones not yet sent, then the completions among them (``completion``'s rule).

    The nearest window a due date has entered decides the kind, so a job that missed a few
    days sends only the reminder that still makes sense (a deadline tomorrow gets "1 day",
    not "7 days" as well).
    """
    due = assigned()
    kind = sa.case(
        (due.c.due_at < now, sa.literal(OVERDUE)),
        (due.c.due_at <= now + timedelta(days=1), sa.literal(DAY)),
        else_=sa.literal(WEEK),
    )
    key = (
        sa.literal("deadline:")
        + kind
        + sa.literal(":")
        + sa.cast(due.c.user_id, sa.String)
        + sa.literal(":")
        + sa.cast(due.c.module_id, sa.String)
        + sa.literal(":")
        + utc_day(due.c.due_at)
    )
    rows = db.session.execute(
        sa.select(due.c.user_id, due.c.module_id, due.c.due_at, kind, Module.title, key)
        .join(Module, Module.id == due.c.module_id)
        .join(Membership, Membership.user_id == due.c.user_id)
        .join(User, User.id == due.c.user_id)
        .where(
            due.c.due_at <= now + timedelta(days=7),
            Module.status == ModuleStatus.PUBLISHED,
            Membership.is_active,
            User.is_active,
            ~sa.select(NotificationDedup.id).where(NotificationDedup.dedup_key == key).exists(),
        )
        .order_by(due.c.user_id, due.c.module_id)
    ).all()
    if not rows:
        return []
    done = completed_pairs(module_ids={row.module_id for row in rows})
    return [Reminder(*row) for row in rows if (row.user_id, row.module_id) not in done]


def texts(reminder: Reminder, tenant: Tenant) -> tuple[str, str]:
    """Title and message in the tenant's language, the date in its time zone."""
    title = reminder.module_title
    day = format_date(reminder.due_at.astimezone(ZoneInfo(tenant.timezone)).date(), "medium")
    if reminder.kind == OVERDUE:
        return _("Overdue: %(module)s", module=title), _("%(module)s was due on %(date)s.", module=title, date=day)
    if reminder.kind == DAY:
        return (
            _("Due within a day: %(module)s", module=title),
            _("Finish %(module)s by %(date)s.", module=title, date=day),
        )
    return (
        _("Deadline approaching: %(module)s", module=title),
        _("Finish %(module)s by %(date)s.", module=title, date=day),
    )


def send_deadline_reminders(tenant: Tenant, now: datetime | None = None) -> int:
    """Send the current tenant's due reminders; how many went out. The caller commits."""
    return notify_about_modules(tenant, due_reminders(now or utcnow()), texts)


@job()
def tenant_deadline_reminders(tenant_id: int) -> int:
    """One company's deadline reminders: its part of the daily sweep (``services/schedule.py``)."""
    return send_for_tenant(tenant_id, send_deadline_reminders, "deadline reminders")
