"""The mentor radar: approved links, what is new since the last visit, saved links, and the
mentors' "share a link" form (issue 15, item 3; rules in ``services.radar``).

A refusal of the radar's rules answers as the rest of the learner pages do: a post that is
not on the radar (another tenant's, waiting, archived) is a 404, a role that may not post
or save a 403, and an address the service refuses an error on the form's field, with what
was typed, as a 400.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.extensions import db
from lms.forms import LmsForm
from lms.i18n import LABELS
from lms.learner import bp
from lms.permissions import current_rights, submit_required
from lms.services import radar


class RadarPostForm(LmsForm):
    """A link to share; the address itself is judged by ``radar.clean_url``."""

    url = StringField(
        _l("Address (https://…)"),
        validators=[InputRequired(message=_l("Give the address of the link.")), Length(max=radar.MAX_URL)],
    )
    title = StringField(
        _l("Title"),
        validators=[InputRequired(message=_l("Give the link a title.")), Length(max=radar.MAX_TITLE)],
    )
    description = TextAreaField(
        _l("Why it is worth reading"), validators=[Optional(), Length(max=radar.MAX_DESCRIPTION)]
    )


class RadarSaveForm(LmsForm):
    """The save button sends the state it wants, so a double click sets the same state twice."""

    saved = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=1)])


def _may_post() -> bool:
    return radar.may_post(current_rights())


def _radar_page(form: RadarPostForm, status: int = 200) -> tuple[str, int]:
    may_post = _may_post()
    return render_template(
        "learner/radar.html",
        feed=radar.visit(current_user.id),
        form=form,
        save_form=RadarSaveForm(),
        may_post=may_post,
        mine=radar.posted_by(current_user.id) if may_post else [],
        labels=LABELS,
    ), status


@bp.get("/radar")
def radar_page() -> tuple[str, int]:
    page = _radar_page(RadarPostForm())
    db.session.commit()  # the visit: what is new next time starts from now
    return page


@bp.post("/radar")
@submit_required
def share_radar_link() -> Response | tuple[str, int]:
    if not _may_post():
        abort(403)
    form = RadarPostForm()
    if not form.validate_on_submit():
        return _radar_page(form, 400)
    try:
        radar.submit(current_user, g.tenant, form.url.data, form.title.data, form.description.data or "")
    except radar.InvalidLink as error:
        db.session.rollback()
        form.url.errors = [str(error)]
        return _radar_page(form, 400)
    db.session.commit()
    flash(_("Thank you. Your link is waiting for approval."), "success")
    return redirect(url_for("learner.radar_page"))


@bp.get("/radar/saved")
def radar_saved() -> str:
    return render_template("learner/radar_saved.html", posts=radar.saved_by(current_user.id), save_form=RadarSaveForm())


@bp.post("/radar/<int:radar_post_id>/save")
@submit_required
def save_radar_post(radar_post_id: int) -> Response:
    try:
        post = radar.get_approved(radar_post_id)
    except radar.RadarPostNotFound:
        abort(404)
    form = RadarSaveForm()
    if not form.validate_on_submit():
        abort(400)
    radar.save(current_user.id, post.id, bool(form.saved.data))
    db.session.commit()
    if request.form.get("next") == "saved":
        return redirect(url_for("learner.radar_saved"))
    return redirect(url_for("learner.radar_page"))
