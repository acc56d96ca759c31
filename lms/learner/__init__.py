"""The learner pages: server-rendered, one module per area; all of them inside a tenant."""

from flask import Blueprint, g

from lms.auth.context import require_tenant
from lms.permissions import can_submit

bp = Blueprint("learner", __name__)
bp.before_request(require_tenant)


@bp.context_processor
def _learner_context() -> dict[str, object]:
    return {"can_submit": can_submit(g.get("role"))}


# Importing the modules registers their routes.
from lms.learner import (  # noqa: E402, F401
    calendar,
    certificates,
    chat,
    comments,
    content_images,
    dashboard,
    events,
    module_list,
    notifications,
    quizzes,
    radar,
    reader,
    rewards,
    settings,
    suggestions,
    updates,
    usage,
    video,
    xp,
)
