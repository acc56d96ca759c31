"""The learner's notifications: the list behind the bell, mark one or all read (issue 6, item 7).

Every role may read and clear its own notifications, VIEWER included: marking a
notification read changes nothing but the viewer's own bell (DESIGN.md: VIEWER "cannot
submit, post or earn XP" — this is none of those). Another user's or another tenant's
notification is a 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.auth.views import safe_next
from lms.extensions import db
from lms.learner import bp
from lms.learner.forms import EmptyForm
from lms.services import notifications


@bp.get("/notifications")
def notifications_page() -> str:
    page = notifications.page_of(current_user.id, request.args.get("page", 1, type=int) or 1)
    return render_template("learner/notifications.html", page=page, form=EmptyForm())


@bp.post("/notifications/<int:notification_id>/read")
def notification_read(notification_id: int) -> Response:
    if not notifications.mark_read(current_user.id, notification_id):
        abort(404)
    db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("learner.notifications_page")))


@bp.post("/notifications/read-all")
def notifications_read_all() -> Response:
    if notifications.mark_all_read(current_user.id):
        flash(_("All notifications are marked as read."), "success")
    db.session.commit()
    return redirect(url_for("learner.notifications_page"))
