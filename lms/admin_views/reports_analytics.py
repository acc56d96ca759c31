"""Reports: analytics (issue 13, item 4) and its CSV/XLSX exports.

One page at ``/admin/reports/analytics/`` (VIEW_ANALYTICS): active learners per day and
week, the most and least used modules, the median time to complete, drop-off per section
of a chosen module and item analysis of a chosen quiz. Every number counts the learners
of ``current_reach(VIEW_ANALYTICS)`` (narrowed by ``?group=``); an export (EXPORT_REPORTS)
counts those of that reach and the export's. The numbers come from
``lms.services.analytics``; this module reads the filters, picks the table and renders.

Bad filters never reach the database: a malformed id is a 400, an id of no row here (or
another company's) a 404, a group outside the viewer's reach a 403, each with a sentence
saying which.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import abort, g, request
from flask_admin import BaseView, expose
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from lms.admin_views import CATEGORIES
from lms.admin_views.base import AccessMixin
from lms.charts import bars
from lms.error_pages import render_error
from lms.extensions import db
from lms.models import Group, Module, Quiz
from lms.models.enums import Permission
from lms.models.types import row_id, utcnow
from lms.permissions import Reach, current_can, current_reach
from lms.services import analytics
from lms.spreadsheets import FORMATS, Table, download, file_name

TABLES = ("days", "weeks", "modules", "completion", "drop_off", "items")


class BadFilter(Exception):
    """A filter of the URL that names nothing this viewer may see; carries the answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Choice:
    """What the URL asks for: whose numbers (the reach, a group's within it), which module
    and which quiz (a quiz named, or the chosen module's)."""

    reach: Reach
    group: Group | None
    module: Module | None
    quiz: Quiz | None


def _id_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return row_id(raw)
    except ValueError:
        raise BadFilter(400, _("“%(value)s” is not a valid choice here.", value=raw[:40])) from None


def _found(model: type[Any], name: str, message: str) -> Any:
    """The row ``?name=`` names in this company (the tenancy hook hides others'), or None."""
    row_key = _id_arg(name)
    if row_key is None:
        return None
    row = db.session.get(model, row_key)
    if row is None:
        raise BadFilter(404, message)
    return row


def _choice(reach: Reach) -> Choice:
    group = _found(Group, "group", _("This group does not exist."))
    if group is not None:
        if not (reach.everywhere or group.id in (reach.group_ids or ())):
            raise BadFilter(403, _("This group is outside the groups you may see."))
        reach &= Reach(frozenset({group.id}))
    module = _found(Module, "module", _("This module does not exist."))
    quiz = _found(Quiz, "quiz", _("This quiz does not exist."))
    if quiz is None and module is not None:
        quiz = analytics.quiz_of_module(module.id)
    return Choice(reach, group, module, quiz)


def _today() -> date:
    return utcnow().astimezone(ZoneInfo(g.tenant.timezone)).date()


def _day_label(day: date) -> str:
    return format_skeleton("MMMd", day, locale=get_locale())


def _percent(value: float) -> float:
    return round(value, 1)


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 1)


def _groups_to_pick(reach: Reach) -> list[tuple[int, str]]:
    query = reach.narrow_groups(db.session.query(Group.id, Group.name), Group.id)
    return [(group_id, name) for group_id, name in query.order_by(Group.name)]


# --- Export tables --------------------------------------------------------------------------


def _export_table(table: str, choice: Choice, now: datetime) -> Table:
    """The table an export asks for; its rows are computed when the download starts."""
    reach, zone, today = choice.reach, g.tenant.timezone, _today()
    note = _("Group: %(name)s", name=choice.group.name) if choice.group is not None else None
    if table == "days":
        return Table(
            _("Active learners per day"),
            [_("Day"), _("Active learners")],
            lambda: ([p.start, p.learners] for p in analytics.active_per_day(reach, zone, today)),
            note,
        )
    if table == "weeks":
        return Table(
            _("Active learners per week"),
            [_("Week starting"), _("Active learners")],
            lambda: ([p.start, p.learners] for p in analytics.active_per_week(reach, zone, today)),
            note,
        )
    if table == "modules":
        return Table(
            _("Module usage"),
            [_("Module"), _("Learners in the last 90 days")],
            lambda: ([use.title, use.learners] for use in analytics.module_usage(reach, now)),
            note,
        )
    if table == "completion":
        return Table(
            _("Median time to complete"),
            [_("Module"), _("Completions"), _("Median time to complete"), _("Median time in hours")],
            lambda: (
                [t.title, t.completions, analytics.duration_words(t.median_seconds), _hours(t.median_seconds)]
                for t in analytics.completion_times(reach, now)
            ),
            note,
        )
    if table == "drop_off":
        if choice.module is None:
            raise BadFilter(400, _("Choose a module for the drop-off table."))
        module_id = choice.module.id
        return Table(
            _("Drop-off: %(module)s", module=choice.module.title),
            [_("Order"), _("Section"), _("Learners who completed it"), _("Learners who stopped here")],
            lambda: ([s.position, s.title, s.completed, s.stopped] for s in analytics.drop_off(reach, module_id)),
            note,
        )
    if choice.quiz is None:
        raise BadFilter(400, _("Choose a quiz for the item analysis."))
    quiz_id = choice.quiz.id

    def items() -> Iterable[Sequence[Any]]:
        # Read again: the download runs after the request's session has closed.
        result = analytics.item_analysis(reach, db.session.get(Quiz, quiz_id))
        for item in result.items:
            wrong = [item.wrong_option, _percent(item.wrong_percent)] if item.wrong_option is not None else ["", ""]
            yield [item.question.text, item.asked, _percent(item.correct_percent), *wrong]

    return Table(
        _("Item analysis: %(quiz)s", quiz=choice.quiz.title),
        [
            _("Question"),
            _("Submitted attempts asking it"),
            _("Answered correctly (%)"),
            _("Most chosen wrong answer"),
            _("Chose it (%)"),
        ],
        items,
        note,
    )


# --- The screen -----------------------------------------------------------------------------


class AnalyticsView(AccessMixin, BaseView):
    permission = Permission.VIEW_ANALYTICS

    @expose("/")
    def index(self) -> Any:
        try:
            choice = _choice(current_reach(Permission.VIEW_ANALYTICS))
        except BadFilter as refusal:
            return render_error(refusal.status, refusal.message)
        now, today, zone = utcnow(), _today(), g.tenant.timezone
        days = analytics.active_per_day(choice.reach, zone, today)
        weeks = analytics.active_per_week(choice.reach, zone, today)
        uses = analytics.module_usage(choice.reach, now)
        steps = analytics.drop_off(choice.reach, choice.module.id) if choice.module is not None else None
        items = analytics.item_analysis(choice.reach, choice.quiz) if choice.quiz is not None else None
        return self.render(
            "admin/reports/analytics.html",
            choice=choice,
            groups=_groups_to_pick(current_reach(Permission.VIEW_ANALYTICS)),
            modules=analytics.modules_to_pick(),
            quizzes=analytics.quizzes_to_pick(),
            days=days,
            weeks=weeks,
            day_label=_day_label,
            days_chart=_chart_of_periods(days, _("Active learners per day")),
            weeks_chart=_chart_of_periods(weeks, _("Active learners per week")),
            most_used=analytics.most_used(uses),
            least_used=analytics.least_used(uses),
            completion_times=analytics.completion_times(choice.reach, now),
            duration_words=analytics.duration_words,
            steps=steps,
            steps_chart=_chart_of_steps(steps) if steps else None,
            items=items,
            may_export=current_can(Permission.EXPORT_REPORTS),
            export_url=lambda table, fmt: self._export_url(choice, table, fmt),
            formats=FORMATS,
        )

    @expose("/export")
    def export(self) -> Any:
        if not current_can(Permission.EXPORT_REPORTS):
            abort(403)
        table, fmt = request.args.get("table", ""), request.args.get("format", "")
        if table not in TABLES or fmt not in FORMATS:
            return render_error(400, _("Choose a table and a format (CSV or XLSX) to export."))
        try:
            choice = _choice(current_reach(Permission.VIEW_ANALYTICS, Permission.EXPORT_REPORTS))
            export = _export_table(table, choice, utcnow())
        except BadFilter as refusal:
            return render_error(refusal.status, refusal.message)
        name = file_name(g.tenant.name, export.name, _today(), fmt)
        return download(export, fmt, name)

    def _export_url(self, choice: Choice, table: str, fmt: str) -> str:
        filters = {
            "group": choice.group.id if choice.group is not None else None,
            "module": choice.module.id if choice.module is not None else None,
            "quiz": choice.quiz.id if choice.quiz is not None else None,
        }
        return self.get_url(".export", table=table, format=fmt, **{k: v for k, v in filters.items() if v is not None})


def _chart_of_periods(periods: Sequence[analytics.Period], title: str) -> Markup:
    return bars([(_day_label(p.start), p.learners) for p in periods], title=title)


def _chart_of_steps(steps: Sequence[analytics.SectionStep]) -> Markup:
    return bars([(str(step.position), step.stopped) for step in steps], title=_("Learners who stopped at each section"))


def views() -> list[BaseView]:
    return [
        AnalyticsView(
            name=_l("Analytics"),
            category=CATEGORIES["reports"],
            endpoint="analytics",
            url="/admin/reports/analytics",
        )
    ]
