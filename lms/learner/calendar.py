"""The private calendar feed: its public address, and regenerating or revoking it (issue 15, item 4).

``/calendar/<token>.ics`` belongs to a blueprint of its own, outside the learner pages:
calendar apps fetch it with no session and no company chosen, and the token alone says
whose feed it is (``services/calendar_feed.py``). Unknown, revoked and stale tokens are
the same plain 404; the address is rate-limited per client, as ``/verify`` is, so tokens
cannot be tried in bulk (256 bits make that hopeless anyway).

Regenerating and revoking are the signed-in user's own POSTs, from the settings page or
the events page (``templates/learner/_calendar_feed.html``); every role may, VIEWER
included: the feed is their own, and changing it posts nothing for anyone else.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.auth.views import safe_next
from lms.extensions import db, limiter
from lms.learner import bp
from lms.learner.forms import EmptyForm
from lms.services import calendar_feed

feed_bp = Blueprint("calendar", __name__)


@feed_bp.get("/calendar/<token>.ics")
@limiter.limit("60 per minute", scope="calendar-feed")
def feed(token: str) -> Response:
    found = calendar_feed.feed_for_token(token)
    if found is None:
        abort(404)
    return Response(
        calendar_feed.feed_calendar(found),
        mimetype="text/calendar",
        headers={"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"},
    )


def _back() -> Response:
    return redirect(safe_next(request.form.get("next"), url_for("learner.events_page")))


@bp.post("/calendar/regenerate")
def calendar_feed_regenerate() -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    calendar_feed.regenerate(current_user.id)
    db.session.commit()
    flash(_("Your calendar link is ready. Any earlier link no longer works."), "success")
    return _back()


@bp.post("/calendar/revoke")
def calendar_feed_revoke() -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    if calendar_feed.revoke(current_user.id):
        flash(_("Your calendar link is turned off."), "success")
    db.session.commit()
    return _back()
