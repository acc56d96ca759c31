"""The audit trail (DESIGN.md: audit): one row per admin write or sensitive action.

``audit`` adds the row to the current session, so it commits or rolls back with the
change it describes; ``audit_chain`` seals it into its tenant's hash chain at the commit.
Who acted and from where is set once per request by
``set_actor`` (the web layer) and is empty in jobs; a caller may name the actor itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from lms.extensions import db
from lms.models import AuditLog
from lms.models.enums import AuditAction
from lms.services import audit_chain  # noqa: F401 - its session hooks seal new rows at commit

_ACTOR = "lms.audit_actor"


def set_actor(actor_id: int | None, ip_address: str | None) -> None:
    db.session.info[_ACTOR] = (actor_id, ip_address)


def audit(
    action: AuditAction,
    entity: Any = None,
    *,
    entity_type: str | None = None,
    entity_id: Any = None,
    actor_id: int | None = None,
    **metadata: Any,
) -> AuditLog:
    """Record ``action`` on ``entity`` (a model, or ``entity_type``/``entity_id``) with ``metadata``."""
    if entity is not None:
        entity_type = entity_type or entity.__tablename__
        if entity_id is None:
            state = inspect(entity)
            if state.pending:
                db.session.flush()  # a new row gets its id, so the trail can name it
            identity = state.identity
            entity_id = ",".join(str(part) for part in identity) if identity else getattr(entity, "id", None)
    default_actor, ip_address = db.session.info.get(_ACTOR, (None, None))
    row = AuditLog(
        action=action,
        entity_type=entity_type or "",
        entity_id=None if entity_id is None else str(entity_id),
        actor_id=actor_id if actor_id is not None else default_actor,
        ip_address=ip_address,
        details=_jsonable(metadata),
    )
    db.session.add(row)
    return row


def _jsonable(value: Any) -> Any:
    """Metadata as JSON: enums by name, dates as ISO text, anything else as text."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "name") and hasattr(value, "value"):
        return value.name
    return str(value)
