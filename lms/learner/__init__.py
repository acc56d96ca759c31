"""The learner pages: server-rendered, one module per area; all of them inside a tenant."""

from flask import Blueprint, g

from lms.auth.context import require_tenant
from lms.permissions import can_submit

bp = Blueprint("learner", __name__)
bp.before_request(require_tenant)


@bp.context_processor
def _learner_context() -> dict[str, object]:
    return {"can_submit": can_submit(g.get("role"))}


from lms.learner import catalog, certificates, dashboard, notifications, quizzes, reader, rewards, updates, xp  # noqa: E402, F401 - registers the routes
