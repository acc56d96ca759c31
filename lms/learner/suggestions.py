"""Knowledge suggestions: the list with a submit form, a suggestion's page with votes and threads (issue 7, item 8).

Another tenant's suggestion (``SuggestionNotFound``, a 404) and a refused post are the
service's errors, answered by ``lms.error_pages``; a form that fails its validators is
shown again with what was typed.
"""

from __future__ import annotations

from collections import defaultdict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.extensions import db
from lms.i18n import LABELS
from lms.learner import bp
from lms.learner.forms import SuggestionCommentForm, SuggestionForm, VoteForm
from lms.models import KnowledgeSuggestion
from lms.permissions import submit_required
from lms.services import suggestions


def _list_page(form: SuggestionForm, status: int = 200) -> tuple[str, int]:
    sort = request.args.get("sort", "votes")
    sort = sort if sort in suggestions.SORTS else "votes"
    shown = suggestions.listing(sort)
    return render_template(
        "learner/suggestions.html",
        suggestions=shown,
        voted=suggestions.voted_ids(current_user.id, [s.id for s in shown]),
        sort=sort,
        form=form,
        vote_form=VoteForm(),
        labels=LABELS,
    ), status


@bp.get("/suggestions")
def suggestions_page() -> tuple[str, int]:
    return _list_page(SuggestionForm())


@bp.post("/suggestions")
@submit_required
def submit_suggestion() -> Response | tuple[str, int]:
    form = SuggestionForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    suggestion = suggestions.submit(current_user.id, form.title.data, form.description.data or "")
    db.session.commit()
    flash(_("Thank you. Your suggestion is posted."), "success")
    return redirect(url_for("learner.suggestion_page", suggestion_id=suggestion.id))


def _detail_page(suggestion: KnowledgeSuggestion, form: SuggestionCommentForm, status: int = 200) -> tuple[str, int]:
    replies: dict[int | None, list] = defaultdict(list)
    for comment in suggestions.comments_of(suggestion.id):
        replies[comment.parent_id].append(comment)
    return render_template(
        "learner/suggestion.html",
        suggestion=suggestion,
        replies=replies,
        voted=bool(suggestions.voted_ids(current_user.id, [suggestion.id])),
        form=form,
        vote_form=VoteForm(),
        labels=LABELS,
    ), status


@bp.get("/suggestions/<int:suggestion_id>")
def suggestion_page(suggestion_id: int) -> tuple[str, int]:
    return _detail_page(suggestions.get(suggestion_id), SuggestionCommentForm())


@bp.post("/suggestions/<int:suggestion_id>/vote")
@submit_required
def vote_suggestion(suggestion_id: int) -> Response:
    suggestion = suggestions.get(suggestion_id)
    form = VoteForm()
    if not form.validate_on_submit():
        abort(400)
    suggestions.vote(current_user.id, suggestion.id, bool(form.voted.data))
    db.session.commit()
    target = request.form.get("next")
    if target == "list":
        return redirect(url_for("learner.suggestions_page"))
    return redirect(url_for("learner.suggestion_page", suggestion_id=suggestion.id))


@bp.post("/suggestions/<int:suggestion_id>/comments")
@submit_required
def comment_suggestion(suggestion_id: int) -> Response | tuple[str, int]:
    suggestion = suggestions.get(suggestion_id)
    form = SuggestionCommentForm()
    if not form.validate_on_submit():
        return _detail_page(suggestion, form, 400)
    suggestions.comment(current_user.id, suggestion.id, form.body.data, form.parent_id.data)
    db.session.commit()
    flash(_("Your comment is posted."), "success")
    return redirect(url_for("learner.suggestion_page", suggestion_id=suggestion.id))
