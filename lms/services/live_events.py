"""Live events: mentors and managers schedule live sessions for groups (issue 15, item 4).

An event has a title, a description, a start (entered in the company's time zone, stored in
UTC), a duration, a meeting address and the groups it is for. Its audience is the active
members of those groups, and its host. Scheduling refuses a start in the past, an event for
no group, a group of another company and a meeting address that is not http(s): a link on
the learner's page and in every calendar must not be ``javascript:`` or a local file.

Reminders go to the audience 24 hours and 15 minutes before the start, from a job that runs
every few minutes (``services/schedule.py``). Each is keyed
``live-event:<kind>:<event>:<start>:<user>`` in NotificationDedup, so a second run, or a
retried one, sends nothing new, and a moved start reminds again. As for deadlines, the
nearest window decides: an event scheduled two hours ahead gets its "coming up" reminder at
once, one scheduled ten minutes ahead only "starting soon". The sweep reads the events of
the next day (a handful), then for each the audience without that key, in one query per
event, so a run that finds nothing due costs a query, and one that has sent everything
builds no text again. There is no notification type of its own (the spec's enum has none):
reminders are SYSTEM notifications linking to the events page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import tenant_locale
from lms.jobs import job
from lms.models import Group, LiveEventGroup, Membership, MentorLiveEvent, NotificationDedup, Tenant, User, UserGroup
from lms.models.enums import NotificationType, Permission, TenantRole
from lms.models.types import utcnow
from lms.services.links import path_for
from lms.services.notifications import OutgoingNotification, notify_many
from lms.services.tenants import send_for_tenant

DAY_BEFORE = "24h"
SOON = "15m"
WINDOWS = {DAY_BEFORE: timedelta(hours=24), SOON: timedelta(minutes=15)}
MAX_DURATION_MINUTES = 24 * 60
PAST_DAYS_SHOWN = 90


class EventRefused(LmsError):
    """An event that cannot be scheduled as entered; the message says why."""


@dataclass(frozen=True)
class EventPlan:
    """What a scheduler entered: ``starts_local`` is a wall-clock time in the company's zone."""

    title: str
    description: str
    starts_local: datetime
    duration_minutes: int
    meet_url: str
    group_ids: frozenset[int]


def may_schedule(role: TenantRole | None, permissions: frozenset[Permission]) -> bool:
    """Who schedules events: managers of all modules, and mentors (MANAGE_OWN_MODULES), who see their own."""
    return Permission.MANAGE_ALL_MODULES in permissions or Permission.MANAGE_OWN_MODULES in permissions


def manages_all_events(permissions: frozenset[Permission]) -> bool:
    return Permission.MANAGE_ALL_MODULES in permissions


def is_meeting_url(url: str) -> bool:
    """An absolute http(s) address with a host: what a browser and a calendar may open safely."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(ord(c) < 33 for c in url)


def to_utc(starts_local: datetime, zone: str) -> datetime:
    """A wall-clock time in the company's zone, as the UTC moment it names."""
    return starts_local.replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def local_start_of(moment: datetime, zone: str) -> datetime:
    """A moment on the company's clock, without a zone (what a form's field shows)."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def local_start(event: MentorLiveEvent, zone: str) -> datetime:
    return local_start_of(event.starts_at, zone)


def schedule(event: MentorLiveEvent, plan: EventPlan, tenant: Tenant, host_id: int | None, now: datetime) -> None:
    """Apply ``plan`` to a new or an existing event of the current tenant; EventRefused when it cannot be.

    A new event gets ``host_id`` as its host. A start must be in the future when it is set or
    changed; an edit that keeps the start (a corrected description) is allowed after it. The
    caller commits; nothing is written when this raises.
    """
    with db.session.no_autoflush:  # a new event is in the session, still empty
        title = plan.title.strip()
        if not title:
            raise EventRefused(_l("Give the event a title."))
        if not 1 <= plan.duration_minutes <= MAX_DURATION_MINUTES:
            raise EventRefused(_l("The duration must be between 1 minute and 24 hours."))
        url = plan.meet_url.strip()
        if not is_meeting_url(url):
            raise EventRefused(_l("The meeting link must be a full http:// or https:// address."))
        starts_at = to_utc(plan.starts_local, tenant.timezone)
        if (event.id is None or starts_at != event.starts_at) and starts_at <= now:
            raise EventRefused(_l("The start must be in the future."))
        if not plan.group_ids:
            raise EventRefused(_l("Choose at least one group to invite."))
        groups = set(db.session.scalars(sa.select(Group.id).where(Group.id.in_(plan.group_ids))))
        if groups != set(plan.group_ids):
            raise EventRefused(_l("One of the chosen groups does not exist."))
    event.title = title
    event.description = plan.description.strip()
    event.starts_at = starts_at
    event.duration_minutes = plan.duration_minutes
    event.meet_url = url
    if event.id is None:
        event.host_id = host_id
        db.session.add(event)
    db.session.flush()
    _set_groups(event, groups)


def _set_groups(event: MentorLiveEvent, group_ids: set[int]) -> None:
    current = {link.group_id for link in event.group_links}
    for link in list(event.group_links):
        if link.group_id not in group_ids:
            event.group_links.remove(link)
    for group_id in sorted(group_ids - current):
        event.group_links.append(LiveEventGroup(group_id=group_id))
    db.session.flush()


def group_ids_of(event: MentorLiveEvent) -> list[int]:
    return sorted(link.group_id for link in event.group_links)


def audience(event_ids: Iterable[int]) -> sa.Select[tuple[int, int]]:
    """(event id, user id) of the people events are for: active members of their groups, and their hosts."""
    ids = list(event_ids)
    members = (
        sa.select(LiveEventGroup.event_id, UserGroup.user_id)
        .join(
            UserGroup,
            sa.and_(UserGroup.group_id == LiveEventGroup.group_id, UserGroup.tenant_id == LiveEventGroup.tenant_id),
        )
        .where(LiveEventGroup.event_id.in_(ids))
    )
    hosts = sa.select(MentorLiveEvent.id, MentorLiveEvent.host_id).where(
        MentorLiveEvent.id.in_(ids), MentorLiveEvent.host_id.is_not(None)
    )
    both = sa.union(members, hosts).subquery()
    event_id, user_id = both.c
    return (
        sa.select(event_id.label("event_id"), user_id.label("user_id"))
        .join(Membership, Membership.user_id == user_id)
        .join(User, User.id == user_id)
        .where(Membership.is_active, User.is_active)
    )


def _mine(user_id: int) -> sa.Select[tuple[int]]:
    """The ids of the events this user is invited to (through a group) or hosts."""
    invited = (
        sa.select(LiveEventGroup.event_id)
        .join(
            UserGroup,
            sa.and_(UserGroup.group_id == LiveEventGroup.group_id, UserGroup.tenant_id == LiveEventGroup.tenant_id),
        )
        .where(UserGroup.user_id == user_id)
    )
    hosted = sa.select(MentorLiveEvent.id).where(MentorLiveEvent.host_id == user_id)
    return sa.union(invited, hosted)


def events_of(user_id: int, now: datetime, *, past: bool = False) -> list[MentorLiveEvent]:
    """The user's events not yet over, soonest first; or (``past``) those of the last 90 days, latest first.

    An event that has started but not ended counts as upcoming: its link is still useful.
    Events last at most a day, so the query reads a day back and the end is checked here.
    """
    query = sa.select(MentorLiveEvent).where(MentorLiveEvent.id.in_(_mine(user_id)))
    if past:
        query = query.where(
            MentorLiveEvent.starts_at <= now, MentorLiveEvent.starts_at >= now - timedelta(days=PAST_DAYS_SHOWN)
        ).order_by(MentorLiveEvent.starts_at.desc())
    else:
        query = query.where(MentorLiveEvent.starts_at > now - timedelta(minutes=MAX_DURATION_MINUTES)).order_by(
            MentorLiveEvent.starts_at
        )
    return [event for event in db.session.scalars(query) if (ends_at(event) <= now) == past]


def ends_at(event: MentorLiveEvent) -> datetime:
    return event.starts_at + timedelta(minutes=event.duration_minutes)


def event_for(user_id: int, event_id: int) -> MentorLiveEvent | None:
    """One event of the current tenant the user is invited to or hosts; None otherwise (a 404)."""
    return db.session.scalar(
        sa.select(MentorLiveEvent).where(MentorLiveEvent.id == event_id, MentorLiveEvent.id.in_(_mine(user_id)))
    )


# --- Reminders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    event: MentorLiveEvent
    kind: str
    user_ids: list[int]


def dedup_prefix(kind: str, event: MentorLiveEvent) -> str:
    return f"live-event:{kind}:{event.id}:{int(event.starts_at.timestamp())}:"


def due_reminders(now: datetime) -> list[DueReminder]:
    """The reminders due now and not yet sent: the next day's events, then each one's audience without the key."""
    events = db.session.scalars(
        sa.select(MentorLiveEvent)
        .where(MentorLiveEvent.starts_at > now, MentorLiveEvent.starts_at <= now + WINDOWS[DAY_BEFORE])
        .order_by(MentorLiveEvent.starts_at, MentorLiveEvent.id)
    ).all()
    due = []
    for event in events:
        kind = SOON if event.starts_at <= now + WINDOWS[SOON] else DAY_BEFORE
        people = audience([event.id]).subquery()
        key = sa.literal(dedup_prefix(kind, event)) + sa.cast(people.c.user_id, sa.String)
        user_ids = db.session.scalars(
            sa.select(people.c.user_id)
            .where(~sa.select(NotificationDedup.id).where(NotificationDedup.dedup_key == key).exists())
            .distinct()
            .order_by(people.c.user_id)
        ).all()
        if user_ids:
            due.append(DueReminder(event, kind, list(user_ids)))
    return due


def _texts(reminder: DueReminder, tenant: Tenant) -> tuple[str, str]:
    event = reminder.event
    when = format_datetime(event.starts_at.astimezone(ZoneInfo(tenant.timezone)), "short", rebase=False)
    if reminder.kind == SOON:
        return (
            str(_l("Starting soon: %(title)s", title=event.title)),
            str(_l("%(title)s starts at %(when)s. Join at %(url)s", title=event.title, when=when, url=event.meet_url)),
        )
    return (
        str(_l("Live event coming up: %(title)s", title=event.title)),
        str(_l("%(title)s starts on %(when)s.", title=event.title, when=when)),
    )


def send_event_reminders(tenant: Tenant, now: datetime | None = None) -> int:
    """Send the current tenant's due event reminders; how many went out. The caller commits."""
    due = due_reminders(now or utcnow())
    if not due:
        return 0
    link = path_for("learner.events_page")
    with tenant_locale(tenant.id):
        batch = [
            OutgoingNotification(
                user_id=user_id,
                type=NotificationType.SYSTEM,
                title=title,
                message=message,
                link=link,
                dedup_key=dedup_prefix(reminder.kind, reminder.event) + str(user_id),
            )
            for reminder in due
            for title, message in [_texts(reminder, tenant)]
            for user_id in reminder.user_ids
        ]
    return notify_many(batch)


@job()
def tenant_event_reminders(tenant_id: int) -> int:
    """One company's live-event reminders: its part of the sweep every few minutes (``services/schedule.py``)."""
    return send_for_tenant(tenant_id, send_event_reminders, "live event reminders")
