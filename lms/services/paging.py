"""One page of a list, newest first, without counting the whole list.

Fetching one row more than the page tells whether an older page exists, so a page is
one query however long the history (notifications, the XP ledger).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from lms.extensions import db
from lms.models.types import MAX_ID

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    has_next: bool


def page_of(statement: sa.Select[Any], page: int, per_page: int) -> Page[Any]:
    """Page ``page`` (from 1) of ``statement``, which brings its own order.

    A page below 1 is the first; one beyond any list is empty, never an OFFSET out of the
    database's range (``?page=99999999999999999999``).
    """
    page = min(max(page, 1), MAX_ID)
    items = list(db.session.scalars(statement.offset((page - 1) * per_page).limit(per_page + 1)))
    return Page(items[:per_page], page, len(items) > per_page)


def newest_first(model: Any, user_id: int, page: int, per_page: int) -> Page[Any]:
    """Page ``page`` of one user's rows of ``model`` (the bell, the XP ledger), newest first, ties by id."""
    return page_of(
        sa.select(model).where(model.user_id == user_id).order_by(model.created_at.desc(), model.id.desc()),
        page,
        per_page,
    )
