"""Operations: queues, failed jobs, "run now" (DESIGN.md: jobs; issue 6, item 10).

For OWNER, SUPER_ADMIN and ADMIN of the company (``OPERATIONS_ROLES``); which jobs each
of them sees is decided in ``lms.services.operations``.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from lms.admin_views import CATEGORIES
from lms.admin_views.base import AccessMixin
from lms.extensions import db
from lms.forms import LmsForm
from lms.models.enums import Permission, TenantRole
from lms.permissions import OPERATIONS_ROLES, is_platform_staff
from lms.services import operations


def _operates(role: TenantRole | None, permissions: frozenset[Permission]) -> bool:
    return role in OPERATIONS_ROLES


class RunNowForm(LmsForm):
    job = HiddenField(validators=[DataRequired(), Length(max=200)])


class RetryForm(LmsForm):
    job_id = HiddenField(validators=[DataRequired(), Length(max=100)])


def _scope() -> tuple[int, bool]:
    """Whose jobs the operator sees: the company's, or every job for platform staff."""
    return g.tenant.id, is_platform_staff(current_user)


class OperationsView(AccessMixin, BaseView):
    permission = staticmethod(_operates)

    @expose("/")
    def index(self) -> str:
        return self.render(
            "admin/operations/jobs.html",
            overview=operations.overview(*_scope()),
            periodic=operations.periodic_jobs(),
            run_form=RunNowForm(),
            retry_form=RetryForm(),
        )

    @expose("/run", methods=("POST",))
    def run_now(self) -> Response:
        form = RunNowForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            operations.run_now(form.job.data, *_scope())
        except operations.JobNotFound:
            abort(404)
        except operations.AlreadyQueued as error:
            flash(str(error), "warning")
            return redirect(self.get_url(".index"))
        db.session.commit()
        flash(_("The job ran.") if operations.jobs_run_inline() else _("The job is queued."), "success")
        return redirect(self.get_url(".index"))

    @expose("/retry", methods=("POST",))
    def retry(self) -> Response:
        form = RetryForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            operations.retry_failed(form.job_id.data, *_scope())
        except operations.JobNotFound:
            abort(404)
        db.session.commit()
        flash(_("The job is back on its queue."), "success")
        return redirect(self.get_url(".index"))


def views() -> list[BaseView]:
    return [OperationsView(name=_l("Jobs"), category=CATEGORIES["operations"], endpoint="operations")]
