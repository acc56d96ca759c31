"""The start page."""

from flask import render_template
from flask_login import current_user

from lms.learner import bp
from lms.services.dashboard import dashboard


@bp.get("/")
def home() -> str:
    return render_template("learner/dashboard.html", board=dashboard(current_user.id))
