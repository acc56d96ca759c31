"""Reports: the compliance report (issue 13, item 2).

The rules are ``services.compliance_report``'s; this view reads the filters, keeps the
viewer to their progress reach (``permissions.progress_reach``; an export also to their
EXPORT_REPORTS reach) and renders or streams. A filter naming a group outside the reach
is a 403, a group or module that is not the company's a 404, a malformed value a 400:
each with a sentence saying which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import g, request
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from lms.admin_views import CATEGORIES
from lms.admin_views.base import AccessMixin
from lms.error_pages import render_error
from lms.extensions import db
from lms.models import Group, Module
from lms.models.enums import Permission
from lms.models.types import row_id, utcnow
from lms.permissions import Reach, current_can, current_reach, current_rights, progress_reach, sees_progress
from lms.services import compliance_report
from lms.services.compliance_report import BUCKET_LABELS, Bucket, LearnerRow, Scope
from lms.spreadsheets import FORMATS, Table, download, file_name


class BadFilter(Exception):
    """A filter the report cannot apply; answered with ``status`` and the message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Filters:
    group: Group | None
    module: Module | None
    bucket: Bucket | None
    page: int

    def scope(self, reach: Reach) -> Scope:
        return Scope(
            reach,
            group_id=self.group.id if self.group else None,
            module_id=self.module.id if self.module else None,
        )

    def args(self) -> dict[str, Any]:
        """The filters as query arguments, for links that keep them (exports, pages)."""
        values = {"group": self.group and self.group.id, "module": self.module and self.module.id}
        values["bucket"] = self.bucket and self.bucket.value
        return {key: value for key, value in values.items() if value}


def _row_named(name: str, model: type, malformed: str, missing: str) -> Any:
    """The row the query argument ``name`` names; None when it is not given."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        number = row_id(text)
    except ValueError:
        raise BadFilter(400, malformed) from None
    row = db.session.get(model, number)
    if row is None:
        raise BadFilter(404, missing)
    return row


def read_filters(reach: Reach) -> Filters:
    """The report's filters from the query string, or BadFilter saying what is wrong with one."""
    group = _row_named("group", Group, _("Choose the group from the list."), _("There is no such group."))
    if group is not None and reach.group_ids is not None and group.id not in reach.group_ids:
        raise BadFilter(403, _("The group %(group)s is outside the groups whose progress you see.", group=group.name))
    module = _row_named("module", Module, _("Choose the module from the list."), _("There is no such module."))
    bucket_text = request.args.get("bucket", "").strip()
    if bucket_text and bucket_text not in {bucket.value for bucket in Bucket}:
        raise BadFilter(400, _("Choose a status from the list: valid, expiring, expired or never completed."))
    page_text = request.args.get("page", "1").strip() or "1"
    if not (page_text.isascii() and page_text.isdigit()) or int(page_text) < 1 or len(page_text) > 9:
        raise BadFilter(400, _("The page must be a whole number from 1 on."))
    return Filters(group, module, Bucket(bucket_text) if bucket_text else None, int(page_text))


def report_reach() -> Reach:
    return progress_reach(current_rights())


def export_reach() -> Reach:
    return report_reach() & current_reach(Permission.EXPORT_REPORTS)


class ComplianceReportView(AccessMixin, BaseView):
    """Valid, expiring, expired and never-completed learners per module and group; renewals due."""

    permission = staticmethod(sees_progress)

    @expose("/")
    def index(self) -> str | tuple[str, int]:
        reach = report_reach()
        try:
            filters = read_filters(reach)
        except BadFilter as refused:
            return render_error(refused.status, str(refused))
        now = utcnow()
        scope = filters.scope(reach)
        context: dict[str, Any] = {
            "filters": filters,
            "choices": compliance_report.choices(reach),
            "labels": BUCKET_LABELS,
            "buckets": list(Bucket),
            "may_export": current_can(Permission.EXPORT_REPORTS),
            "renewal_days": compliance_report.RENEWAL_HORIZON.days,
        }
        if filters.bucket is not None:
            context["listed"] = compliance_report.bucket_page(scope, filters.bucket, now, filters.page)
        else:
            context["overview"] = compliance_report.overview(scope, now)
            context["renewals"] = compliance_report.renewals_page(scope, now, filters.page)
        return self.render("admin/reports/compliance.html", **context)

    @expose("/export")
    def export(self) -> Response | tuple[str, int]:
        """Every (learner, module) row of the report as filtered (one bucket's when one is chosen)."""
        return self._download(renewals=False)

    @expose("/renewals/export")
    def export_renewals(self) -> Response | tuple[str, int]:
        """Who must renew by when, as filtered by group and module."""
        return self._download(renewals=True)

    def _download(self, *, renewals: bool) -> Response | tuple[str, int]:
        if not current_can(Permission.EXPORT_REPORTS):
            return render_error(403, _("Exporting reports needs the permission to export reports."))
        fmt = request.args.get("format", "")
        if fmt not in FORMATS:
            return render_error(400, _("Choose CSV or XLSX."))
        reach = export_reach()
        try:
            filters = read_filters(reach)
        except BadFilter as refused:
            return render_error(refused.status, str(refused))
        scope, now, zone = filters.scope(reach), utcnow(), ZoneInfo(g.tenant.timezone)
        bucket = None if renewals else filters.bucket

        def day(moment: datetime | None) -> str:
            return moment.astimezone(zone).date().isoformat() if moment is not None else ""

        def line(row: LearnerRow) -> list[Any]:
            if renewals:
                return [row.name, row.email, row.groups, row.module_title, day(row.expires_at)]
            expiry = day(row.expires_at) if row.expires_at else _("Does not expire") if row.completed_at else ""
            return [row.name, row.email, row.groups, row.module_title, str(BUCKET_LABELS[row.bucket]), expiry]

        def rows() -> Any:
            return (line(row) for row in compliance_report.all_rows(scope, now, bucket=bucket, renewals=renewals))

        name = _("Renewals") if renewals else _("Compliance")
        header = [_("Learner"), _("Email"), _("Groups"), _("Module")]
        header += [_("Expires")] if renewals else [_("Status"), _("Certificate expires")]
        table = Table(name, header, rows, note=_note(filters))
        today = datetime.now(zone).date()
        return download(table, fmt, file_name(g.tenant.name, name, today, fmt))


def _note(filters: Filters) -> str | None:
    """What a filtered file holds, written above its header."""
    parts = []
    if filters.group is not None:
        parts.append(_("Group: %(group)s", group=filters.group.name))
    if filters.module is not None:
        parts.append(_("Module: %(module)s", module=filters.module.title))
    if filters.bucket is not None:
        parts.append(_("Status: %(status)s", status=BUCKET_LABELS[filters.bucket]))
    return "; ".join(parts) or None


def views() -> list[BaseView]:
    return [
        ComplianceReportView(
            name=_l("Compliance"),
            category=CATEGORIES["reports"],
            endpoint="compliance_report",
            url="/admin/reports/compliance",
        )
    ]
