"""The community part of ``seed-demo`` (issue 15): chat, comments, the mentor radar, live events
and e-mail settings, read from ``data/<slug>_community.json``.

The texts are content, like the courses in ``data/<slug>.json``, so each company's file is
written in its own language (Globex in Slovenian); the lines the app itself writes (a JOIN,
an "answer confirmed", notices) come from the services in the company's language.

Everything goes through the services as members' clicks would: ``chat`` pays the confirmed
answers' MENTOR_CONFIRMATION XP, ``comments`` sends the reply notices, ``radar`` audits and
notifies its decisions, ``live_events`` checks the events, ``email_preferences`` makes the rows.
What the services stamp "now" is then moved back in time, as ``seed_xp_histories`` moves the
ledger, so the pages read like a past week and not one instant:

- chat messages and their confirmation XP spread over the last hours, comments over the last
  days (past the author's 15-minute edit window, as old comments are), radar posts to the day
  they were approved, and the reader's last radar visit between two approvals, so one link is
  "new since your last visit";
- live events are scheduled as if planned two weeks before they start (``schedule``'s ``now``).
  The service refuses a start that is already past, so the past event is accepted only
  because it was planned in time; each event's ``created_at`` is that planning moment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from lms.demo.companies import DATA, _build
from lms.extensions import db
from lms.models import ChatMessage, Comment, MentorLiveEvent, MentorRadarPost, XpTransaction
from lms.models.enums import EmailFrequency, RadarPostStatus, XpSourceType
from lms.services import chat, comments, email_preferences, live_events, radar, xp_rebuild

if TYPE_CHECKING:
    from lms.demo.seed import _TenantBuilder

# The module room's conversation ended this morning, the company room's just now; lines are this far apart.
CHAT_GAP = timedelta(minutes=9)
MODULE_ROOM_ENDS = timedelta(hours=4)
COMMENTS_START = timedelta(days=4)
COMMENT_GAP = timedelta(hours=5)
PLANNED_AHEAD = timedelta(days=14)


@dataclass(frozen=True)
class DemoChatLine:
    author: str  # user key
    body: str
    answer: bool = False  # the room's confirmer marks it as the confirmed answer


@dataclass(frozen=True)
class DemoRoom:
    confirmed_by: str  # user key: the module's mentor, or someone holding MANAGE_ALL_MODULES
    messages: tuple[DemoChatLine, ...]


@dataclass(frozen=True)
class DemoComment:
    author: str
    body: str
    resolved: bool = False  # a thread's first comment only; the module's mentor resolves it
    replies: tuple[DemoComment, ...] = ()


@dataclass(frozen=True)
class DemoRadarPost:
    author: str  # a mentor: who may post on the radar
    url: str
    title: str
    description: str
    status: RadarPostStatus
    approved_days_ago: int | None = None  # APPROVED and ARCHIVED posts
    pinned: bool = False
    reason: str | None = None  # REJECTED posts


@dataclass(frozen=True)
class DemoRadarReader:
    user: str
    last_visit_days_ago: int
    saves: tuple[str, ...]  # titles of approved posts


@dataclass(frozen=True)
class DemoEvent:
    title: str
    description: str
    host: str
    days_from_now: int  # negative: an event that took place
    hour: int  # on the company's clock
    duration_minutes: int
    meet_url: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class DemoEmail:
    user: str
    frequency: EmailFrequency
    off: tuple[str, ...]  # EmailPreference toggles (email_preferences.FAMILIES) switched off


@dataclass(frozen=True)
class DemoCommunity:
    module: str  # title of a published module with the "mentor" user as its mentor
    module_chat: DemoRoom
    company_chat: DemoRoom
    comments: tuple[DemoComment, ...]  # on ``module``
    radar: tuple[DemoRadarPost, ...]
    radar_reader: DemoRadarReader
    events: tuple[DemoEvent, ...]
    email: tuple[DemoEmail, ...]


def community_of(slug: str) -> DemoCommunity:
    return _build(DemoCommunity, json.loads((DATA / f"{slug}_community.json").read_text(encoding="utf-8")))


def seed_community(builder: _TenantBuilder) -> None:
    """The company's community as a past week left it; runs after ``seed_xp_histories``."""
    demo = community_of(builder.tenant.slug)
    module = builder.modules[demo.module]
    _chat(builder, chat.room(module.id), demo.module_chat, builder.now - MODULE_ROOM_ENDS)
    _chat(builder, chat.room(None), demo.company_chat, builder.now)
    _comments(builder, module.id, demo.comments)
    _radar(builder, demo.radar, demo.radar_reader)
    _events(builder, demo.events)
    _email(builder, demo.email)
    db.session.flush()
    # The confirmations' XP moved back with their messages: the monthly totals follow.
    xp_rebuild.rebuild(builder.tenant.id)


def _chat(builder: _TenantBuilder, room: chat.Room, demo: DemoRoom, ends: datetime) -> None:
    """Each author's first visit (JOIN), their messages, and the confirmation right after an answer."""
    confirmer = builder.users[demo.confirmed_by]
    for line in demo.messages:
        user = builder.users[line.author]
        chat.join(user, room)
        message = chat.post(user.id, room, line.body)
        if line.answer:
            chat.confirm(message.id, confirmer)
    rows = db.session.scalars(sa.select(ChatMessage).where(room.where()).order_by(ChatMessage.id)).all()
    for index, row in enumerate(rows):
        _at(row, ends - CHAT_GAP * (len(rows) - 1 - index))
    confirmed = {str(row.reply_to_id): row.created_at for row in rows if row.reply_to_id is not None}
    for transaction in db.session.scalars(
        sa.select(XpTransaction).where(
            XpTransaction.source == XpSourceType.MENTOR_CONFIRMATION, XpTransaction.source_entity_id.in_(confirmed)
        )
    ):
        transaction.created_at = confirmed[transaction.source_entity_id]


def _comments(builder: _TenantBuilder, module_id: int, threads: tuple[DemoComment, ...]) -> None:
    moment = builder.now - COMMENTS_START
    mentor = builder.users["mentor"]

    def post(demo: DemoComment, parent_id: int | None) -> None:
        nonlocal moment
        comment = comments.post(builder.users[demo.author].id, module_id, demo.body, parent_id)
        _at(comment, moment)
        moment += COMMENT_GAP
        for reply in demo.replies:
            post(reply, comment.id)
        if demo.resolved:
            comments.set_resolved(mentor, comment.id, True)

    for thread in threads:
        post(thread, None)


def _radar(builder: _TenantBuilder, posts: tuple[DemoRadarPost, ...], reader: DemoRadarReader) -> None:
    """Posts in every status, decided by HR; the reader's saves and their visit between two approvals."""
    hr = builder.users["hr"]
    made: dict[str, MentorRadarPost] = {}
    for demo in posts:
        post = radar.submit(builder.users[demo.author], builder.tenant, demo.url, demo.title, demo.description)
        if demo.status is RadarPostStatus.REJECTED:
            radar.reject(post, hr, demo.reason or "")
        elif demo.status is not RadarPostStatus.PENDING:
            radar.approve(post, hr)
            if demo.pinned:
                radar.pin(post, hr)
            if demo.status is RadarPostStatus.ARCHIVED:
                radar.archive(post, hr)
        days = demo.approved_days_ago if demo.approved_days_ago is not None else 0
        _at(post, builder.now - timedelta(days=days + 1))
        if post.approved_at is not None:
            post.approved_at = builder.now - timedelta(days=days)
        made[demo.title] = post
    db.session.flush()
    user = builder.users[reader.user]
    for title in reader.saves:
        radar.save(user.id, made[title].id, True)
    radar.visit(user.id, now=builder.now - timedelta(days=reader.last_visit_days_ago))


def _events(builder: _TenantBuilder, events: tuple[DemoEvent, ...]) -> None:
    zone = builder.tenant.timezone
    for demo in events:
        day = live_events.local_start_of(builder.now + timedelta(days=demo.days_from_now), zone)
        starts_local = day.replace(hour=demo.hour, minute=0, second=0, microsecond=0)
        planned = live_events.to_utc(starts_local, zone) - PLANNED_AHEAD
        plan = live_events.EventPlan(
            title=demo.title,
            description=demo.description,
            starts_local=starts_local,
            duration_minutes=demo.duration_minutes,
            meet_url=demo.meet_url,
            group_ids=frozenset(builder.groups[name].id for name in demo.groups),
        )
        event = MentorLiveEvent()
        live_events.schedule(event, plan, builder.tenant, builder.users[demo.host].id, planned)
        _at(event, planned)


def _email(builder: _TenantBuilder, choices: tuple[DemoEmail, ...]) -> None:
    """Every member's row with the defaults (as joining makes it), then some members' own choices."""
    for user in builder.users.values():
        email_preferences.ensure(user.id)
    for choice in choices:
        user = builder.users[choice.user]
        toggles = {family: family not in choice.off for family in email_preferences.FAMILIES}
        email_preferences.save(user.id, choice.frequency, toggles)


def _at(row: ChatMessage | Comment | MentorRadarPost | MentorLiveEvent, moment: datetime) -> None:
    row.created_at = moment
    row.updated_at = moment
