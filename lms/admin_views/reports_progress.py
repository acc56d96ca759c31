"""Reports: the progress matrix and a learner's timeline (issue 13, item 1).

Open to whoever sees progress (``sees_progress``); the rows are narrowed by
``progress_reach`` and, for the export, by the reach of EXPORT_REPORTS as well. The
rules live in ``lms.services.progress_report``: this module reads the query string,
answers a bad value with 400, an unknown id with 404 and a group outside the reach with
403, and renders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from flask import abort, g, request
from flask_admin import BaseView, expose
from flask_babel import format_date, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from lms.admin_views import CATEGORIES
from lms.admin_views.base import AccessMixin
from lms.error_pages import ErrorAnswer, render_error
from lms.models.enums import Permission
from lms.models.types import row_id, utcnow
from lms.permissions import Reach, current_can, current_reach, current_rights, progress_reach, sees_progress
from lms.services import progress_report
from lms.services.progress_report import SEARCH_MAX, SORTS, STATUS_NAMES, STATUSES, Filters
from lms.spreadsheets import FORMATS, Table, download, file_name


def _id(name: str) -> int | None:
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        return row_id(value)
    except ValueError:
        abort(400)


def _page(name: str) -> int:
    return _id(name) or 1


def _choice(name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    value = request.args.get(name, "") or default
    if value is not None and value not in allowed:
        abort(400)
    return value


def _filters() -> Filters:
    """The filters of the query string; a malformed value is a 400, never a guess."""
    search = request.args.get("q", "").strip()
    if len(search) > SEARCH_MAX:
        abort(400)
    return Filters(
        group_id=_id("group"),
        module_id=_id("module"),
        category_id=_id("category"),
        mandatory=_choice("mandatory", ("0", "1"), "0") == "1",
        status=_choice("status", STATUSES, None),
        search=search,
        sort=_choice("sort", SORTS, "name") or "name",
    )


def _args(filters: Filters) -> dict[str, Any]:
    """The filters as query-string arguments, to keep them across pages, sorting and the export."""
    values = {
        "group": filters.group_id,
        "module": filters.module_id,
        "category": filters.category_id,
        "mandatory": 1 if filters.mandatory else None,
        "status": filters.status,
        "q": filters.search or None,
        "sort": None if filters.sort == "name" else filters.sort,
    }
    return {key: value for key, value in values.items() if value is not None}


def _refusal(filters: Filters, reach: Reach) -> ErrorAnswer | None:
    try:
        progress_report.check_filters(filters, reach)
    except progress_report.FilterNotFound as error:
        return render_error(404, str(error))
    except progress_report.GroupOutOfReach as error:
        return render_error(403, str(error))
    return None


def _iso_day(zone: tzinfo) -> Callable[[datetime], str]:
    """A moment's day in the company's zone as ``2027-01-31``, as spreadsheets sort it."""
    return lambda moment: moment.astimezone(zone).date().isoformat()


def _short_day(moment: datetime) -> str:
    return format_date(moment, "short")


class ProgressReportView(AccessMixin, BaseView):
    permission = staticmethod(sees_progress)

    @expose("/")
    def index(self) -> str | ErrorAnswer:
        filters = _filters()
        page, module_page = _page("page"), _page("cols")
        reach = progress_reach(current_rights())
        refused = _refusal(filters, reach)
        if refused is not None:
            return refused
        report = progress_report.matrix(reach, filters, utcnow(), page, module_page)
        return self.render(
            "admin/reports/progress.html",
            report=report,
            filters=filters,
            args=_args(filters),
            choices=progress_report.choices(reach),
            statuses=STATUS_NAMES,
            words=lambda cell: progress_report.words(cell, _short_day),
            may_export=current_can(Permission.EXPORT_REPORTS),
            modules_per_page=progress_report.MODULES_PER_PAGE,
            formats=FORMATS,
        )

    @expose("/learner/<int:user_id>")
    def timeline(self, user_id: int) -> str | ErrorAnswer:
        """One learner's timeline; someone outside the viewer's reach or company is a 404."""
        try:
            events = progress_report.timeline(progress_reach(current_rights()), user_id, utcnow())
        except progress_report.LearnerNotFound as error:
            return render_error(404, str(error))
        return self.render("admin/reports/timeline.html", timeline=events, limit=progress_report.TIMELINE_LIMIT)

    @expose("/export")
    def export(self) -> Response | ErrorAnswer:
        """The whole matrix (every matching learner and module) as CSV or XLSX, streamed."""
        if not current_can(Permission.EXPORT_REPORTS):
            abort(403)
        fmt = _choice("format", FORMATS, None)
        if fmt is None:
            abort(400)
        filters = _filters()
        reach = progress_reach(current_rights()) & current_reach(Permission.EXPORT_REPORTS)
        refused = _refusal(filters, reach)
        if refused is not None:
            return refused
        now, zone = utcnow(), get_timezone()
        header, columns = progress_report.export_header(filters)
        day = _iso_day(zone)
        name = _("Progress")
        table = Table(name, header, rows=lambda: progress_report.export_rows(reach, filters, now, columns, day))
        return download(table, fmt, file_name(g.tenant.name, name, now.astimezone(zone).date(), fmt))


def views() -> list[BaseView]:
    return [
        ProgressReportView(
            name=_l("Progress"),
            category=CATEGORIES["reports"],
            endpoint="progress_report",
            url="/admin/reports/progress",
        )
    ]
