"""Is the audit log a tamper-evident chain per tenant, and does `flask lms audit-verify` find
the first edited, deleted or smuggled-in row? (issue 13, item 7)"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import AuditLog
from lms.models.enums import AuditAction
from lms.services import audit_chain
from lms.services.audit import audit
from lms.tenancy import tenant_context, unscoped
from tests.conftest import need_service
from tests.factories import TwoTenants, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    world = two_tenants()
    db.session.commit()
    return world


def _audit_commits(tenant_id: int | None, *markers: str) -> None:
    """One transaction per marker, each auditing one action."""
    for marker in markers:
        if tenant_id is None:
            audit(AuditAction.TENANT_CREATED, entity_type="tenant", entity_id=marker, marker=marker)
        else:
            with tenant_context(tenant_id):
                audit(AuditAction.RECORD_UPDATED, entity_type="tag", entity_id="1", marker=marker)
        db.session.commit()


def _chain(tenant_id: int | None) -> list[tuple[int, int, str | None, str]]:
    db.session.expire_all()
    of_chain = AuditLog.tenant_id.is_(None) if tenant_id is None else AuditLog.tenant_id == tenant_id
    with unscoped("test reads the chain"):
        return [
            tuple(row)
            for row in db.session.execute(
                sa.select(AuditLog.id, AuditLog.chain_seq, AuditLog.prev_hash, AuditLog.row_hash)
                .where(of_chain)
                .order_by(AuditLog.chain_seq)
            )
        ]


def _row_id(tenant_id: int, marker: str) -> int:
    with tenant_context(tenant_id):
        rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.tenant_id == tenant_id)).all()
        return next(row.id for row in rows if row.details.get("marker") == marker)


def test_each_tenant_and_the_platform_get_a_chain_of_their_own(world: TwoTenants) -> None:
    _audit_commits(world.acme.id, "a1", "a2")
    _audit_commits(world.globex.id, "g1")
    _audit_commits(world.acme.id, "a3")
    _audit_commits(None, "p1")

    acme, globex, platform = _chain(world.acme.id), _chain(world.globex.id), _chain(None)

    assert [seq for _, seq, _, _ in acme] == [1, 2, 3]
    assert [seq for _, seq, _, _ in globex] == [1]
    assert [seq for _, seq, _, _ in platform] == [1]
    assert acme[0][2] is None, "the first row has no predecessor"
    assert [prev for _, _, prev, _ in acme[1:]] == [row_hash for _, _, _, row_hash in acme[:-1]]
    assert all(len(row_hash) == 64 for _, _, _, row_hash in acme + globex + platform)
    for tenant_id in (world.acme.id, world.globex.id, None):
        verdict = audit_chain.verify_chain(tenant_id)
        assert verdict.broken is None
    assert audit_chain.verify_chain(world.acme.id).last_seq == 3


def test_several_rows_of_one_transaction_are_chained_in_order(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        for marker in ("x", "y", "z"):
            audit(AuditAction.RECORD_CREATED, entity_type="tag", entity_id=marker, marker=marker)
    db.session.commit()

    assert [seq for _, seq, _, _ in _chain(world.acme.id)] == [1, 2, 3]
    assert audit_chain.verify_chain(world.acme.id).broken is None


def test_a_rolled_back_transaction_leaves_no_gap(world: TwoTenants) -> None:
    _audit_commits(world.acme.id, "kept")
    with tenant_context(world.acme.id):
        audit(AuditAction.RECORD_CREATED, entity_type="tag", entity_id="1", marker="undone")
    db.session.rollback()
    _audit_commits(world.acme.id, "next")

    assert [seq for _, seq, _, _ in _chain(world.acme.id)] == [1, 2]
    assert audit_chain.verify_chain(world.acme.id).broken is None


def test_audit_verify_names_the_row_whose_details_were_edited(app: Flask, world: TwoTenants) -> None:
    _audit_commits(world.acme.id, "one", "two", "three")
    _audit_commits(world.globex.id, "untouched")
    edited = _row_id(world.acme.id, "two")
    db.session.execute(
        sa.text("UPDATE audit_log SET metadata = :forged WHERE id = :id"), {"forged": '{"marker": "2"}', "id": edited}
    )
    db.session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["lms", "audit-verify", "--tenant", "acme"])

    assert result.exit_code == 1
    assert f"chain broken at row {edited} (seq 2" in result.output
    assert "RECORD_UPDATED" in result.output
    assert "edited" in result.output
    assert runner.invoke(args=["lms", "audit-verify", "--tenant", "globex"]).exit_code == 0
    everything = runner.invoke(args=["lms", "audit-verify"])
    assert everything.exit_code == 1
    assert "tenant globex: chain verified: 1 rows" in everything.output


def test_audit_verify_notices_a_deleted_row(app: Flask, world: TwoTenants) -> None:
    _audit_commits(world.acme.id, "one", "two", "three")
    db.session.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": _row_id(world.acme.id, "two")})
    db.session.commit()
    following = _row_id(world.acme.id, "three")

    result = app.test_cli_runner().invoke(args=["lms", "audit-verify", "--tenant", "acme"])

    assert result.exit_code == 1
    assert f"chain broken at row {following} (seq 3" in result.output
    assert "deleted" in result.output


def test_audit_verify_notices_a_row_written_behind_the_applications_back(app: Flask, world: TwoTenants) -> None:
    _audit_commits(world.acme.id, "one")
    db.session.execute(
        sa.text(
            "INSERT INTO audit_log (tenant_id, action, entity_type, metadata, created_at, updated_at)"
            " VALUES (:tenant, 'RECORD_DELETED', 'tag', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"tenant": world.acme.id},
    )
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["lms", "audit-verify", "--tenant", "acme"])

    assert result.exit_code == 1
    assert "outside the chain" in result.output


def test_audit_verify_reports_an_intact_chain_and_an_unknown_tenant(app: Flask, world: TwoTenants) -> None:
    _audit_commits(world.acme.id, "one", "two")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["lms", "audit-verify", "--tenant", "acme"])

    assert result.exit_code == 0
    assert "tenant acme: chain verified: 2 rows up to " in result.output
    assert runner.invoke(args=["lms", "audit-verify", "--tenant", "nope"]).exit_code != 0


def test_the_screen_check_moves_a_checkpoint_and_stops_at_its_bound(
    world: TwoTenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    _audit_commits(world.acme.id, "one", "two", "three")
    monkeypatch.setattr(audit_chain, "SCREEN_STEP", 2)

    first = audit_chain.screen_check(world.acme.id)
    db.session.commit()
    second = audit_chain.screen_check(world.acme.id)

    assert (first.rows, first.pending, first.broken) == (2, 1, None)
    assert (second.rows, second.pending, second.broken) == (3, 0, None)


def test_the_screen_check_notices_an_edit_after_its_checkpoint_and_of_the_checkpoint(world: TwoTenants) -> None:
    _audit_commits(world.acme.id, "one")
    assert audit_chain.screen_check(world.acme.id).broken is None
    db.session.commit()
    _audit_commits(world.acme.id, "two")
    forged = sa.text("UPDATE audit_log SET entity_id = 'forged' WHERE id = :id")
    db.session.execute(forged, {"id": _row_id(world.acme.id, "two")})

    after = audit_chain.screen_check(world.acme.id)
    db.session.execute(forged, {"id": _row_id(world.acme.id, "one")})
    db.session.execute(
        sa.text("UPDATE audit_log SET row_hash = :h WHERE id = :id"),
        {"h": "0" * 64, "id": _row_id(world.acme.id, "one")},
    )
    anchor = audit_chain.screen_check(world.acme.id)

    assert after.broken is not None
    assert (after.broken.chain_seq, after.broken.reason) == (2, "hash")
    assert anchor.broken is not None
    assert anchor.broken.reason == "checkpoint"


def test_parallel_transactions_keep_one_contiguous_chain(app: Flask, committed: None) -> None:
    """Eight threads, each its own session, audit five rows per transaction at once (PostgreSQL):
    the advisory lock at commit lets each transaction chain onto the one before."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent transactions need PostgreSQL (TEST_DATABASE_URL)")
        world = two_tenants()
        tenant_ids = (world.acme.id, world.globex.id)
        db.session.commit()
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with app.app_context():
                tenant_id = tenant_ids[index % 2]
                start.wait(timeout=10)
                for round_ in range(3):
                    with tenant_context(tenant_id):
                        for n in range(5):
                            audit(AuditAction.RECORD_UPDATED, entity_type="tag", entity_id=f"{index}-{round_}-{n}")
                    db.session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with app.app_context():
        for tenant_id in tenant_ids:
            assert [seq for _, seq, _, _ in _chain(tenant_id)] == list(range(1, 4 * 3 * 5 + 1))
            assert audit_chain.verify_chain(tenant_id).broken is None
