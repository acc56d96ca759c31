"""The weekly manager email: overdue and expiring learners of a manager's groups (issue 13, item 6).

Once a week every active member holding VIEW_MANAGER_DASHBOARD (by role or by grant)
gets one email listing the overdue learners and the certificates expiring within 30 days
in the groups they reach (a grant's scope narrows it to its groups, as on the
dashboard), with the same list as an XLSX attachment. Their EmailPreference decides as
for a deadline reminder: no email when the ``deadline_reminders`` family is off or their
frequency is OFF (``notifications.frequency_for``). A manager with nothing to report
gets nothing.

It is mass mail (issue 12, item 4): the company's job finds the recipients in one query
and queues jobs of up to ``BATCH_SIZE`` managers on ``bulk``; each job reads the rows of
all its managers' groups in two queries, renders each email in the company's language,
stores each attachment and sends over one SMTP connection. Once per company and ISO week:
a message that went out leaves the key ``manager-weekly:<user>:<week>`` in
NotificationDedup, and a manager with that key is not a recipient again that week, so
the job retried or run twice sends nothing twice.

Reaches are read for all recipients at once: a role's default reaches everywhere, a grant
as ``permissions.grant_reach`` says (the rule ``rights_of`` applies per person, one query
each).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from lms.extensions import db
from lms.i18n import tenant_locale
from lms.jobs import enqueue, job
from lms.jobs.mail import BATCH_SIZE, Mail, render_mail, send_batch, stable_message_id
from lms.models import EmailPreference, Group, Membership, NotificationDedup, Tenant, User, UserPermission
from lms.models.enums import EmailFrequency, Permission
from lms.models.types import utcnow
from lms.models.upserts import insert_returning
from lms.permissions import EVERYWHERE, ROLE_DEFAULTS, grant_reach, holders_of
from lms.services.manager_dashboard import days_overdue, expiring_rows, overdue_rows
from lms.services.tenants import send_for_tenant
from lms.spreadsheets import Table, file_name, xlsx_bytes
from lms.storage import get_storage, save_bytes
from lms.tenancy import tenant_context

PERMISSION = Permission.VIEW_MANAGER_DASHBOARD
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_IN_BODY = 25  # rows of each list in the email itself; the attachment has them all

# (user id, group ids it reaches, or None for every group)
Recipient = tuple[int, list[int] | None]


def iso_week(now: datetime, timezone: str) -> str:
    """The company's ISO week of ``now``: the period of the email's "once a week"."""
    year, week, _ = now.astimezone(ZoneInfo(timezone)).date().isocalendar()
    return f"{year}-W{week:02d}"


def _key(week: str) -> sa.ColumnElement[str]:
    return sa.literal("manager-weekly:") + sa.cast(Membership.user_id, sa.String) + sa.literal(f":{week}")


def recipients(tenant: Tenant, now: datetime) -> list[Recipient]:
    """The managers of the current company due this week's email, with their reach; one query."""
    week = iso_week(now, tenant.timezone)
    by_role = [role for role, held in ROLE_DEFAULTS.items() if PERMISSION in held]
    wants_mail = sa.or_(
        EmailPreference.id.is_(None),
        sa.and_(EmailPreference.deadline_reminders, EmailPreference.frequency != EmailFrequency.OFF),
    )
    rows = db.session.execute(
        sa.select(Membership.user_id, Membership.role, UserPermission.scope)
        .join(User, User.id == Membership.user_id)
        .outerjoin(
            UserPermission,
            sa.and_(
                UserPermission.user_id == Membership.user_id,
                UserPermission.tenant_id == Membership.tenant_id,
                UserPermission.permission == PERMISSION,
            ),
        )
        .outerjoin(
            EmailPreference,
            sa.and_(EmailPreference.user_id == Membership.user_id, EmailPreference.tenant_id == Membership.tenant_id),
        )
        .where(
            Membership.user_id.in_(holders_of(PERMISSION)),
            Membership.is_active,
            User.is_active,
            wants_mail,
            ~sa.select(NotificationDedup.id).where(NotificationDedup.dedup_key == _key(week)).exists(),
        )
        .order_by(Membership.user_id)
    ).all()
    found: list[Recipient] = []
    for user_id, role, scope in rows:
        reach = EVERYWHERE if role in by_role else grant_reach(PERMISSION, scope)
        if reach is not None:
            found.append((user_id, None if reach.everywhere else sorted(reach.group_ids or ())))
    return found


@dataclass(frozen=True)
class Line:
    """One learner and module of a manager's email: overdue since ``day``, or certified until it."""

    name: str
    email: str
    groups: str
    module: str
    overdue_days: int | None
    day: date

    @property
    def status(self) -> str:
        if self.overdue_days is not None:
            return ngettext("Overdue by %(num)d day", "Overdue by %(num)d days", self.overdue_days)
        return _("Certified until %(date)s", date=self.day.isoformat())


def _lines(now: datetime, timezone: str, group_ids: set[int] | None) -> list[tuple[frozenset[int], str, Line]]:
    """Every overdue and expiring (learner, module) of the groups, with the groups it is in; three queries.

    Returned as (groups, kind, line) so that each manager keeps the lines of their groups.
    """
    zone = ZoneInfo(timezone)
    names = dict(db.session.execute(sa.select(Group.id, Group.name)).all())
    merged: dict[tuple[str, int, int], dict] = {}
    for kind, statement in (("overdue", overdue_rows(now, group_ids)), ("expiring", expiring_rows(now, group_ids))):
        for group_id, user_id, name, email, module_id, title, moment in db.session.execute(statement):
            row = merged.setdefault(
                (kind, user_id, module_id),
                {"groups": set(), "name": name or email, "email": email, "module": title, "moment": moment},
            )
            row["groups"].add(group_id)
    lines = []
    for (kind, _user, _module), row in merged.items():
        lines.append(
            (
                frozenset(row["groups"]),
                kind,
                Line(
                    name=row["name"],
                    email=row["email"],
                    groups=", ".join(sorted(names[group] for group in row["groups"])),
                    module=row["module"],
                    overdue_days=days_overdue(row["moment"], now) if kind == "overdue" else None,
                    day=row["moment"].astimezone(zone).date(),
                ),
            )
        )
    lines.sort(key=lambda item: (item[2].day, item[2].name, item[2].module))
    return lines


def _table(overdue: list[Line], expiring: list[Line]) -> Table:
    header = [_("Learner"), _("Email"), _("Groups"), _("Module"), _("Status"), _("Date")]
    rows = [[line.name, line.email, line.groups, line.module, line.status, line.day] for line in overdue + expiring]
    return Table(_("Overdue and expiring"), header, rows=lambda: rows)


def send_manager_digests(tenant: Tenant, now: datetime | None = None) -> int:
    """Queue this week's manager emails of the current company; how many managers are due one.

    The batches skip managers with nothing to report. The caller commits.
    """
    now = now or utcnow()
    due = recipients(tenant, now)
    for start in range(0, len(due), BATCH_SIZE):
        enqueue(manager_digest_batch, tenant.id, now.isoformat(), due[start : start + BATCH_SIZE])
    return len(due)


@job("bulk")
def manager_digest_batch(tenant_id: int, moment: str, managers: list[Recipient]) -> None:
    """The emails of up to ``BATCH_SIZE`` managers, over one SMTP connection.

    A message that went out leaves its week's key, and a retried job skips whoever has it;
    the Message-ID is derived from manager and week, the same at a repeat after a killed
    worker, and so is the attachment's storage key.
    """
    with tenant_context(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        now = datetime.fromisoformat(moment)
        week = iso_week(now, tenant.timezone)
        done = set(
            db.session.scalars(
                sa.select(NotificationDedup.user_id).where(
                    NotificationDedup.dedup_key.in_([f"manager-weekly:{user_id}:{week}" for user_id, _ in managers])
                )
            )
        )
        reaches = {
            user_id: None if groups is None else set(groups) for user_id, groups in managers if user_id not in done
        }
        if not reaches:
            return
        scoped = [groups for groups in reaches.values() if groups is not None]
        wanted = None if len(scoped) < len(reaches) else set().union(*scoped)
        emails = dict(db.session.execute(sa.select(User.id, User.email).where(User.id.in_(list(reaches)))).all())
        storage = get_storage()
        keys: dict[str, int] = {}
        mails: list[Mail] = []
        with tenant_locale(tenant_id):
            lines = _lines(now, tenant.timezone, wanted)
            today = now.astimezone(ZoneInfo(tenant.timezone)).date()
            report = _("Training overview")
            for user_id, groups in reaches.items():
                mine = [(kind, line) for seen, kind, line in lines if groups is None or seen & groups]
                overdue = [line for kind, line in mine if kind == "overdue"]
                expiring = [line for kind, line in mine if kind == "expiring"]
                if not mine:
                    continue
                key = f"tenants/{tenant_id}/manager-weekly/{week}/{user_id}.xlsx"
                save_bytes(storage, key, xlsx_bytes(_table(overdue, expiring)))
                attachment = {
                    "file_name": file_name(tenant.name, report, today, "xlsx"),
                    "storage_key": key,
                    "content_type": XLSX,
                }
                message_id = stable_message_id("manager-weekly", tenant_id, user_id, week)
                keys[message_id] = user_id
                subject = _(
                    "%(company)s: %(overdue)d overdue, %(expiring)d expiring this week",
                    company=tenant.name,
                    overdue=len(overdue),
                    expiring=len(expiring),
                )
                mails.append(
                    render_mail(
                        emails[user_id],
                        subject,
                        "manager_weekly",
                        message_id=message_id,
                        attachments=[attachment],
                        company=tenant.name,
                        week_of=format_date(today, "long"),
                        overdue=overdue[:SHOWN_IN_BODY],
                        overdue_total=len(overdue),
                        expiring=expiring[:SHOWN_IN_BODY],
                        expiring_total=len(expiring),
                        shown=SHOWN_IN_BODY,
                    )
                )

        def record(sent: list[Mail]) -> None:
            stamp = utcnow()
            insert_returning(
                NotificationDedup,
                [
                    {
                        "tenant_id": tenant_id,
                        "user_id": keys[mail.message_id],
                        "dedup_key": f"manager-weekly:{keys[mail.message_id]}:{week}",
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                    for mail in sent
                ],
                conflict=["tenant_id", "dedup_key"],
                returning=NotificationDedup.id,
            )

        send_batch(mails, record)


@job()
def tenant_manager_digest(tenant_id: int) -> int:
    """One company's weekly manager emails: its part of the weekly sweep (``services/schedule.py``)."""
    return send_for_tenant(tenant_id, send_manager_digests, "weekly manager emails")
