"""Does a page of a long list show its rows and tell whether an older page exists, in one query?"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Tag
from lms.models.types import MAX_ID
from lms.services.paging import page_of
from lms.tenancy import tenant_context
from tests.factories import two_tenants


@pytest.fixture
def tags(app_ctx: Flask) -> Iterator[sa.Select[tuple[Tag]]]:
    """Seven tags of acme (t1 … t7), listed newest first, inside acme."""
    tenants = two_tenants()
    with tenant_context(tenants.acme.id):
        db.session.add_all(Tag(name=f"t{number}") for number in range(1, 8))
        db.session.flush()
        yield sa.select(Tag).order_by(Tag.id.desc())


def _names(statement: sa.Select[tuple[Tag]], page: int, per_page: int = 3) -> tuple[list[str], int, bool]:
    result = page_of(statement, page, per_page)
    return [tag.name for tag in result.items], result.page, result.has_next


def test_pages_follow_the_statements_order_and_know_when_an_older_page_exists(tags: sa.Select[tuple[Tag]]) -> None:
    assert _names(tags, 1) == (["t7", "t6", "t5"], 1, True)
    assert _names(tags, 2) == (["t4", "t3", "t2"], 2, True)
    assert _names(tags, 3) == (["t1"], 3, False)


def test_a_list_that_fills_its_last_page_exactly_has_no_next_page(tags: sa.Select[tuple[Tag]]) -> None:
    assert _names(tags, 1, per_page=7) == (["t7", "t6", "t5", "t4", "t3", "t2", "t1"], 1, False)


@pytest.mark.parametrize("page", [0, -5])
def test_a_page_below_one_is_the_first(tags: sa.Select[tuple[Tag]], page: int) -> None:
    assert _names(tags, page) == (["t7", "t6", "t5"], 1, True)


@pytest.mark.parametrize("page", [4, MAX_ID, 10**20])
def test_a_page_beyond_the_list_is_empty_not_an_error(tags: sa.Select[tuple[Tag]], page: int) -> None:
    assert _names(tags, page)[0] == []
    assert _names(tags, page)[2] is False


def test_a_page_is_one_query_however_long_the_list(tags: sa.Select[tuple[Tag]], count_queries: list[str]) -> None:
    page_of(tags, 2, 3)

    assert len(count_queries) == 1
    assert "count(" not in count_queries[0].lower()
