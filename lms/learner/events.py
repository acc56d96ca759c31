"""Live events: my groups' upcoming events, past ones on a second tab, and each as a calendar file (issue 15, item 4).

Every role sees the events of its groups, VIEWER included: attending a live training is
reading, not posting. An event the user is not invited to, or another company's, is a 404.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.learner import bp
from lms.learner.forms import EmptyForm
from lms.models.types import utcnow
from lms.services import calendar_feed, live_events


@bp.get("/events")
def events_page() -> str:
    past = request.args.get("tab") == "past"
    return render_template(
        "learner/events.html",
        events=live_events.events_of(current_user.id, utcnow(), past=past),
        past=past,
        feed_url=calendar_feed.feed_url(current_user.id),
        form=EmptyForm(),
    )


@bp.get("/events/<int:event_id>.ics")
def event_calendar_file(event_id: int) -> Response:
    event = live_events.event_for(current_user.id, event_id)
    if event is None:
        abort(404)
    return Response(
        calendar_feed.event_file(event),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'},
    )
