"""The start page."""

from flask import render_template

from lms.learner import bp


@bp.get("/")
def home() -> str:
    return render_template("learner/home.html")
