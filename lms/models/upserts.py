"""INSERT … ON CONFLICT for the two databases we run on, through the ORM session.

"At most once" is a unique constraint, and a second click must be harmless: these
statements make the database decide, with no check-then-insert race (STYLE.md: data).
Values must include ``tenant_id``: ORM bulk statements skip the flush-time stamping.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from lms.extensions import db


def _insert(model: type) -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def insert_or_ignore(model: type, values: dict[str, Any], conflict: list[str], where: Any = None) -> bool:
    """Insert one row unless one with the same ``conflict`` columns exists; True if inserted.

    ``where`` names the predicate of a partial unique index that ``conflict`` refers to.
    """
    statement = _insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict, index_where=where)
    return db.session.execute(statement).rowcount == 1


def insert_returning(model: type, rows: list[dict[str, Any]], conflict: list[str], returning: Any) -> list[Any]:
    """Insert many rows, skipping those whose ``conflict`` columns exist; ``returning`` of the inserted ones.

    One statement per batch of rows (SQLAlchemy's "insertmanyvalues"), so a job claims
    thousands of keys at once and learns which ones were new.
    """
    if not rows:
        return []
    statement = _insert(model).on_conflict_do_nothing(index_elements=conflict).returning(returning)
    return list(db.session.scalars(statement, rows))


def insert_or_update(model: type, values: dict[str, Any], conflict: list[str], update: list[str]) -> None:
    """Insert one row, or update ``update`` columns of the existing one with the same ``conflict`` columns."""
    statement = _insert(model).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=conflict, set_={column: statement.excluded[column] for column in update}
    )
    db.session.execute(statement)


def insert_or_add(model: type, values: dict[str, Any], conflict: list[str], add: list[str]) -> None:
    """Insert one row, or add its ``add`` values to those of the existing one: a counter moved in one
    statement, which the database serialises on the row (``col = col + excluded.col``)."""
    statement = _insert(model).values(**values)
    columns = model.__table__.c
    statement = statement.on_conflict_do_update(
        index_elements=conflict, set_={column: columns[column] + statement.excluded[column] for column in add}
    )
    db.session.execute(statement)


def insert_select_or_ignore(model: type, columns: list[str], select: Any, conflict: list[str]) -> None:
    """INSERT … SELECT, skipping rows whose ``conflict`` columns exist (e.g. rows a rebuild adds)."""
    # ``WHERE true`` keeps SQLite from reading ON CONFLICT as the ON of a join.
    statement = _insert(model).from_select(columns, select.where(sa.true()))
    db.session.execute(statement.on_conflict_do_nothing(index_elements=conflict))
