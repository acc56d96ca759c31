"""Community: the suggestions queue (issue 7, item 8; MANAGE_SUGGESTIONS).

Approving, rejecting (with a reason) and converting go through ``lms.services.suggestions``
from one suggestion's review page; a suggestion already decided on is reported, never paid twice.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import flash, redirect, url_for
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Query, selectinload
from werkzeug.wrappers import Response

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView
from lms.admin_views.filters import time_filters
from lms.admin_views.forms import label_formatter
from lms.admin_views.review import ReviewView
from lms.i18n import LABELS
from lms.models import KnowledgeSuggestion, Module, User
from lms.models.enums import Permission, SuggestionStatus
from lms.services import suggestions


class SuggestionView(ReviewView):
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
        "author.name": _l("Author"),
        "vote_count": _l("Votes"),
        "created_at": _l("Submitted"),
        "converted_module_id": _l("Draft module"),
    }
    column_formatters: ClassVar = {"status": label_formatter}
    column_formatters_detail: ClassVar = column_formatters
    column_filters = ("status", *time_filters(KnowledgeSuggestion.created_at, _l("Created")))
    column_searchable_list = ("title",)
    column_sortable_list = ("vote_count", "created_at", "reviewed_at")
    column_default_sort = ("vote_count", True)
    column_auto_select_related = False
    column_extra_row_actions: ClassVar = [
        EndpointLinkRowAction("fa fa-gavel", ".review_view", title=_l("Approve, reject or convert")),
    ]

    review_template = "admin/community/review_suggestion.html"
    decisions: ClassVar = {
        "approve": suggestions.approve,
        "convert": suggestions.convert,
        "reject": suggestions.reject,
    }

    def get_query(self) -> Query[KnowledgeSuggestion]:
        return super().get_query().options(selectinload(KnowledgeSuggestion.author).load_only(User.name))

    def review_context(self, row: KnowledgeSuggestion) -> dict[str, Any]:
        return {
            "suggestion": row,
            "may_approve": row.status in suggestions.REVIEWABLE[SuggestionStatus.APPROVED],
            "may_decide": row.status in suggestions.REVIEWABLE[SuggestionStatus.CONVERTED],
        }

    def decided(self, row: KnowledgeSuggestion, decision: str, outcome: Module | None, return_url: str) -> Response:
        if outcome is not None:
            flash(_("A draft module is created from the suggestion."), "success")
            return redirect(url_for("modules.edit_view", id=outcome.id))
        flash(_("The suggestion is %(status)s.", status=LABELS[row.status]), "success")
        return redirect(return_url)


def views() -> list[TenantModelView]:
    return [
        SuggestionView(
            KnowledgeSuggestion, name=_l("Suggestions"), category=CATEGORIES["community"], endpoint="suggestions"
        ),
    ]
