"""Usage sessions: how long people spend in the learner pages (issue 13, item 5).

A visible learner page pings every minute (``lms/static/js/usage-ping.js``) and names the
session its tab is in. The rule, decided by the database so that two tabs, a repeated
ping or a retry never corrupt a duration:
- a ping continues the named session when it is the caller's and was pinged at most
  ``GAP`` ago: one guarded UPDATE sets ``last_ping_at`` and ``duration_seconds`` (from
  ``started_at`` to the later of the stored and the new ping, computed from the row
  itself, so concurrent pings of one session write the same value, never add up). This
  is the common case, and it is the only statement of a ping;
- a tab's first ping (no session yet), or one whose session has lapsed, joins the
  caller's newest session when that one is still live, so two tabs open at once count
  as one visit; otherwise a new session starts with no duration;
- a ping naming a session that is not the caller's in this company (another user's,
  another tenant's, or none at all) is refused and writes nothing. Only when the UPDATE
  matched nothing does a second query tell this case from a merely lapsed own session,
  so the common case pays nothing for the check.
The tenant hook scopes every statement here, so another tenant's session is never seen.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.errors import LmsError
from lms.extensions import db
from lms.models import UserSession
from lms.models.types import utcnow
from lms.services.deadlines import later, sql_function

GAP = timedelta(minutes=30)

# Whole seconds from one timestamp to another (SQLite keeps a UtcDateTime as naive UTC text).
seconds_between = sql_function(
    "lms_seconds_between",
    sa.Integer(),
    "CAST(round((julianday({1}) - julianday({0})) * 86400) AS INTEGER)",
    "CAST(round(EXTRACT(EPOCH FROM ({1} - {0}))) AS INTEGER)",
)


class SessionNotYours(LmsError):
    """A ping named a usage session that is not the caller's in this company."""


def ping(user_id: int, session_id: int | None, now: datetime | None = None) -> int:
    """Record that ``user_id`` is using the learner pages now; the id of the session it counts in.

    Raises SessionNotYours for a ``session_id`` of someone else (nothing is written then).
    The caller commits.
    """
    now = now or utcnow()
    if session_id is not None:
        if _continue(UserSession.id == session_id, user_id, now) is not None:
            return session_id
        own = sa.select(UserSession.id).where(UserSession.id == session_id, UserSession.user_id == user_id)
        if db.session.scalar(own) is None:
            raise SessionNotYours(session_id)
    newest = (
        sa.select(UserSession.id)
        .where(UserSession.user_id == user_id)
        .order_by(UserSession.started_at.desc(), UserSession.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    joined = _continue(UserSession.id == newest, user_id, now)
    if joined is not None:
        return joined
    session = UserSession(user_id=user_id, started_at=now, last_ping_at=now, duration_seconds=0)
    db.session.add(session)
    db.session.flush()
    return session.id


def _continue(which: sa.ColumnElement[bool], user_id: int, now: datetime) -> int | None:
    """The guarded UPDATE: extend the chosen session of ``user_id`` if it is live; its id, or None."""
    last = later(UserSession.last_ping_at, sa.bindparam("now", now, type_=UserSession.last_ping_at.type))
    statement = (
        sa.update(UserSession)
        .where(which, UserSession.user_id == user_id, UserSession.last_ping_at >= now - GAP)
        .values(last_ping_at=last, duration_seconds=seconds_between(UserSession.started_at, last))
        .returning(UserSession.id)
        .execution_options(synchronize_session=False)
    )
    return db.session.scalar(statement)
