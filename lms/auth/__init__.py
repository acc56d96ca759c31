"""Sign-in, sign-out, invites, password resets and the choice of tenant."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from lms.auth import invites, views  # noqa: E402, F401 - registers the routes
