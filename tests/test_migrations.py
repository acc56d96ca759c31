"""Do migrations build the whole schema on fresh SQLite and PostgreSQL, leaving nothing to generate?"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

import lms.models  # noqa: F401 - registers every table in the metadata
from lms.extensions import db
from tests.conftest import drop_postgres_database, fresh_postgres_database, need_service, postgres_admin_url
from tests.processes import environment, run_flask


def flask(args: list[str], database_url: str, instance: Path) -> subprocess.CompletedProcess[str]:
    env = environment(
        without=("REDIS_URL",), DATABASE_URL=database_url, LMS_ENV="development", LMS_INSTANCE_PATH=str(instance)
    )
    return run_flask(args, env)


def _upgrade_and_check(database_url: str, instance: Path) -> None:
    upgraded = flask(["db", "upgrade"], database_url, instance)
    assert upgraded.returncode == 0, upgraded.stderr
    checked = flask(["db", "check"], database_url, instance)
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr
    engine = sa.create_engine(database_url)
    try:
        tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    assert tables == set(db.metadata.tables)


def test_fresh_sqlite_upgrades_and_check_is_clean(tmp_path: Path) -> None:
    _upgrade_and_check(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path)


def test_fresh_sqlite_downgrades_to_empty_and_upgrades_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert flask(["db", "upgrade"], url, tmp_path).returncode == 0
    downgraded = flask(["db", "downgrade", "base"], url, tmp_path)
    assert downgraded.returncode == 0, downgraded.stderr
    engine = sa.create_engine(url)
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    assert flask(["db", "upgrade"], url, tmp_path).returncode == 0


def test_fresh_postgresql_upgrades_and_check_is_clean(tmp_path: Path) -> None:
    admin_url = postgres_admin_url()
    if admin_url is None:
        need_service("TEST_DATABASE_URL is not set")
    name = f"lms_migrations_{uuid.uuid4().hex[:8]}"
    url = fresh_postgres_database(admin_url, name)
    try:
        _upgrade_and_check(url, tmp_path)
    finally:
        drop_postgres_database(admin_url, name)


@pytest.mark.parametrize("table", ["module", "reward", "knowledge_suggestion"])
def test_same_tenant_parents_carry_a_tenant_and_id_key(table: str) -> None:
    """Children point at (tenant_id, id), so a cross-tenant link is impossible in the database."""
    uniques = [
        tuple(c.name for c in constraint.columns)
        for constraint in db.metadata.tables[table].constraints
        if isinstance(constraint, sa.UniqueConstraint)
    ]
    assert ("tenant_id", "id") in uniques
