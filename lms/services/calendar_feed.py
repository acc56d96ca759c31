"""Each user's private calendar feed, and one event as a calendar file (issue 15, item 4).

``/calendar/<token>.ics`` is opened by calendar apps, which carry no session: the token is
the only key, so it is long (256 bits, from a 128-bit random seed), unguessable, and it
opens one user's feed in one company and nothing else. The database keeps the seed and
the token's SHA-256; the token itself is HMAC(SECRET_KEY, seed), so the settings page can
show the same link again, while a copy of the database alone opens no feed. A new
SECRET_KEY turns every link off (the stored hash no longer matches): the user makes a new
one. Regenerating revokes the old link at once; a revoked or unknown token, or one whose
user has left the company, is a plain 404, indistinguishable from a token never issued.

The feed holds the user's live events of the last 90 days and ahead, and the due dates of
their assigned modules not yet completed, as all-day entries on the company's calendar
day. It is RFC 5545 text written here (escaped, folded at 75 octets, CRLF), so the app
needs no calendar package; the tests parse it with ``icalendar``, as a client would.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import urlsafe_b64encode
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from lms.extensions import db
from lms.i18n import tenant_locale
from lms.models import CalendarFeed, Membership, MentorLiveEvent, Module, Tenant, User
from lms.models.enums import ModuleStatus
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore
from lms.services import live_events
from lms.services.completion import completed_pairs
from lms.services.deadlines import assignments
from lms.services.links import url_for_mail
from lms.tenancy import current_tenant_id, tenant_context, unscoped

PRODID = "-//Mojster//Calendar//EN"
_LIVE = CalendarFeed.revoked_at.is_(None)


def _token(seed: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"calendar-feed:{seed}".encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _live_feed(user_id: int) -> CalendarFeed | None:
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user_id, _LIVE))


def feed_url(user_id: int) -> str | None:
    """The full address of the user's live feed in the current tenant; None when there is none.

    For the settings page: a link made under an earlier SECRET_KEY no longer works and is
    reported as none, so the page offers a new one instead of a dead address.
    """
    feed = _live_feed(user_id)
    if feed is None:
        return None
    token = _token(feed.seed)
    if not hmac.compare_digest(_digest(token), feed.token_hash):
        return None
    return url_for_mail("calendar.feed", token=token)


def regenerate(user_id: int) -> str:
    """Revoke the user's live feed in the current tenant (if any) and make a new one; its address.

    The partial unique index keeps one live feed per user: of two clicks at once, the second
    inserts nothing (ON CONFLICT) and gets the first one's address. The caller commits.
    """
    revoke(user_id)
    seed = secrets.token_hex(16)
    now = utcnow()
    insert_or_ignore(
        CalendarFeed,
        {
            "tenant_id": current_tenant_id(),
            "user_id": user_id,
            "seed": seed,
            "token_hash": _digest(_token(seed)),
            "created_at": now,
            "updated_at": now,
        },
        conflict=["tenant_id", "user_id"],
        where=_LIVE,
    )
    url = feed_url(user_id)
    if url is None:
        raise RuntimeError("a calendar feed was just made and is not there")
    return url


def revoke(user_id: int) -> bool:
    """Turn the user's live feed in the current tenant off; False when there was none. The caller commits."""
    return bool(
        db.session.execute(
            sa.update(CalendarFeed)
            .where(CalendarFeed.user_id == user_id, _LIVE)
            .values(revoked_at=utcnow(), updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
    )


@dataclass(frozen=True)
class Feed:
    tenant_id: int
    user_id: int


def feed_for_token(token: str) -> Feed | None:
    """Whose feed ``token`` opens: a live feed of an active member; None otherwise (a 404). One query."""
    if not 20 <= len(token) <= 64:
        return None
    with unscoped("calendar feed lookup by its token"):
        row = db.session.execute(
            sa.select(CalendarFeed.tenant_id, CalendarFeed.user_id)
            .join(User, User.id == CalendarFeed.user_id)
            .join(
                Membership,
                sa.and_(Membership.user_id == CalendarFeed.user_id, Membership.tenant_id == CalendarFeed.tenant_id),
            )
            .join(Tenant, Tenant.id == CalendarFeed.tenant_id)
            .where(
                CalendarFeed.token_hash == _digest(token),
                _LIVE,
                User.is_active,
                Membership.is_active,
                Tenant.is_active,
            )
        ).first()
    return Feed(row.tenant_id, row.user_id) if row is not None else None


# --- RFC 5545 ---------------------------------------------------------------------------------


def _text(value: str) -> str:
    """A TEXT value (RFC 5545, 3.3.11): backslash, semicolon and comma escaped, line breaks as ``\\n``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    return "".join(c for c in value if c == "\t" or ord(c) >= 32)


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545, 3.1), never inside a UTF-8 character."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


def _day(day: date) -> str:
    return day.strftime("%Y%m%d")


def _calendar(name: str, entries: Iterable[list[str]]) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(name)}",
    ]
    for entry in entries:
        lines.extend(entry)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


def _event_entry(event: MentorLiveEvent, stamp: datetime) -> list[str]:
    description = "\n\n".join(part for part in (event.description, event.meet_url) if part)
    return [
        "BEGIN:VEVENT",
        f"UID:live-event-{event.id}-t{event.tenant_id}@mojster",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(live_events.ends_at(event))}",
        f"SUMMARY:{_text(event.title)}",
        f"DESCRIPTION:{_text(description)}",
        f"LOCATION:{_text(event.meet_url)}",
        f"URL:{event.meet_url}",
        "END:VEVENT",
    ]


def _deadline_entry(tenant_id: int, user_id: int, module_id: int, title: str, day: date, stamp: datetime) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:deadline-{module_id}-u{user_id}-t{tenant_id}@mojster",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART;VALUE=DATE:{_day(day)}",
        f"DTEND;VALUE=DATE:{_day(day + timedelta(days=1))}",
        f"SUMMARY:{_text(_('Due: %(module)s', module=title))}",
        f"URL:{url_for_mail('learner.module_page', module_id=module_id)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def event_file(event: MentorLiveEvent) -> bytes:
    """One event as a calendar file: the "Add to calendar" download."""
    return _calendar(event.title, [_event_entry(event, utcnow())])


def feed_calendar(feed: Feed, now: datetime | None = None) -> bytes:
    """The feed's calendar: the user's events and open due dates in their company, in its language."""
    now = now or utcnow()
    with tenant_context(feed.tenant_id), tenant_locale(feed.tenant_id):
        tenant = db.session.get(Tenant, feed.tenant_id)
        zone = ZoneInfo(tenant.timezone)
        events = [
            *live_events.events_of(feed.user_id, now, past=True),
            *live_events.events_of(feed.user_id, now),
        ]
        entries = [_event_entry(event, now) for event in events]
        due = [a for a in assignments(user_ids=[feed.user_id]) if a.due_at is not None]
        done = completed_pairs(user_ids=[feed.user_id], module_ids={a.module_id for a in due}) if due else set()
        titles = dict(
            db.session.execute(
                sa.select(Module.id, Module.title).where(
                    Module.id.in_({a.module_id for a in due}), Module.status == ModuleStatus.PUBLISHED
                )
            ).all()
        )
        for item in sorted(due, key=lambda a: (a.due_at, a.module_id)):
            if item.module_id in titles and (item.user_id, item.module_id) not in done:
                day = item.due_at.astimezone(zone).date()
                entries.append(
                    _deadline_entry(feed.tenant_id, feed.user_id, item.module_id, titles[item.module_id], day, now)
                )
        return _calendar(f"Mojster · {tenant.name}", entries)
