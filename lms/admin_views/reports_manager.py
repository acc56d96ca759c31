"""Reports: the manager dashboard and its "send reminder" (issue 13, item 3).

VIEW_MANAGER_DASHBOARD opens it; a grant's scope narrows the group picker and every
group's figures to the groups it names (``current_reach``). The figures and the reminder
are ``services/manager_dashboard.py``; this module parses the request and draws.
"""

from __future__ import annotations

from flask import flash, g, redirect, request
from flask_admin import BaseView, expose
from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import Form, IntegerField
from wtforms.validators import DataRequired, NumberRange, Optional

from lms.admin_views import CATEGORIES
from lms.admin_views.base import AccessMixin
from lms.bad_input import RowIdField
from lms.charts import bars, line
from lms.error_pages import ErrorAnswer, render_error
from lms.extensions import db
from lms.forms import LmsForm
from lms.models import Group
from lms.models.enums import Permission
from lms.models.types import MAX_ID, utcnow
from lms.permissions import OutOfReach, Reach, current_reach
from lms.services import manager_dashboard
from lms.services.manager_dashboard import GroupDashboard, GroupNotFound, NothingThere


class DashboardQuery(Form):
    """``?group=<id>&page=<n>``: a malformed value is a 400, not a guess."""

    group = RowIdField(validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


class RemindForm(LmsForm):
    group = RowIdField(validators=[DataRequired()])


def _reach() -> Reach:
    return current_reach(Permission.VIEW_MANAGER_DASHBOARD)


def _hours(seconds: int) -> str:
    return format_decimal(seconds / 3600, "#,##0.0")


def _charts(figures: GroupDashboard) -> list[Markup]:
    """The 12-week trends, each week labelled by its Monday in the company's calendar."""
    labels = [format_date(week.start, "short") for week in figures.weeks]
    return [
        bars(
            [(label, week.completions) for label, week in zip(labels, figures.weeks, strict=True)],
            title=_("Completions per week"),
        ),
        line(
            [(label, week.active_learners) for label, week in zip(labels, figures.weeks, strict=True)],
            title=_("Active learners per week"),
        ),
        bars(
            [(label, round(week.seconds / 3600, 1)) for label, week in zip(labels, figures.weeks, strict=True)],
            title=_("Time spent per week (hours)"),
            unit=" h",
        ),
    ]


class ManagerDashboardView(AccessMixin, BaseView):
    permission = Permission.VIEW_MANAGER_DASHBOARD

    def _group(self, group_id: int) -> Group | ErrorAnswer:
        try:
            return manager_dashboard.group_for(group_id, _reach())
        except GroupNotFound:
            return render_error(404, _("There is no such group."))
        except OutOfReach as error:
            return render_error(403, str(error))

    @expose("/")
    def index(self) -> str | ErrorAnswer:
        query = DashboardQuery(request.args)
        if not query.validate():
            return render_error(400, _("Choose a group from the list and a page number from 1 on."))
        groups = manager_dashboard.groups_within(_reach())
        group_id = query.group.data or (groups[0].id if groups else None)
        if group_id is None:
            return self.render("admin/reports/manager.html", groups=groups, figures=None)
        group = self._group(group_id)
        if not isinstance(group, Group):
            return group
        now = utcnow()
        try:
            figures = manager_dashboard.dashboard(group, now, g.tenant.timezone, query.page.data or 1)
        except NothingThere:
            return render_error(404, _("This list has fewer pages."))
        return self.render(
            "admin/reports/manager.html",
            groups=groups,
            figures=figures,
            charts=_charts(figures),
            hours=_hours(figures.seconds_spent),
            remind_form=RemindForm(group=group.id),
        )

    @expose("/remind", methods=("POST",))
    def remind(self) -> Response | ErrorAnswer:
        form = RemindForm()
        if not form.validate_on_submit():
            return render_error(400, _("Choose a group to remind."))
        group = self._group(form.group.data)
        if not isinstance(group, Group):
            return group
        reminded = manager_dashboard.send_reminders(g.tenant, group, utcnow())
        db.session.commit()
        if reminded:
            flash(
                ngettext("%(num)d learner reminded.", "%(num)d learners reminded.", reminded),
                "success",
            )
        else:
            flash(_("Nobody to remind: no overdue learner who has not been reminded today."), "info")
        return redirect(self.get_url(".index", group=group.id))


def views() -> list[BaseView]:
    return [
        ManagerDashboardView(
            name=_l("Manager dashboard"),
            category=CATEGORIES["reports"],
            endpoint="manager_dashboard",
            url="/admin/reports/manager",
        )
    ]
