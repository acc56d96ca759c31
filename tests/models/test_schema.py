"""Is the data model the whole of spec/schema.md: tables, enums, indexes, tenant ownership?"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

import lms.models  # noqa: F401 - registers every table in the metadata
from lms.extensions import db
from lms.models import enums
from lms.models.base import TenantScoped

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "schema.md"


def _spec_text() -> str:
    if not SPEC.exists():
        pytest.fail(f"the spec is expected beside the repository at {SPEC}")
    return SPEC.read_text()


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# Tables of the machinery, not of the domain the spec describes: the job outbox (issue 10, DESIGN.md: jobs),
# xp_month, the monthly leaderboard's summary of the ledger, an addition to the spec for speed (issue 12),
# audit_checkpoint, how far each company's audit hash chain is verified (issue 13, item 7),
# activity_period / activity_rollup, analytics' active learners per day and week (issue 13, speed), and
# calendar_feed, each member's private calendar link, revocable (issue 15, item 4).
NOT_IN_SPEC = {"job_outbox", "xp_month", "audit_checkpoint", "activity_period", "activity_rollup", "calendar_feed"}


def test_every_table_of_the_spec_exists() -> None:
    spec_tables = re.findall(r"^\| \*\*(\w+)\*\* \|", _spec_text(), flags=re.MULTILINE)
    assert len(spec_tables) == 50
    assert sorted(_snake(name) for name in spec_tables) == sorted(set(db.metadata.tables) - NOT_IN_SPEC)


# Values added to a spec enum, after the spec's own: the media library's own storage backends
# (issue 16: ``provider`` records where the bytes live, on local disk or an S3-compatible bucket).
ADDED_VALUES = {"MediaProvider": ["LOCAL", "S3"]}


def test_every_enum_has_exactly_the_spec_values() -> None:
    rows = re.findall(r"^\| (\w+)(?: \(global\))? \| ([A-Z_, ()0-9]+) \|$", _spec_text(), flags=re.MULTILINE)
    checked = 0
    for name, values in rows:
        listed = [re.sub(r"\s*\(\d+\)", "", value).strip() for value in values.split(",")]
        assert [member.name for member in getattr(enums, name)] == listed + ADDED_VALUES.get(name, []), name
        checked += 1
    assert checked == 23
    assert len(enums.AuditAction) == 45
    assert next(iter(enums.AuditAction)).name == "USER_CREATED"
    assert list(enums.AuditAction)[-1].name == "SUGGESTION_CONVERTED"


def test_rank_thresholds_follow_the_spec() -> None:
    assert [rank.threshold for rank in enums.ReputationRank] == [0, 1500, 3500, 6000]


def _tenant_tables() -> list[sa.Table]:
    return [mapper.local_table for mapper in db.Model.registry.mappers if issubclass(mapper.class_, TenantScoped)]


def test_tenant_owned_tables_have_an_indexed_tenant_id() -> None:
    tables = _tenant_tables()
    assert len(tables) >= 44
    for table in tables:
        column = table.c.tenant_id
        assert column.nullable is (table.name == "audit_log"), table.name
        indexed = any(next(iter(index.columns), None) is column for index in table.indexes) or any(
            next(iter(constraint.columns)) is column
            for constraint in table.constraints
            if isinstance(constraint, (sa.UniqueConstraint, sa.PrimaryKeyConstraint))
        )
        assert indexed, f"{table.name}.tenant_id is not the leading column of an index"


def _has_index(table: str, columns: tuple[str, ...], *, unique: bool = False) -> bool:
    t = db.metadata.tables[table]
    candidates = [(tuple(c.name for c in index.columns), index.unique) for index in t.indexes]
    candidates += [
        (tuple(c.name for c in constraint.columns), True)
        for constraint in t.constraints
        if isinstance(constraint, (sa.UniqueConstraint, sa.PrimaryKeyConstraint))
    ]
    return any(cols[: len(columns)] == columns and (is_unique or not unique) for cols, is_unique in candidates)


@pytest.mark.parametrize(
    ("table", "columns", "unique"),
    [
        ("tenant", ("slug",), True),
        ("user", ("email",), True),
        ("module", ("tenant_id", "status"), False),
        ("module", ("created_by_id",), False),
        ("section_completion", ("user_id", "tenant_id"), False),
        ("quiz_attempt", ("user_id", "quiz_id"), False),
        ("quiz_attempt", ("user_id", "tenant_id", "passed"), False),
        ("notification", ("user_id", "is_read"), False),
        ("notification", ("user_id", "tenant_id", "is_read"), False),
        ("audit_log", ("tenant_id", "created_at"), False),
        ("audit_log", ("entity_type", "entity_id"), False),
        ("chat_message", ("tenant_id", "created_at"), False),
        ("chat_message", ("tenant_id", "module_id", "id"), False),
        ("mentor_radar_post", ("tenant_id", "status", "approved_at"), False),
        ("mentor_radar_post", ("tenant_id", "pinned", "approved_at"), False),
        ("xp_transaction", ("tenant_id", "user_id", "created_at"), False),
        ("xp_transaction", ("tenant_id", "created_at"), False),
        ("user_xp_balance", ("tenant_id", "lifetime_xp"), False),
        ("user_xp_balance", ("tenant_id", "total_xp"), False),
        ("reward", ("tenant_id", "active"), False),
        ("reward_redemption", ("tenant_id", "user_id", "created_at"), False),
        ("reward_redemption", ("tenant_id", "status"), False),
        ("reward_redemption", ("reward_id", "created_at"), False),
        ("knowledge_suggestion", ("tenant_id", "status", "created_at"), False),
        ("knowledge_suggestion", ("tenant_id", "vote_count"), False),
        ("knowledge_suggestion_comment", ("suggestion_id", "created_at"), False),
    ],
)
def test_spec_index_exists(table: str, columns: tuple[str, ...], unique: bool) -> None:
    assert _has_index(table, columns, unique=unique)


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("section_completion", ("user_id", "section_id")),
        ("user_xp_balance", ("user_id", "tenant_id")),
        ("knowledge_suggestion_vote", ("user_id", "suggestion_id")),
        ("certificate", ("unique_code",)),
    ],
)
def test_spec_unique_pair_exists(table: str, columns: tuple[str, ...]) -> None:
    t = db.metadata.tables[table]
    uniques = [
        {c.name for c in constraint.columns}
        for constraint in t.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    ] + [{c.name for c in index.columns} for index in t.indexes if index.unique]
    assert any(set(columns) <= cols and cols - set(columns) <= {"tenant_id"} for cols in uniques)
