"""Knowledge suggestions: submitting, voting, threaded comments and the managers' review (DESIGN.md: suggestions).

Votes are money-like (STYLE.md: data): the unique (user, suggestion) pair decides whether
a vote exists, and ``vote_count`` moves only by a guarded ``vote_count ± 1`` in the same
transaction as the row that was really inserted or deleted, so a double click or fifty
voters at once leave it equal to the votes. Reaching the tenant's popular threshold tells
the suggestion managers once (``popular_notified_at`` claimed by a guarded update, plus a
dedup key per recipient). Approving and converting pay the author TOP_SUGGESTION XP under
one source entity, so the XP is paid once whichever comes first.

Every function changes rows and flushes; the caller commits (or rolls back on an error).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import LABELS
from lms.models import KnowledgeSuggestion, KnowledgeSuggestionComment, KnowledgeSuggestionVote, Module, Tenant, User
from lms.models.enums import AuditAction, NotificationType, Permission, SuggestionStatus, XpSourceType
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore
from lms.permissions import holders_of
from lms.services import content, xp
from lms.services.audit import audit
from lms.services.links import path_for
from lms.services.notifications import Text, notify
from lms.tenancy import current_tenant_id

DEFAULT_POPULAR_THRESHOLD = 10
SORTS = ("votes", "newest")
# What a manager may move a suggestion out of, per decision.
REVIEWABLE = {
    SuggestionStatus.APPROVED: (SuggestionStatus.OPEN,),
    SuggestionStatus.REJECTED: (SuggestionStatus.OPEN, SuggestionStatus.APPROVED),
    SuggestionStatus.CONVERTED: (SuggestionStatus.OPEN, SuggestionStatus.APPROVED),
}


class SuggestionError(LmsError):
    """A request the suggestion rules refuse; the message says why, and nothing was written."""


class SuggestionNotFound(SuggestionError):
    """No such suggestion (or comment) in this tenant (the views answer 404)."""


class PostNotAllowed(SuggestionError):
    pass


class InvalidParent(SuggestionError):
    pass


class ReasonRequired(SuggestionError):
    pass


class AlreadyReviewed(SuggestionError):
    pass


def _tenant() -> Tenant:
    return db.session.get(Tenant, current_tenant_id())


def popular_threshold() -> int:
    """Tenant.settings["suggestion_popular_threshold"], default 10 (issue 7, item 8)."""
    value = (_tenant().settings or {}).get("suggestion_popular_threshold", DEFAULT_POPULAR_THRESHOLD)
    return max(int(value), 1)


def _require_member(user_id: int) -> None:
    """VIEWER reads but cannot submit, vote or post (DESIGN.md: roles); may_earn is that rule."""
    if not xp.may_earn(user_id):
        raise PostNotAllowed(_l("Your account can read suggestions but not submit, vote or comment."))


def get(suggestion_id: int) -> KnowledgeSuggestion:
    """A suggestion of the current tenant; another tenant's is SuggestionNotFound (a 404)."""
    suggestion = db.session.scalar(sa.select(KnowledgeSuggestion).where(KnowledgeSuggestion.id == suggestion_id))
    if suggestion is None:
        raise SuggestionNotFound(_l("This suggestion does not exist."))
    return suggestion


def listing(sort: str = "votes", status: SuggestionStatus | None = None) -> list[KnowledgeSuggestion]:
    """The tenant's suggestions, most voted or newest first, with their authors (two queries)."""
    query = sa.select(KnowledgeSuggestion).options(sa.orm.selectinload(KnowledgeSuggestion.author))
    if status is not None:
        query = query.where(KnowledgeSuggestion.status == status)
    if sort == "newest":
        order = (KnowledgeSuggestion.created_at.desc(), KnowledgeSuggestion.id.desc())
    else:
        order = (KnowledgeSuggestion.vote_count.desc(), KnowledgeSuggestion.created_at.desc())
    return list(db.session.scalars(query.order_by(*order)))


def voted_ids(user_id: int, suggestion_ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(KnowledgeSuggestionVote.suggestion_id).where(
                KnowledgeSuggestionVote.user_id == user_id, KnowledgeSuggestionVote.suggestion_id.in_(suggestion_ids)
            )
        )
    )


def comments_of(suggestion_id: int) -> list[KnowledgeSuggestionComment]:
    """Every comment of the suggestion, oldest first, with its author; the page nests them by ``parent_id``."""
    return list(
        db.session.scalars(
            sa.select(KnowledgeSuggestionComment)
            .where(KnowledgeSuggestionComment.suggestion_id == suggestion_id)
            .options(sa.orm.selectinload(KnowledgeSuggestionComment.user))
            .order_by(KnowledgeSuggestionComment.created_at, KnowledgeSuggestionComment.id)
        )
    )


def submit(author_id: int, title: str, description: str) -> KnowledgeSuggestion:
    _require_member(author_id)
    title = (title or "").strip()
    if not title:
        raise SuggestionError(_l("Give the suggestion a title."))
    suggestion = KnowledgeSuggestion(author_id=author_id, title=title, description=(description or "").strip())
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


def vote(user_id: int, suggestion_id: int, voted: bool) -> bool:
    """Set the user's vote to ``voted``; True when this call changed it (a repeated click changes nothing).

    The insert (ON CONFLICT DO NOTHING) or delete decides; only the call that changed a row
    moves ``vote_count``, with one guarded UPDATE in the same transaction.
    """
    _require_member(user_id)
    suggestion = get(suggestion_id)
    if voted:
        now = utcnow()
        changed = insert_or_ignore(
            KnowledgeSuggestionVote,
            {
                "tenant_id": current_tenant_id(),
                "suggestion_id": suggestion.id,
                "user_id": user_id,
                "created_at": now,
                "updated_at": now,
            },
            conflict=["user_id", "suggestion_id"],
        )
        step = 1
    else:
        changed = (
            db.session.execute(
                sa.delete(KnowledgeSuggestionVote)
                .where(
                    KnowledgeSuggestionVote.suggestion_id == suggestion.id, KnowledgeSuggestionVote.user_id == user_id
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
        step = -1
    if not changed:
        return False
    count = db.session.execute(
        sa.update(KnowledgeSuggestion)
        .where(KnowledgeSuggestion.id == suggestion.id, KnowledgeSuggestion.vote_count + step >= 0)
        .values(vote_count=KnowledgeSuggestion.vote_count + step)
        .returning(KnowledgeSuggestion.vote_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.expire(suggestion, ["vote_count", "popular_notified_at"])
    if count >= popular_threshold():
        _notify_popular(suggestion)
    return True


def _notify_popular(suggestion: KnowledgeSuggestion) -> None:
    """Tell every suggestion manager once: the first call to claim ``popular_notified_at`` sends."""
    claimed = db.session.execute(
        sa.update(KnowledgeSuggestion)
        .where(KnowledgeSuggestion.id == suggestion.id, KnowledgeSuggestion.popular_notified_at.is_(None))
        .values(popular_notified_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(suggestion, ["popular_notified_at"])
    if claimed != 1:
        return
    title = _l("A suggestion is popular: %(title)s", title=suggestion.title)
    message = _l("It has reached %(num)d votes.", num=popular_threshold())
    link = path_for("learner.suggestion_page", suggestion_id=suggestion.id)
    for manager_id in db.session.scalars(holders_of(Permission.MANAGE_SUGGESTIONS)).all():
        notify(
            manager_id,
            NotificationType.SUGGESTION_POPULAR,
            title,
            message,
            link=link,
            dedup_key=f"suggestion-popular:{suggestion.id}:{manager_id}",
        )


def comment(user_id: int, suggestion_id: int, body: str, parent_id: int | None = None) -> KnowledgeSuggestionComment:
    """Post a comment, or a reply to ``parent_id``, which must be a comment of the same suggestion."""
    _require_member(user_id)
    suggestion = get(suggestion_id)
    body = (body or "").strip()
    if not body:
        raise SuggestionError(_l("Write a comment first."))
    if parent_id is not None:
        parent = db.session.scalar(
            sa.select(KnowledgeSuggestionComment.id).where(
                KnowledgeSuggestionComment.id == parent_id, KnowledgeSuggestionComment.suggestion_id == suggestion.id
            )
        )
        if parent is None:
            raise InvalidParent(_l("You can only reply to a comment on this suggestion."))
    posted = KnowledgeSuggestionComment(suggestion_id=suggestion.id, user_id=user_id, parent_id=parent_id, body=body)
    db.session.add(posted)
    db.session.flush()
    return posted


def _review(suggestion: KnowledgeSuggestion, status: SuggestionStatus, actor: User, **values: object) -> None:
    """The guarded status transition; AlreadyReviewed when another decision got there first."""
    moved = db.session.execute(
        sa.update(KnowledgeSuggestion)
        .where(KnowledgeSuggestion.id == suggestion.id, KnowledgeSuggestion.status.in_(REVIEWABLE[status]))
        .values(status=status, reviewed_by_id=actor.id, reviewed_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(suggestion)
    if moved != 1:
        raise AlreadyReviewed(_l("This suggestion has already been decided on and is unchanged."))


def _tell_author(suggestion: KnowledgeSuggestion, message: Text = "") -> None:
    if suggestion.author_id is None:
        return
    notify(
        suggestion.author_id,
        NotificationType.SUGGESTION_STATUS_CHANGED,
        _l("Your suggestion %(title)s: %(status)s", title=suggestion.title, status=LABELS[suggestion.status]),
        message,
        link=path_for("learner.suggestion_page", suggestion_id=suggestion.id),
    )


def _pay_author(suggestion: KnowledgeSuggestion, actor: User) -> None:
    """TOP_SUGGESTION XP once per suggestion: approving and converting share the source entity."""
    if suggestion.author_id is not None:
        xp.award(
            suggestion.author_id,
            XpSourceType.TOP_SUGGESTION,
            str(suggestion.id),
            xp.amount_for("top_suggestion"),
            suggestion.title,
            actor_id=actor.id,
        )


def approve(suggestion: KnowledgeSuggestion, actor: User) -> None:
    _review(suggestion, SuggestionStatus.APPROVED, actor)
    audit(AuditAction.SUGGESTION_APPROVED, suggestion, actor_id=actor.id)
    _tell_author(suggestion)
    _pay_author(suggestion, actor)


def reject(suggestion: KnowledgeSuggestion, actor: User, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_l("Give a reason for rejecting."))
    _review(suggestion, SuggestionStatus.REJECTED, actor, rejection_reason=reason)
    audit(AuditAction.SUGGESTION_REJECTED, suggestion, actor_id=actor.id, reason=reason)
    _tell_author(suggestion, _l("Reason: %(reason)s", reason=reason))


def convert(suggestion: KnowledgeSuggestion, actor: User) -> Module:
    """CONVERTED: a DRAFT module owned by the manager, with the suggestion's title and description.

    The plan's module limit applies (content.create_module); a refusal writes nothing.
    """
    module = content.create_module(_tenant(), suggestion.title, created_by=actor)
    module.description = suggestion.description
    db.session.flush()
    _review(suggestion, SuggestionStatus.CONVERTED, actor, converted_module_id=module.id)
    audit(AuditAction.SUGGESTION_CONVERTED, suggestion, actor_id=actor.id, module=module.title)
    _tell_author(suggestion)
    _pay_author(suggestion, actor)
    return module
