"""Community: the suggestions queue (issue 7, item 8; MANAGE_SUGGESTIONS).

Approving, rejecting (with a reason) and converting go through ``lms.services.suggestions``
from one suggestion's review page; a suggestion already decided on is reported, never paid twice.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.babel import lazy_gettext as admin_lazy_gettext
from flask_admin.contrib.sqla import filters
from flask_admin.helpers import get_form_data, get_redirect_target
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Query, selectinload
from werkzeug.wrappers import Response

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView, label_formatter
from lms.admin_views.gamification_rewards import RejectForm
from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import LABELS
from lms.models import KnowledgeSuggestion, User
from lms.models.enums import Permission, SuggestionStatus
from lms.services import suggestions


class StatusFilter(filters.BaseSQLAFilter):
    def __init__(self, name: Any) -> None:
        super().__init__(
            KnowledgeSuggestion.status, name, options=[(status.name, LABELS[status]) for status in SuggestionStatus]
        )

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        status = SuggestionStatus.__members__.get(value)
        return query.filter(KnowledgeSuggestion.status == status) if status else query.filter(False)

    def operation(self) -> Any:
        return admin_lazy_gettext("equals")


class SuggestionView(TenantModelView):
    """The tenant's suggestions, most voted first; each reviewed from its own page."""

    permission = Permission.MANAGE_SUGGESTIONS
    allow_create = False
    allow_edit = False
    allow_delete = False
    can_view_details = True
    simple_list_pager = True
    column_list = ("title", "author.name", "vote_count", "status", "created_at", "reviewed_at")
    column_details_list = (*column_list, "description", "reviewed_by", "rejection_reason", "converted_module_id")
    column_labels: ClassVar = {
        "title": _l("Title"),
        "author.name": _l("Author"),
        "vote_count": _l("Votes"),
        "status": _l("Status"),
        "created_at": _l("Submitted"),
        "reviewed_at": _l("Reviewed"),
        "description": _l("Description"),
        "reviewed_by": _l("Reviewed by"),
        "rejection_reason": _l("Reason for rejecting"),
        "converted_module_id": _l("Draft module"),
    }
    column_formatters: ClassVar = {"status": label_formatter}
    column_formatters_detail: ClassVar = column_formatters
    column_filters = (StatusFilter(_l("Status")),)
    column_searchable_list = ("title",)
    column_sortable_list = ("vote_count", "created_at", "reviewed_at")
    column_default_sort = ("vote_count", True)
    column_auto_select_related = False
    column_extra_row_actions: ClassVar = [
        EndpointLinkRowAction("fa fa-gavel", ".review_view", title=_l("Approve, reject or convert")),
    ]

    def get_query(self) -> Query[KnowledgeSuggestion]:
        return super().get_query().options(selectinload(KnowledgeSuggestion.author).load_only(User.name))

    @expose("/review/", methods=("GET", "POST"))
    def review_view(self) -> Response | tuple[str, int]:
        pk = request.args.get("id", "")
        if not pk.isdigit():
            abort(404)
        suggestion = self.get_one(pk)
        if suggestion is None:
            abort(404)
        form = RejectForm(get_form_data())
        return_url = get_redirect_target() or self.get_url(".index_view")
        if request.method == "POST":
            actor = current_user._get_current_object()
            decision = request.form.get("decision")
            try:
                if decision == "approve":
                    suggestions.approve(suggestion, actor)
                elif decision == "convert":
                    module = suggestions.convert(suggestion, actor)
                elif decision == "reject" and form.validate():
                    suggestions.reject(suggestion, actor, form.reason.data)
                else:
                    return self._review_page(suggestion, form, return_url), 400
            except LmsError as error:
                db.session.rollback()
                flash(str(error), "warning")
                return self._review_page(self.get_one(pk), form, return_url), 409
            db.session.commit()
            if decision == "convert":
                flash(_("A draft module is created from the suggestion."), "success")
                return redirect(url_for("modules.edit_view", id=module.id))
            flash(_("The suggestion is %(status)s.", status=LABELS[suggestion.status]), "success")
            return redirect(return_url)
        return self._review_page(suggestion, form, return_url), 200

    def _review_page(self, suggestion: KnowledgeSuggestion, form: RejectForm, return_url: str) -> str:
        return self.render(
            "admin/community/review_suggestion.html",
            suggestion=suggestion,
            form=form,
            return_url=return_url,
            labels=LABELS,
            may_approve=suggestion.status in suggestions.REVIEWABLE[SuggestionStatus.APPROVED],
            may_decide=suggestion.status in suggestions.REVIEWABLE[SuggestionStatus.CONVERTED],
        )


def views() -> list[TenantModelView]:
    return [
        SuggestionView(
            KnowledgeSuggestion, name=_l("Suggestions"), category=CATEGORIES["community"], endpoint="suggestions"
        ),
    ]
