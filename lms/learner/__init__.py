"""The learner pages: server-rendered, one module per area (issue 5 onwards)."""

from flask import Blueprint

bp = Blueprint("learner", __name__)

from lms.learner import home  # noqa: E402, F401 - registers the routes
