"""Comments under a module: threads, the author's short edit window, resolving (issue 15, item 2).

The rules, in one place for the pages, the jobs and the tests:
- Members who may post (not a VIEWER: DESIGN.md, roles) comment on a published module or
  reply to a comment of the same module; a body is 1 to ``BODY_MAX`` characters once
  trimmed. The page escapes it (Jinja's autoescape): a comment is text, never HTML.
- The author edits or deletes their own comment within ``EDIT_WINDOW`` of posting it. After
  that, others may have read and answered it, so it stays as it was; a moderator resolves
  the thread instead. Deleting a comment deletes its replies (the model: a reply has no
  meaning without what it answers), which the short window keeps rare.
- A thread's first comment is resolved and reopened by whoever looks after the module: its
  mentors (ModuleMentor) and anyone holding MANAGE_ALL_MODULES.
- A reply tells the author of the comment it answers (COMMENT_REPLY), once per reply (the
  notification's dedup key is the reply's id), and never the replier themselves.
- The page shows ``SHOWN_LEVELS`` levels of a thread; a deeper reply is listed flat under its
  third-level ancestor with the name of the person it answers, so a long back-and-forth stays
  readable on a phone. The whole module's comments are read in one query however many there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from lms.errors import LmsError
from lms.extensions import db
from lms.models import Comment, Module, ModuleMentor, Tenant, User
from lms.models.enums import ModuleStatus, NotificationType, Permission
from lms.models.types import utcnow
from lms.permissions import Rights, rights_of
from lms.services import notifications, xp
from lms.services.links import path_for
from lms.tenancy import current_tenant_id

BODY_MAX = 4000
EDIT_WINDOW = timedelta(minutes=15)
SHOWN_LEVELS = 3


class CommentError(LmsError):
    """A comment that cannot be posted or changed as asked (a 400 unless a subclass says otherwise)."""


class CommentNotFound(CommentError):
    """No such comment, or module, in this tenant (the pages answer 404)."""


class CommentRefused(CommentError):
    """The rules do not let this user do it: a VIEWER posting, someone else's comment, a late edit."""


@dataclass
class ShownComment:
    """A comment as the page shows it: its replies nested, or listed flat at the deepest level shown.

    ``answers`` names the comment a flattened reply answers (its parent is not the one it is listed under).
    """

    comment: Comment
    level: int
    replies: list[ShownComment] = field(default_factory=list)
    answers: Comment | None = None


def _body(body: str | None) -> str:
    text = (body or "").strip()
    if not text:
        raise CommentError(_l("Write a comment first."))
    if len(text) > BODY_MAX:
        raise CommentError(_l("A comment is at most %(max)d characters long.", max=BODY_MAX))
    return text


def _require_poster(user_id: int) -> None:
    """VIEWER reads but does not post (DESIGN.md: roles); ``xp.may_earn`` is that rule."""
    if not xp.may_earn(user_id):
        raise CommentRefused(_l("Your account can read comments but not post them."))


def published_module(module_id: int) -> Module:
    """A published module of the current tenant; drafts, archived and other tenants' are CommentNotFound."""
    module = db.session.scalar(sa.select(Module).where(Module.id == module_id, Module.status == ModuleStatus.PUBLISHED))
    if module is None:
        raise CommentNotFound(_l("This module does not exist."))
    return module


def get(comment_id: int) -> Comment:
    """A comment of the current tenant on a published module; anything else is CommentNotFound (a 404)."""
    comment = db.session.scalar(
        sa.select(Comment)
        .join(Module, Module.id == Comment.module_id)
        .where(Comment.id == comment_id, Module.status == ModuleStatus.PUBLISHED)
    )
    if comment is None:
        raise CommentNotFound(_l("This comment does not exist."))
    return comment


def thread_of(module_id: int) -> list[ShownComment]:
    """The module's threads, oldest first, each nested ``SHOWN_LEVELS`` deep; one query with the authors."""
    rows = db.session.scalars(
        sa.select(Comment)
        .outerjoin(User, User.id == Comment.user_id)
        .options(contains_eager(Comment.user))
        .where(Comment.module_id == module_id)
        .order_by(Comment.id)
    ).all()
    shown: dict[int, ShownComment] = {}
    holder: dict[int, list[ShownComment]] = {}  # the list a comment is shown in
    threads: list[ShownComment] = []
    # Ids grow with time and a reply is posted after what it answers, so a parent comes first.
    for comment in rows:
        parent = shown.get(comment.parent_id) if comment.parent_id is not None else None
        if parent is None:
            node, siblings = ShownComment(comment, 1), threads
        elif parent.level < SHOWN_LEVELS:
            node, siblings = ShownComment(comment, parent.level + 1), parent.replies
        else:
            node, siblings = ShownComment(comment, SHOWN_LEVELS, answers=parent.comment), holder[parent.comment.id]
        siblings.append(node)
        shown[comment.id], holder[comment.id] = node, siblings
    return threads


def may_moderate(user: User, module_id: int, rights: Rights | None = None) -> bool:
    """Resolving is for the module's mentors and anyone holding MANAGE_ALL_MODULES.

    ``rights`` are the user's in the current tenant when the caller has them (a request's
    ``current_rights()``), saving their query; the mentor check is one query.
    """
    if rights is None:
        rights = rights_of(user, db.session.get(Tenant, current_tenant_id()))
    if Permission.MANAGE_ALL_MODULES in rights.permissions:
        return True
    return bool(
        db.session.scalar(
            sa.select(
                sa.select(ModuleMentor.user_id)
                .where(ModuleMentor.module_id == module_id, ModuleMentor.user_id == user.id)
                .exists()
            )
        )
    )


def post(user_id: int, module_id: int, body: str, parent_id: int | None = None) -> Comment:
    """A comment on a published module, or a reply to one of its comments; the caller commits.

    A parent of another module or tenant is refused with nothing written.
    """
    _require_poster(user_id)
    text = _body(body)
    module = published_module(module_id)
    parent = None
    if parent_id is not None:
        parent = db.session.scalar(sa.select(Comment).where(Comment.id == parent_id, Comment.module_id == module.id))
        if parent is None:
            raise CommentError(_l("You can only reply to a comment on this module."))
    comment = Comment(module_id=module.id, user_id=user_id, parent_id=parent_id, body=text)
    db.session.add(comment)
    db.session.flush()
    if parent is not None and parent.user_id is not None and parent.user_id != user_id:
        author = db.session.get(User, user_id)
        notifications.notify(
            parent.user_id,
            NotificationType.COMMENT_REPLY,
            _l("%(name)s replied to your comment", name=author.name or author.email),
            _l("On the module %(title)s.", title=module.title),
            link=f"{path_for('learner.module_page', module_id=module.id)}#comment-{comment.id}",
            dedup_key=f"comment-reply:{comment.id}",
        )
    return comment


def editable(comment: Comment, user_id: int, now: datetime | None = None) -> bool:
    """The author, within ``EDIT_WINDOW`` of posting: the page shows edit and delete only then."""
    return comment.user_id == user_id and (now or utcnow()) - comment.created_at <= EDIT_WINDOW


def _own_fresh(comment_id: int, user_id: int) -> Comment:
    comment = get(comment_id)
    if comment.user_id != user_id:
        raise CommentRefused(_l("Only its author can change a comment."))
    if not editable(comment, user_id):
        raise CommentRefused(
            _l("A comment can be changed only in the first %(minutes)d minutes.", minutes=EDIT_WINDOW.seconds // 60)
        )
    return comment


def edit(user_id: int, comment_id: int, body: str) -> Comment:
    """The author's correction within the edit window; the caller commits."""
    _require_poster(user_id)
    text = _body(body)
    comment = _own_fresh(comment_id, user_id)
    comment.body = text
    db.session.flush()
    return comment


def delete(user_id: int, comment_id: int) -> int:
    """The author takes a comment back within the edit window, with its replies; the module's id.

    The replies go by the database's ON DELETE CASCADE of ``parent_id``.
    """
    _require_poster(user_id)
    comment = _own_fresh(comment_id, user_id)
    module_id = comment.module_id
    db.session.execute(sa.delete(Comment).where(Comment.id == comment.id).execution_options(synchronize_session=False))
    db.session.expunge(comment)
    return module_id


def set_resolved(actor: User, comment_id: int, resolved: bool) -> Comment:
    """Resolve or reopen a thread (its first comment) as a moderator of its module; the caller commits."""
    comment = get(comment_id)
    if not may_moderate(actor, comment.module_id):
        raise CommentRefused(_l("Only the module's mentors and managers resolve comments."))
    if comment.parent_id is not None:
        raise CommentError(_l("Resolve the thread at its first comment."))
    comment.is_resolved = resolved
    comment.resolved_by_id = actor.id if resolved else None
    db.session.flush()
    return comment
