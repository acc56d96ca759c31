"""The learner pages: server-rendered, one module per area; all of them inside a tenant."""

from flask import Blueprint

from lms.auth.context import require_tenant

bp = Blueprint("learner", __name__)
bp.before_request(require_tenant)

from lms.learner import home  # noqa: E402, F401 - registers the routes
