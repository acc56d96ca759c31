"""Community: the mentor radar queue (issue 15, item 3; MANAGE_ALL_MODULES, ``services.radar``).

Each post is decided on from its own review page: approve, reject with a reason, and once
on the radar pin, unpin or archive it. A decision the post's status no longer allows (another
curator got there first) is reported with a 409 and changes nothing. The list opens on the
posts waiting for approval from HR's desk (its ``status`` filter).
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import flash, redirect
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Query, selectinload
from werkzeug.wrappers import Response

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView
from lms.admin_views.filters import time_filters
from lms.admin_views.forms import label_formatter
from lms.admin_views.review import ReviewView
from lms.models import MentorRadarPost, User
from lms.models.enums import RadarPostStatus
from lms.services import radar


class RadarPostView(ReviewView):
    """The tenant's radar posts, newest first; links are shown as text, never fetched."""

    permission = radar.CURATOR
    allow_create = False
    allow_edit = False
    allow_delete = False
    can_view_details = True
    simple_list_pager = True
    column_list = ("title", "url", "author.name", "status", "pinned", "created_at", "approved_at")
    column_details_list = (*column_list, "description", "rejection_reason")
    column_labels: ClassVar = {
        "url": _l("Address"),
        "author.name": _l("Author"),
        "pinned": _l("Pinned"),
        "created_at": _l("Submitted"),
        "approved_at": _l("Approved"),
        "rejection_reason": _l("Reason for rejection"),
    }
    column_formatters: ClassVar = {"status": label_formatter}
    column_formatters_detail: ClassVar = column_formatters
    column_filters = ("status", "pinned", *time_filters(MentorRadarPost.created_at, _l("Created")))
    column_searchable_list = ("title",)
    column_sortable_list = ("created_at", "approved_at")
    column_default_sort = ("created_at", True)
    column_auto_select_related = False
    column_extra_row_actions: ClassVar = [
        EndpointLinkRowAction("fa fa-gavel", ".review_view", title=_l("Approve, reject, pin or archive")),
    ]

    review_template = "admin/community/review_radar_post.html"
    decisions: ClassVar = {
        "approve": radar.approve,
        "reject": radar.reject,
        "pin": radar.pin,
        "unpin": radar.unpin,
        "archive": radar.archive,
    }
    outcomes: ClassVar = {
        "approve": _l("The link is on the radar and its author is told."),
        "reject": _l("The link is rejected and its author is told why."),
        "pin": _l("The link is pinned to the top of the radar."),
        "unpin": _l("The link is no longer pinned."),
        "archive": _l("The link is archived and no longer on the radar."),
    }

    def get_query(self) -> Query[MentorRadarPost]:
        return super().get_query().options(selectinload(MentorRadarPost.author).load_only(User.name))

    def review_context(self, row: MentorRadarPost) -> dict[str, Any]:
        return {
            "post": row,
            "pending": row.status is RadarPostStatus.PENDING,
            "on_radar": row.status is RadarPostStatus.APPROVED,
        }

    def decided(self, row: MentorRadarPost, decision: str, outcome: None, return_url: str) -> Response:
        flash(str(self.outcomes[decision]), "success")
        return redirect(return_url)


def views() -> list[TenantModelView]:
    return [
        RadarPostView(MentorRadarPost, name=_l("Radar"), category=CATEGORIES["community"], endpoint="radar_posts"),
    ]
