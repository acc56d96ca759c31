"""The usage ping of the learner pages (issue 13, item 5; the rule is ``services/usage.py``).

Every member may ping, VIEWER included: reading is using. The script sends the form's
token in the ``X-CSRFToken`` header, which CSRFProtect checks before this view runs. The
answer is a few bytes of JSON and the ping runs no query beyond the signed-in request's
own and the session's one UPDATE. A session id that is not the caller's is a 404,
as another's row is everywhere else.
"""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from wtforms.validators import Optional

from lms.bad_input import RowIdField
from lms.extensions import db, limiter
from lms.forms import LmsForm
from lms.learner import bp
from lms.services import usage


class PingForm(LmsForm):
    """The tab's current session, none on its first ping."""

    class Meta:
        csrf = False  # the token comes in the X-CSRFToken header, checked by CSRFProtect

    session = RowIdField(validators=[Optional()])


def _per_user() -> str:
    """Pings are counted per person; a request that is not signed in counts by its address."""
    if current_user.is_authenticated:
        return f"usage-ping:{current_user.id}"
    return f"usage-ping-ip:{get_remote_address()}"


@bp.post("/usage/ping")
@limiter.limit("10 per minute", key_func=_per_user, scope="usage-ping")
def usage_ping() -> tuple[dict[str, object], int]:
    form = PingForm()
    if not form.validate():
        return {"error": _("The usage session must be a number.")}, 400
    try:
        session_id = usage.ping(current_user.id, form.session.data)
    except usage.SessionNotYours:
        abort(404)
    db.session.commit()
    return {"session": session_id}, 200
