"""The mentor radar: links mentors share, curators approve, learners read and save (issue 15, item 3).

Who does what (DESIGN.md: roles). A mentor posts: whoever manages modules, their own
(MANAGE_OWN_MODULES, which mentoring a module grants) or all of them; a VIEWER never posts.
A post waits as PENDING until someone who manages all modules (MANAGE_ALL_MODULES: HR and
above) approves or rejects it — the radar is curated knowledge beside the modules, so the
people who decide what the company teaches decide what it recommends. Approving or rejecting
tells the author (RADAR_APPROVED / RADAR_REJECTED, the reason with a rejection) and is
audited (RADAR_POST_APPROVED / RADAR_POST_REJECTED); pinning and archiving are audited as
record updates. Each decision is one guarded UPDATE on the post's status, so two curators
deciding at once cannot both notify: the second is told the post was already decided on.

Links are only ever stored and shown, never fetched (no outbound requests, no previews):
fetching an address a member typed would let them make the server call anything it can
reach. ``clean_url`` accepts http and https addresses with a host and nothing a browser
could run (``javascript:``, ``data:``), and the page renders them with
``rel="noopener nofollow"``.

The feed shows APPROVED posts, pinned first, then newest approval first. What is "new" is
what was approved after the reader's previous visit (RadarSeen, one row per user and
tenant, moved by one INSERT … ON CONFLICT UPDATE, so two tabs opening the radar at once
cannot collide). Saving is a RadarSave row per user and post, inserted or deleted by one
statement, so a double click saves once.

Every function changes rows and flushes; the caller commits (or rolls back on an error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.models import MentorRadarPost, RadarSave, RadarSeen, Tenant, User
from lms.models.enums import AuditAction, NotificationType, Permission, RadarPostStatus
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore, insert_or_update
from lms.permissions import Rights, can_submit, rights_of
from lms.services import xp
from lms.services.audit import audit
from lms.services.links import path_for
from lms.services.notifications import notify
from lms.tenancy import current_tenant_id

POSTERS = frozenset({Permission.MANAGE_OWN_MODULES, Permission.MANAGE_ALL_MODULES})
CURATOR = Permission.MANAGE_ALL_MODULES
SCHEMES = ("http", "https")
MAX_URL = 2048
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
# What a curator may move a post out of, per new status.
MOVABLE = {
    RadarPostStatus.APPROVED: (RadarPostStatus.PENDING,),
    RadarPostStatus.REJECTED: (RadarPostStatus.PENDING,),
    RadarPostStatus.ARCHIVED: (RadarPostStatus.APPROVED,),
}


class RadarError(LmsError):
    """A request the radar rules refuse; the message says why, and nothing was written."""


class RadarPostNotFound(RadarError):
    """No such post for this reader in this tenant (the views answer 404)."""


class PostNotAllowed(RadarError):
    """The user's role does not let them post or save (the views answer 403)."""


class InvalidLink(RadarError):
    """The address is not an http or https link."""


class ReasonRequired(RadarError):
    pass


class AlreadyDecided(RadarError):
    """Another decision changed the post first; it is left as that decision made it."""


@dataclass(frozen=True)
class Feed:
    """What /radar shows one reader: the approved posts, which are new to them and which they saved."""

    posts: list[MentorRadarPost]
    new_ids: set[int]
    saved_ids: set[int]


def may_post(rights: Rights) -> bool:
    """Mentors and module managers post; a VIEWER does not, whatever it was granted."""
    return can_submit(rights.role) and bool(rights.permissions & POSTERS)


def clean_url(raw: str) -> str:
    """The address as stored: trimmed, http or https, with a host; InvalidLink otherwise."""
    url = (raw or "").strip()
    if not url:
        raise InvalidLink(_l("Give the address of the link."))
    if len(url) > MAX_URL:
        raise InvalidLink(_l("The address is longer than %(num)d characters.", num=MAX_URL))
    if any(character.isspace() or ord(character) < 32 or ord(character) == 127 for character in url):
        raise InvalidLink(_l("An address cannot contain spaces or control characters."))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise InvalidLink(_l("This is not a valid web address.")) from None
    if parts.scheme.lower() not in SCHEMES:
        raise InvalidLink(_l("Only web addresses starting with http:// or https:// can be shared."))
    if not parts.hostname:
        raise InvalidLink(_l("The address has no site name (e.g. https://example.com/page)."))
    if parts.username is not None or parts.password is not None:
        raise InvalidLink(_l("An address cannot contain a user name or password."))
    return url


def submit(author: User, tenant: Tenant, url: str, title: str, description: str = "") -> MentorRadarPost:
    """A new PENDING post by a mentor; it is shown once a curator approves it."""
    if not may_post(rights_of(author, tenant)):
        raise PostNotAllowed(_l("Only mentors and module managers can share links on the radar."))
    url = clean_url(url)
    title = (title or "").strip()
    if not title:
        raise RadarError(_l("Give the link a title."))
    if len(title) > MAX_TITLE:
        raise RadarError(_l("The title is longer than %(num)d characters.", num=MAX_TITLE))
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise RadarError(_l("The description is longer than %(num)d characters.", num=MAX_DESCRIPTION))
    post = MentorRadarPost(author_id=author.id, url=url, title=title, description=description)
    db.session.add(post)
    db.session.flush()
    return post


def get_approved(post_id: int) -> MentorRadarPost:
    """An APPROVED post of the current tenant; any other (or another tenant's) is RadarPostNotFound."""
    post = db.session.scalar(
        sa.select(MentorRadarPost).where(
            MentorRadarPost.id == post_id, MentorRadarPost.status == RadarPostStatus.APPROVED
        )
    )
    if post is None:
        raise RadarPostNotFound(_l("This link is not on the radar."))
    return post


def _approved() -> sa.Select[tuple[MentorRadarPost]]:
    return (
        sa.select(MentorRadarPost)
        .where(MentorRadarPost.status == RadarPostStatus.APPROVED)
        .options(sa.orm.selectinload(MentorRadarPost.author).load_only(User.name))
        .order_by(MentorRadarPost.pinned.desc(), MentorRadarPost.approved_at.desc(), MentorRadarPost.id.desc())
    )


def saved_ids(user_id: int, post_ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(RadarSave.post_id).where(RadarSave.user_id == user_id, RadarSave.post_id.in_(post_ids))
        )
    )


def visit(user_id: int, now: datetime | None = None) -> Feed:
    """The radar as the reader sees it now, and the visit recorded: what was approved after
    their previous visit is new (all of it on a first visit)."""
    now = now or utcnow()
    previous = db.session.scalar(sa.select(RadarSeen.last_seen_at).where(RadarSeen.user_id == user_id))
    posts = list(db.session.scalars(_approved()))
    new_ids = {post.id for post in posts if previous is None or post.approved_at > previous}
    insert_or_update(
        RadarSeen,
        {
            "tenant_id": current_tenant_id(),
            "user_id": user_id,
            "last_seen_at": now,
            "created_at": now,
            "updated_at": now,
        },
        conflict=["tenant_id", "user_id"],
        update=["last_seen_at", "updated_at"],
    )
    return Feed(posts, new_ids, saved_ids(user_id, [post.id for post in posts]))


def saved_by(user_id: int) -> list[MentorRadarPost]:
    """The reader's saved posts still on the radar, most recently saved first."""
    return list(
        db.session.scalars(
            sa.select(MentorRadarPost)
            .join(RadarSave, RadarSave.post_id == MentorRadarPost.id)
            .where(RadarSave.user_id == user_id, MentorRadarPost.status == RadarPostStatus.APPROVED)
            .options(sa.orm.selectinload(MentorRadarPost.author).load_only(User.name))
            .order_by(RadarSave.created_at.desc(), RadarSave.id.desc())
        )
    )


def posted_by(author_id: int) -> list[MentorRadarPost]:
    """The author's posts not on the radar (waiting or rejected, with the reason), newest first."""
    return list(
        db.session.scalars(
            sa.select(MentorRadarPost)
            .where(
                MentorRadarPost.author_id == author_id,
                MentorRadarPost.status.in_((RadarPostStatus.PENDING, RadarPostStatus.REJECTED)),
            )
            .order_by(MentorRadarPost.created_at.desc(), MentorRadarPost.id.desc())
        )
    )


def save(user_id: int, post_id: int, saved: bool) -> bool:
    """Set whether the user saved the post; True when this call changed it (a repeated click changes nothing).

    Saving is writing, which a VIEWER does not do (DESIGN.md: roles); ``xp.may_earn`` is that rule.
    """
    if not xp.may_earn(user_id):
        raise PostNotAllowed(_l("Your account can read the radar but not save links."))
    post = get_approved(post_id)
    if saved:
        now = utcnow()
        return insert_or_ignore(
            RadarSave,
            {
                "tenant_id": current_tenant_id(),
                "user_id": user_id,
                "post_id": post.id,
                "created_at": now,
                "updated_at": now,
            },
            conflict=["tenant_id", "user_id", "post_id"],
        )
    deleted = db.session.execute(
        sa.delete(RadarSave)
        .where(RadarSave.post_id == post.id, RadarSave.user_id == user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    return deleted == 1


def _move(post: MentorRadarPost, status: RadarPostStatus, **values: object) -> None:
    """The guarded status change; AlreadyDecided when the post is no longer where it must be."""
    moved = db.session.execute(
        sa.update(MentorRadarPost)
        .where(MentorRadarPost.id == post.id, MentorRadarPost.status.in_(MOVABLE[status]))
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(post)
    if moved != 1:
        raise AlreadyDecided(_l("This post has already been decided on and is unchanged."))


def approve(post: MentorRadarPost, actor: User) -> None:
    _move(post, RadarPostStatus.APPROVED, approved_at=utcnow(), approved_by_id=actor.id, rejection_reason=None)
    audit(AuditAction.RADAR_POST_APPROVED, post, actor_id=actor.id, title=post.title, url=post.url)
    if post.author_id is not None:
        notify(
            post.author_id,
            NotificationType.RADAR_APPROVED,
            _l("Your link is on the radar: %(title)s", title=post.title),
            link=path_for("learner.radar_page"),
        )


def reject(post: MentorRadarPost, actor: User, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_l("Give a reason for rejecting."))
    _move(post, RadarPostStatus.REJECTED, rejection_reason=reason)
    audit(AuditAction.RADAR_POST_REJECTED, post, actor_id=actor.id, title=post.title, reason=reason)
    if post.author_id is not None:
        notify(
            post.author_id,
            NotificationType.RADAR_REJECTED,
            _l("Your link was not approved: %(title)s", title=post.title),
            _l("Reason: %(reason)s", reason=reason),
            link=path_for("learner.radar_page"),
        )


def archive(post: MentorRadarPost, actor: User) -> None:
    """An approved post leaves the radar (and its pin); saved copies disappear from "my saved"."""
    _move(post, RadarPostStatus.ARCHIVED, pinned=False)
    audit(
        AuditAction.RECORD_UPDATED,
        post,
        actor_id=actor.id,
        changes={"status": RadarPostStatus.ARCHIVED},
        previous={"status": RadarPostStatus.APPROVED},
    )


def set_pinned(post: MentorRadarPost, actor: User, pinned: bool) -> None:
    """Pin an approved post to the top of the radar, or unpin it; only approved posts are pinned."""
    changed = db.session.execute(
        sa.update(MentorRadarPost)
        .where(
            MentorRadarPost.id == post.id,
            MentorRadarPost.status == RadarPostStatus.APPROVED,
            MentorRadarPost.pinned != pinned,
        )
        .values(pinned=pinned)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(post)
    if changed != 1:
        raise AlreadyDecided(_l("Only a post on the radar can be pinned, and this one is already as you asked."))
    audit(
        AuditAction.RECORD_UPDATED, post, actor_id=actor.id, changes={"pinned": pinned}, previous={"pinned": not pinned}
    )


def pin(post: MentorRadarPost, actor: User) -> None:
    set_pinned(post, actor, True)


def unpin(post: MentorRadarPost, actor: User) -> None:
    set_pinned(post, actor, False)
