"""Does migration 0008 name the evidence of existing certificates and chain the existing audit
rows, so an upgraded database verifies? (issue 13, item 7)"""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import drop_postgres_database, fresh_postgres_database, need_service, postgres_admin_url
from tests.processes import environment, run_flask


def _flask(args: list[str], database_url: str, instance: Path) -> subprocess.CompletedProcess[str]:
    env = environment(
        without=("REDIS_URL",), DATABASE_URL=database_url, LMS_ENV="development", LMS_INSTANCE_PATH=str(instance)
    )
    return run_flask(args, env)


_ROWS = """
INSERT INTO tenant (id, slug, name, plan, locale, theme, timezone, settings, is_active, created_at, updated_at)
VALUES (1, 'acme', 'Acme', 'PRO', 'en', 'DEFAULT', 'UTC', '{}', :yes, :t0, :t0);
INSERT INTO "user" (id, email, name, role, is_active, session_version, created_at, updated_at)
VALUES (1, 'ana@acme.test', 'Ana', 'EMPLOYEE', :yes, 1, :t0, :t0);
INSERT INTO module (id, tenant_id, title, description, status, difficulty, version, created_at, updated_at)
VALUES (1, 1, 'Quiz module', '', 'PUBLISHED', 'BEGINNER', 1, :t0, :t0),
       (2, 1, 'Override module', '', 'PUBLISHED', 'BEGINNER', 1, :t0, :t0),
       (3, 1, 'Sections module', '', 'PUBLISHED', 'BEGINNER', 1, :t0, :t0);
INSERT INTO quiz (id, tenant_id, module_id, title, passing_score, created_at, updated_at)
VALUES (1, 1, 1, 'Quiz', 70, :t0, :t0);
INSERT INTO quiz_attempt (id, tenant_id, quiz_id, user_id, attempt_number, started_at, submitted_at, passed,
                          answers, created_at, updated_at)
VALUES (1, 1, 1, 1, 1, :t8, :t9, :yes, '{}', :t8, :t8),
       (2, 1, 1, 1, 2, :t9, :t9, :no, '{}', :t9, :t9),
       (3, 1, 1, 1, 3, :t11, :t11, :yes, '{}', :t11, :t11);
INSERT INTO progress_override (id, tenant_id, user_id, module_id, reason, allow_certificate, created_at, updated_at)
VALUES (1, 1, 1, 2, 'Trained elsewhere', :yes, :t8, :t8),
       (2, 1, 1, 2, 'Noted only', :no, :t9, :t9);
INSERT INTO certificate (id, tenant_id, user_id, module_id, unique_code, module_version, completed_at, issued_at,
                         created_at, updated_at)
VALUES (1, 1, 1, 1, 'AAAAAAAAAAAAAAAA', 1, :t10, :t10, :t10, :t10),
       (2, 1, 1, 2, 'BBBBBBBBBBBBBBBB', 1, :t10, :t10, :t10, :t10),
       (3, 1, 1, 3, 'CCCCCCCCCCCCCCCC', 1, :t10, :t10, :t10, :t10);
INSERT INTO audit_log (id, tenant_id, actor_id, action, entity_type, entity_id, metadata, created_at, updated_at)
VALUES (1, 1, 1, 'RECORD_CREATED', 'module', '1', '{"changes": {"title": "Quiz module"}}', :t8, :t8),
       (2, NULL, NULL, 'TENANT_CREATED', 'tenant', '1', '{}', :t8, :t8),
       (3, 1, 1, 'PROGRESS_OVERRIDDEN', 'progress_override', '1', '{"reason": "Trained elsewhere"}', :t9, :t9),
       (4, 1, NULL, 'LOGIN_FAILED', 'user', NULL, '{"email": "x@acme.test"}', :t10, :t10)
"""


def _upgrade_with_old_rows(url: str, instance: Path) -> sa.Engine:
    at_0007 = _flask(["db", "upgrade", "0007"], url, instance)
    assert at_0007.returncode == 0, at_0007.stderr
    engine = sa.create_engine(url)
    postgres = engine.dialect.name == "postgresql"

    def at(hour: int) -> datetime:
        moment = datetime(2026, 1, 5, hour, tzinfo=UTC)
        return moment if postgres else moment.replace(tzinfo=None)

    values = {"yes": True, "no": False, **{f"t{hour}": at(hour) for hour in (0, 8, 9, 10, 11)}}
    with engine.begin() as connection:
        for statement in _ROWS.strip().split(";\n"):
            connection.execute(sa.text(statement), values)
    upgraded = _flask(["db", "upgrade"], url, instance)
    assert upgraded.returncode == 0, upgraded.stderr
    return engine


def _check_backfill(engine: sa.Engine, url: str, instance: Path) -> None:
    with engine.connect() as connection:
        sources = connection.execute(
            sa.text("SELECT id, quiz_attempt_id, progress_override_id FROM certificate ORDER BY id")
        ).all()
        chain = connection.execute(
            sa.text("SELECT id, tenant_id, chain_seq, prev_hash IS NULL FROM audit_log ORDER BY id")
        ).all()
    engine.dispose()

    assert [tuple(row) for row in sources] == [(1, 1, None), (2, None, 1), (3, None, None)]
    assert [tuple(row) for row in chain] == [(1, 1, 1, True), (2, None, 1, True), (3, 1, 2, False), (4, 1, 3, False)]
    verified = _flask(["lms", "audit-verify"], url, instance)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "tenant acme: chain verified: 3 rows" in verified.stdout
    assert "platform: chain verified: 1 rows" in verified.stdout


def test_sqlite_upgrade_backfills_evidence_and_chain_and_downgrades_keeping_the_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _check_backfill(_upgrade_with_old_rows(url, tmp_path), url, tmp_path)

    downgraded = _flask(["db", "downgrade", "0007"], url, tmp_path)

    assert downgraded.returncode == 0, downgraded.stderr
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM certificate")).scalar() == 3
        assert connection.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() == 4
        index = connection.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE name = 'ix_certificate_user_id_module_id'")
        ).scalar()
    engine.dispose()
    assert "WHERE previous_certificate_id IS NULL" in index, "the rebuilt table keeps its partial index"


def test_postgresql_upgrade_backfills_certificate_evidence_and_the_audit_chain(tmp_path: Path) -> None:
    admin_url = postgres_admin_url()
    if admin_url is None:
        need_service("TEST_DATABASE_URL is not set")
    name = f"lms_evidence_{uuid.uuid4().hex[:8]}"
    url = fresh_postgres_database(admin_url, name)
    try:
        _check_backfill(_upgrade_with_old_rows(url, tmp_path), url, tmp_path)
    finally:
        drop_postgres_database(admin_url, name)
