"""Deadline reminders (DESIGN.md: deadlines; issue 6, item 8).

Once a day, for every active member with an assigned, published, not completed module
that has a due date: DEADLINE_REMINDER 7 days before, 1 day before, and once when
overdue. Each is keyed ``deadline:<kind>:<user>:<module>:<due date>`` in
NotificationDedup, so a second run the same day sends nothing new, and a changed
deadline (a new due date) reminds again. A whole tenant costs the same handful of
set-based queries whether it has ten learners or ten thousand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from lms.extensions import db
from lms.jobs import job
from lms.models import Membership, Module, Tenant, User
from lms.models.enums import ModuleStatus, NotificationType
from lms.models.types import utcnow
from lms.services.completion import completed_pairs
from lms.services.deadlines import assignments
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

    @property
    def dedup_key(self) -> str:
        return f"deadline:{self.kind}:{self.user_id}:{self.module_id}:{self.due_at.date().isoformat()}"

    @property
    def type(self) -> NotificationType:
        return NotificationType.DEADLINE_REMINDER


def reminder_kind(due_at: datetime, now: datetime) -> str | None:
    """Which reminder a due date calls for now: the nearest window it has entered, if any.

    A job that missed a few days sends only the reminder that still makes sense (a
    deadline tomorrow gets "1 day", not "7 days" as well).
    """
    if due_at < now:
        return OVERDUE
    if due_at <= now + timedelta(days=1):
        return DAY
    if due_at <= now + timedelta(days=7):
        return WEEK
    return None


def _active_members() -> set[int]:
    """Members of the current tenant whose membership and account are both active."""
    return set(
        db.session.scalars(
            sa.select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.is_active, User.is_active)
        )
    )


def due_reminders(now: datetime) -> list[Reminder]:
    """Every reminder the current tenant's learners are due now (before dedup), in four queries:
    assignments, active members, published modules, completed pairs (``completion``'s rule)."""
    pending = [a for a in assignments() if a.due_at is not None and reminder_kind(a.due_at, now)]
    if not pending:
        return []
    members = _active_members()
    pending = [a for a in pending if a.user_id in members]
    titles = _published_titles({a.module_id for a in pending})
    done = completed_pairs(module_ids=set(titles))
    return [
        Reminder(a.user_id, a.module_id, a.due_at, reminder_kind(a.due_at, now), titles[a.module_id])
        for a in pending
        if a.module_id in titles and (a.user_id, a.module_id) not in done
    ]


def _published_titles(module_ids: Iterable[int]) -> dict[int, str]:
    """Titles of the published modules among these: drafts and archived modules remind no one."""
    return dict(
        db.session.execute(
            sa.select(Module.id, Module.title).where(
                Module.id.in_(set(module_ids)), Module.status == ModuleStatus.PUBLISHED
            )
        ).all()
    )


def _texts(reminder: Reminder, tenant: Tenant) -> tuple[str, str]:
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
    return notify_about_modules(tenant, due_reminders(now or utcnow()), _texts)


@job()
def tenant_deadline_reminders(tenant_id: int) -> int:
    """One company's deadline reminders: its part of the daily sweep (``services/schedule.py``)."""
    return send_for_tenant(tenant_id, send_deadline_reminders, "deadline reminders")
