"""Which version of each module a learner has seen: a module edited since is "updated" for them.

``UserModuleReview`` holds the version last seen. Completing a module counts as seeing it
(``completion.grant_completion``), and so does the learner's "mark as read". A module of
its own: completion needs it and progress needs completion, so in either of them it would
tie the two into an import cycle (issue 11).
"""

from __future__ import annotations

from lms.models import Module, UserModuleReview
from lms.models.types import utcnow
from lms.models.upserts import insert_or_update


def acknowledge_version(user_id: int, module: Module) -> None:
    """The learner has seen the module as it is now: no "updated" mark until the next version."""
    insert_or_update(
        UserModuleReview,
        {
            "tenant_id": module.tenant_id,
            "user_id": user_id,
            "module_id": module.id,
            "last_seen_version": module.version,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
        conflict=["tenant_id", "user_id", "module_id"],
        update=["last_seen_version", "updated_at"],
    )
