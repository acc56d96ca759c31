"""Column types shared by every model, and the values their integer columns can hold."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


def utcnow() -> datetime:
    return datetime.now(UTC)


def integer_range(column_type: sa.types.TypeEngine[Any]) -> tuple[int, int] | None:
    """What an integer column holds on PostgreSQL, the narrower of our databases; None for other types.

    Input beyond it is refused where it comes in (a 404, a form error), never sent to the
    database to fail there as "integer out of range" (issue 10, item 6).
    """
    if isinstance(column_type, sa.SmallInteger):
        return -(2**15), 2**15 - 1
    if isinstance(column_type, sa.BigInteger):
        return -(2**63), 2**63 - 1
    if isinstance(column_type, sa.Integer):
        return -(2**31), 2**31 - 1
    return None


MAX_ID = 2**31 - 1  # every primary key is an INTEGER column


def is_row_id(value: object) -> bool:
    """Could ``value`` (from a URL, a form or the session) name a row? A bool is not an id."""
    return type(value) is int and 1 <= value <= MAX_ID


def row_id(value: str) -> int:
    """``int`` for an id in a query string (``request.args.get("group_id", type=row_id)``):
    ValueError, so no value at all, unless it could name a row."""
    number = int(value)
    if not is_row_id(number):
        raise ValueError(value)
    return number


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL keeps it as ``timestamptz``; SQLite has no time zones and hands back
    naive values, which this type marks as UTC so code never compares naive and aware.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Json = sa.JSON().with_variant(JSONB(), "postgresql")


def enum_type(enum_cls: type[enum.Enum], name: str | None = None) -> sa.Enum:
    """A non-native enum (VARCHAR + CHECK), as DESIGN.md asks, so adding a value is a plain migration."""
    return sa.Enum(
        enum_cls,
        name=name or _snake(enum_cls.__name__),
        native_enum=False,
        create_constraint=True,
        length=max(len(member.name) for member in enum_cls),
        validate_strings=True,
    )


def _snake(name: str) -> str:
    out: list[str] = []
    for index, char in enumerate(name):
        if char.isupper() and index:
            out.append("_")
        out.append(char.lower())
    return "".join(out)
