"""The audit log as a hash chain per tenant: tamper-evident evidence (issue 13, item 7; DESIGN.md: audit).

Each AuditLog row carries ``row_hash`` = SHA-256 over a canonical form of its content
(id, tenant, actor, action, entity, details as sorted JSON, IP, the moment in UTC) together
with its ``chain_seq`` and ``prev_hash``, the hash of the row before it in the same chain.
Each tenant has its own chain; platform events (tenant_id NULL) form one more. Editing a
row changes its hash; deleting one leaves a gap in ``chain_seq`` and a ``prev_hash`` that
names a row no longer there; rewriting the whole tail means recomputing every later hash,
which the checkpoint (``AuditCheckpoint``) and anyone holding an old head hash would notice.

Sealing happens when the transaction commits, not when ``audit()`` adds the row: a
``before_commit`` hook takes the chain's lock (PostgreSQL: ``pg_advisory_xact_lock`` per
tenant, held to the end of the transaction; SQLite: writers are serialised already by
``BEGIN IMMEDIATE``), reads the head, and numbers and hashes the transaction's new rows in
id order. Two transactions auditing at once therefore never chain onto the same
predecessor, and since the lock is the last one a transaction takes, it cannot deadlock
against the row locks taken before it. Rows are hashed as the database returns them
(re-read after the flush), so the verifier, which reads them the same way, agrees.

Verification walks a chain in ``chain_seq`` order in chunks (constant memory): the CLI
(``flask lms audit-verify``) walks all of it; the audit screen walks from its checkpoint
at most ``SCREEN_STEP`` rows per visit and moves the checkpoint forward; a longer backlog
is left to the CLI, which moves the checkpoint to the head of every intact chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased

from lms.extensions import Session, db
from lms.models import AuditLog, Tenant
from lms.models.audit import AuditCheckpoint
from lms.models.types import utcnow
from lms.models.upserts import insert_or_update
from lms.tenancy import tenant_context, unscoped

CHAIN_LOCK = 1_300_713  # the advisory lock class of audit chains; the second key is the tenant (0: platform)
CHUNK = 1_000
SCREEN_STEP = 2_000  # rows hashed per audit-screen visit: ~30 µs each, so well under 100 ms
_TOUCHED = "lms.audit_chains_touched"


def digest(
    *,
    id: int,
    tenant_id: int | None,
    chain_seq: int,
    prev_hash: str | None,
    actor_id: int | None,
    action: str,
    entity_type: str,
    entity_id: str | None,
    details: Any,
    ip_address: str | None,
    created_at: datetime,
) -> str:
    """SHA-256 (hex) of one row's canonical form; plain values, so migration 0008 hashes old rows alike."""
    canonical = json.dumps(
        {
            "id": id,
            "tenant": tenant_id,
            "seq": chain_seq,
            "prev": prev_hash,
            "actor": actor_id,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "details": details,
            "ip": ip_address,
            "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def hash_of(row: AuditLog, chain_seq: int, prev_hash: str | None) -> str:
    """The hash ``row`` has at ``chain_seq`` after ``prev_hash``."""
    return digest(
        id=row.id,
        tenant_id=row.tenant_id,
        chain_seq=chain_seq,
        prev_hash=prev_hash,
        actor_id=row.actor_id,
        action=row.action.value,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        details=row.details,
        ip_address=row.ip_address,
        created_at=row.created_at,
    )


# --- Sealing at commit ---------------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _note_new_rows(session: OrmSession, flush_context: Any) -> None:
    """Remember which chains this transaction added rows to (``session.new`` is still pre-flush here)."""
    tenants = {obj.tenant_id for obj in session.new if isinstance(obj, AuditLog)}
    if tenants:
        session.info.setdefault(_TOUCHED, set()).update(tenants)


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: OrmSession) -> None:
    if any(isinstance(obj, AuditLog) for obj in session.new):
        session.flush()  # rows still pending are noted by ``_note_new_rows``
    if not session.info.get(_TOUCHED):
        return
    tenants = session.info.pop(_TOUCHED, set())
    for tenant_id in sorted(tenants, key=lambda tenant: tenant or 0):
        if tenant_id is None:
            with unscoped("seal the platform audit chain"):
                _seal(session, None)
                session.flush()
        else:
            with tenant_context(tenant_id):
                _seal(session, tenant_id)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: OrmSession) -> None:
    session.info.pop(_TOUCHED, None)


def _of_chain(tenant_id: int | None) -> sa.ColumnElement[bool]:
    return AuditLog.tenant_id.is_(None) if tenant_id is None else AuditLog.tenant_id == tenant_id


def _seal(session: OrmSession, tenant_id: int | None) -> None:
    """Number and hash the chain's unsealed rows after its head, under the chain's lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK, tenant_id or 0)))
    head = session.execute(
        sa.select(AuditLog.chain_seq, AuditLog.row_hash)
        .where(_of_chain(tenant_id), AuditLog.chain_seq.is_not(None))
        .order_by(AuditLog.chain_seq.desc())
        .limit(1)
    ).first()
    seq, previous = (head.chain_seq, head.row_hash) if head is not None else (0, None)
    rows = session.scalars(
        sa.select(AuditLog)
        .where(_of_chain(tenant_id), AuditLog.chain_seq.is_(None))
        .order_by(AuditLog.id)
        .execution_options(populate_existing=True)
    ).all()
    for row in rows:
        seq += 1
        row.chain_seq, row.prev_hash, row.row_hash = seq, previous, hash_of(row, seq, previous)
        previous = row.row_hash


# --- Verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first place a chain does not hold: the row (None when it is gone) and why."""

    row_id: int | None
    chain_seq: int | None
    created_at: datetime | None
    action: str | None
    reason: str


BREAK_REASONS = {
    "hash": "its content does not match its hash (edited)",
    "prev": "it does not follow the row before it (a row was deleted or replaced)",
    "gap": "the sequence skips a number (a row was deleted)",
    "unsealed": "it is outside the chain (written behind the application's back)",
    "checkpoint": "the row last verified has changed or is gone",
}


@dataclass(frozen=True)
class Verdict:
    """The outcome of a walk: the last row found intact, and the first break if any."""

    last_seq: int
    last_hash: str | None
    last_at: datetime | None
    broken: Break | None = None
    unverified: int = 0  # rows after ``last_seq`` left for a later walk (the screen's bound)


def _columns_of(entity: Any) -> tuple[Any, ...]:
    """What hashing and reporting a row need, as plain columns (no ORM objects kept in the session)."""
    return tuple(
        getattr(entity, name).label(name)
        for name in (
            "id",
            "tenant_id",
            "chain_seq",
            "prev_hash",
            "row_hash",
            "actor_id",
            "action",
            "entity_type",
            "entity_id",
            "details",
            "ip_address",
            "created_at",
        )
    )


_COLUMNS = _columns_of(AuditLog)


def _break(row: Any, reason: str) -> Break:
    return Break(row.id, row.chain_seq, row.created_at, row.action.value, reason)


def _rows_after(tenant_id: int | None, seq: int) -> Iterator[Any]:
    """The chain's rows after ``seq`` in order, as plain rows read ``CHUNK`` at a time by key:
    constant memory however long the chain, and nothing kept in the session."""
    while True:
        chunk = db.session.execute(
            sa.select(*_COLUMNS)
            .where(_of_chain(tenant_id), AuditLog.chain_seq > seq)
            .order_by(AuditLog.chain_seq)
            .limit(CHUNK)
        ).all()
        if not chunk:
            return
        yield from chunk
        if len(chunk) < CHUNK:
            return
        seq = chunk[-1].chain_seq


def walk(
    tenant_id: int | None,
    *,
    after_seq: int = 0,
    after_hash: str | None = None,
    after_at: datetime | None = None,
    limit: int | None = None,
) -> Verdict:
    """Verify the chain from the row after ``after_seq`` (whose hash is ``after_hash``) to the
    head, or ``limit`` rows of it. The caller picks the scope (``tenant_context``, or
    ``unscoped`` for the platform chain). A committed row left unsealed is a break too."""
    seq, previous, last_at, count = after_seq, after_hash, after_at, 0
    for row in _rows_after(tenant_id, after_seq):
        if limit is not None and count >= limit:
            remaining = db.session.scalar(
                sa.select(sa.func.count()).select_from(AuditLog).where(_of_chain(tenant_id), AuditLog.chain_seq > seq)
            )
            return Verdict(seq, previous, last_at, unverified=remaining or 0)
        reason = None
        if row.chain_seq != seq + 1:
            reason = "gap"
        elif row.prev_hash != previous:
            reason = "prev"
        elif row.row_hash != hash_of(row, row.chain_seq, row.prev_hash):
            reason = "hash"
        if reason is not None:
            return Verdict(seq, previous, last_at, _break(row, reason))
        seq, previous, last_at, count = row.chain_seq, row.row_hash, row.created_at, count + 1
    stray = db.session.execute(
        sa.select(*_COLUMNS).where(_of_chain(tenant_id), AuditLog.chain_seq.is_(None)).order_by(AuditLog.id).limit(1)
    ).first()
    if stray is not None:
        return Verdict(seq, previous, last_at, _break(stray, "unsealed"))
    return Verdict(seq, previous, last_at)


@dataclass(frozen=True)
class ChainState:
    """What the audit screen says: ``rows`` verified, up to the moment of the last of them;
    ``pending`` newer rows left for later; or the first break."""

    rows: int
    verified_up_to: datetime | None
    pending: int
    broken: Break | None


def screen_check(tenant_id: int) -> ChainState:
    """Verify the tenant's chain from its checkpoint, at most ``SCREEN_STEP`` rows, and move the
    checkpoint to the last row found intact. The caller commits (the checkpoint is a write)."""
    with tenant_context(tenant_id):
        anchor = aliased(AuditLog)
        mark = db.session.execute(
            sa.select(
                AuditCheckpoint.chain_seq.label("checkpoint_seq"),
                AuditCheckpoint.row_hash.label("checkpoint_hash"),
                *_columns_of(anchor),
            )
            .outerjoin(
                anchor,
                sa.and_(anchor.tenant_id == AuditCheckpoint.tenant_id, anchor.chain_seq == AuditCheckpoint.chain_seq),
            )
            .where(AuditCheckpoint.tenant_id == tenant_id)
        ).first()
        start_seq, start_hash, start_at = 0, None, None
        if mark is not None:
            seq, expected = mark.checkpoint_seq, mark.checkpoint_hash
            if mark.id is None or mark.row_hash != expected:
                broken = (
                    _break(mark, "checkpoint") if mark.id is not None else Break(None, seq, None, None, "checkpoint")
                )
                return ChainState(seq, None, 0, broken)
            start_seq, start_hash, start_at = seq, expected, mark.created_at
        verdict = walk(tenant_id, after_seq=start_seq, after_hash=start_hash, after_at=start_at, limit=SCREEN_STEP)
        if verdict.last_seq > start_seq:
            advance(tenant_id, verdict.last_seq, verdict.last_hash)
        return ChainState(verdict.last_seq, verdict.last_at, verdict.unverified, verdict.broken)


def advance(tenant_id: int, chain_seq: int, row_hash: str | None) -> None:
    """Record the tenant's checkpoint: the row ``chain_seq`` with ``row_hash`` was found intact."""
    if row_hash is None:
        return
    now = utcnow()
    insert_or_update(
        AuditCheckpoint,
        {
            "tenant_id": tenant_id,
            "chain_seq": chain_seq,
            "row_hash": row_hash,
            "verified_at": now,
            "created_at": now,
            "updated_at": now,
        },
        conflict=["tenant_id"],
        update=["chain_seq", "row_hash", "verified_at", "updated_at"],
    )


def every_chain() -> list[int | None]:
    """Each tenant's chain, then the platform's (None)."""
    return [*db.session.scalars(sa.select(Tenant.id).order_by(Tenant.id)), None]


def verify_chain(tenant_id: int | None) -> Verdict:
    """Walk one whole chain (the CLI's check); an intact tenant chain moves its checkpoint to the head."""
    if tenant_id is None:
        with unscoped("verify the platform audit chain"):
            return walk(None)
    with tenant_context(tenant_id):
        verdict = walk(tenant_id)
        if verdict.broken is None:
            advance(tenant_id, verdict.last_seq, verdict.last_hash)
        return verdict
