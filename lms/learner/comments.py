"""Comments under a module (issue 15, item 2): the module page's comment section and its forms.

The section is part of the module page (``templates/learner/_comments.html``, included by
``module.html``), which asks ``module_comments(module)`` for its threads: the reader stays
unaware of comments, and the comments cost the page the same two queries however many there
are. A form that fails its validators shows the module page again (400) with what was typed
and the error next to it; a refusal of the rules (another tenant's comment, someone else's,
a late edit) is the service's error, answered by ``lms.error_pages`` with its sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.bad_input import RowIdField
from lms.extensions import db
from lms.forms import LmsForm
from lms.learner import bp, reader
from lms.models import Module
from lms.models.types import utcnow
from lms.permissions import can_submit, current_rights, submit_required
from lms.services import comments
from lms.services.comments import BODY_MAX, ShownComment


class CommentForm(LmsForm):
    """A new comment, a reply (``parent_id``) or the author's edit of a comment."""

    body = TextAreaField(
        _l("Comment"),
        validators=[
            InputRequired(message=_l("Write a comment first.")),
            Length(max=BODY_MAX, message=_l("A comment is at most %(max)d characters long.", max=BODY_MAX)),
        ],
    )
    parent_id = RowIdField(validators=[Optional()])


class ResolveForm(LmsForm):
    """The state wanted, so a double click resolves (or reopens) once."""

    resolved = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=1)])


@dataclass(frozen=True)
class CommentSection:
    """What the module page's comment section shows to the signed-in user."""

    threads: list[ShownComment]
    user_id: int
    may_post: bool
    may_moderate: bool
    now: datetime
    failed: Failed | None

    def editable(self, shown: ShownComment) -> bool:
        return self.may_post and comments.editable(shown.comment, self.user_id, self.now)


@dataclass(frozen=True)
class Failed:
    """The form that failed in this request: where it was (``new``, ``reply`` or ``edit`` of ``target``)."""

    kind: str
    target: int | None
    form: CommentForm


def module_comments(module: Module) -> CommentSection:
    """The section's data; a VIEWER moderates nothing (every change is a POST they may not make)."""
    may_post = can_submit(g.get("role"))
    return CommentSection(
        threads=comments.thread_of(module.id),
        user_id=current_user.id,
        may_post=may_post,
        may_moderate=may_post and comments.may_moderate(current_user, module.id, current_rights()),
        now=utcnow(),
        failed=g.get("comment_failed"),
    )


@bp.context_processor
def _comments_context() -> dict[str, object]:
    return {"module_comments": module_comments}


def _shown_again(module_id: int, failed: Failed) -> tuple[str, int]:
    g.comment_failed = failed
    return reader.module_page(module_id), 400


def _to_comment(module_id: int, comment_id: int | None = None) -> Response:
    anchor = f"comment-{comment_id}" if comment_id else "comments"
    return redirect(url_for("learner.module_page", module_id=module_id, _anchor=anchor))


@bp.post("/modules/<int:module_id>/comments")
@submit_required
def post_comment(module_id: int) -> Response | tuple[str, int]:
    module = comments.published_module(module_id)
    form = CommentForm()
    if not form.validate_on_submit():
        target = form.parent_id.data
        return _shown_again(module.id, Failed("reply" if target else "new", target, form))
    comment = comments.post(current_user.id, module.id, form.body.data, form.parent_id.data)
    db.session.commit()
    flash(_("Your comment is posted."), "success")
    return _to_comment(module.id, comment.id)


@bp.post("/comments/<int:comment_id>/edit")
@submit_required
def edit_comment(comment_id: int) -> Response | tuple[str, int]:
    comment = comments.get(comment_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _shown_again(comment.module_id, Failed("edit", comment.id, form))
    comments.edit(current_user.id, comment.id, form.body.data)
    db.session.commit()
    flash(_("Your comment is saved."), "success")
    return _to_comment(comment.module_id, comment.id)


@bp.post("/comments/<int:comment_id>/delete")
@submit_required
def delete_comment(comment_id: int) -> Response:
    module_id = comments.delete(current_user.id, comment_id)
    db.session.commit()
    flash(_("Your comment is deleted."), "success")
    return _to_comment(module_id)


@bp.post("/comments/<int:comment_id>/resolve")
@submit_required
def resolve_comment(comment_id: int) -> Response:
    comment = comments.get(comment_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        raise comments.CommentError(_l("Choose to resolve or to reopen the comment."))
    comments.set_resolved(current_user, comment.id, bool(form.resolved.data))
    db.session.commit()
    message = _("The comment is resolved.") if form.resolved.data else _("The comment is open again.")
    flash(message, "success")
    return _to_comment(comment.module_id, comment.id)
