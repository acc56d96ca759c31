"""The review page of the admin queues: one row, its decisions, a rejection with a reason (issue 11).

Redemptions and suggestions are reviewed the same way: the page shows the row, a button
per decision and the reject form; a decision goes to its service with the acting user,
and a reason must be given to reject. A decision the service refuses (the row was decided
on meanwhile) is flashed and the page shown again as the row is now, with a 409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask import flash, request
from flask_admin import expose
from flask_admin.helpers import get_form_data, get_redirect_target
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.admin_views.base import TenantModelView
from lms.admin_views.forms import RejectForm
from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import LABELS


class ReviewView(TenantModelView):
    """A queue whose rows are decided on from their own page (``/review/?id=``).

    ``decisions`` maps each decision a page posts to its service, called with the row and
    the acting user ("reject" also with the reason); ``decided`` flashes the outcome and
    says where to go next; ``review_context`` is what ``review_template`` shows besides.
    """

    review_template: ClassVar[str]
    decisions: ClassVar[dict[str, Callable[..., Any]]] = {}

    def decided(self, row: Any, decision: str, outcome: Any, return_url: str) -> Response:
        raise NotImplementedError

    def review_context(self, row: Any) -> dict[str, Any]:
        return {}

    @expose("/review/", methods=("GET", "POST"))
    def review_view(self) -> Response | tuple[str, int]:
        pk = request.args.get("id", "")
        row = self.get_one(pk)
        form = RejectForm(get_form_data())
        return_url = get_redirect_target() or self.get_url(".index_view")
        if request.method != "POST":
            return self._review_page(row, form, return_url), 200
        decision = request.form.get("decision", "")
        decide = self.decisions.get(decision)
        if decide is None or (decision == "reject" and not form.validate()):
            return self._review_page(row, form, return_url), 400
        reason = (form.reason.data,) if decision == "reject" else ()
        try:
            outcome = decide(row, current_user._get_current_object(), *reason)
        except LmsError as error:
            db.session.rollback()
            flash(str(error), "warning")
            return self._review_page(self.get_one(pk), form, return_url), 409
        db.session.commit()
        return self.decided(row, decision, outcome, return_url)

    def _review_page(self, row: Any, form: RejectForm, return_url: str) -> str:
        return self.render(
            self.review_template, form=form, return_url=return_url, labels=LABELS, **self.review_context(row)
        )
