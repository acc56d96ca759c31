"""Column labels the admin screens share: a column is called the same on every screen showing it.

``TenantModelView`` starts every view's ``column_labels`` from these; a view names only
its own columns and the ones it calls otherwise (``created_at`` is "Joined" for a member).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

COLUMN_LABELS: dict[str, Any] = {
    "title": _l("Title"),
    "name": _l("Name"),
    "description": _l("Description"),
    "status": _l("Status"),
    "type": _l("Type"),
    "version": _l("Version"),
    "sort_order": _l("Order"),
    "is_active": _l("Active"),
    "active": _l("Active"),
    "reason": _l("Reason"),
    "created_at": _l("Created"),
    "published_at": _l("Published"),
    "reviewed_at": _l("Reviewed"),
    "reviewed_by": _l("Reviewed by"),
    "rejection_reason": _l("Reason for rejecting"),
    "user": _l("Learner"),
    "user.name": _l("Learner"),
    "user.email": _l("Email"),
    "module": _l("Module"),
    "module.title": _l("Module"),
    "quiz": _l("Quiz"),
    "quiz.title": _l("Quiz"),
    "group": _l("Group"),
    "group.name": _l("Group"),
}
