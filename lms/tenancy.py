"""The current tenant and the automatic scoping of queries (DESIGN.md: tenancy).

The active tenant lives in the SQLAlchemy session's ``info``; Flask-SQLAlchemy gives
each app context its own session, so a request, a job and a CLI command each carry
their own context and nothing leaks between them.

- ``do_orm_execute`` adds ``with_loader_criteria(TenantScoped, tenant_id == current)``
  to every ORM SELECT, UPDATE and DELETE, relationship and ``session.get`` loads included.
- With no tenant active and outside ``unscoped()``, any ORM statement on a
  tenant-owned model raises ``TenantContextError``: fail closed, never leak.
- ``before_flush`` stamps ``tenant_id`` on new rows and refuses rows of another tenant.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.orm import Session as OrmSession

from lms.errors import TenantContextError
from lms.extensions import Session, db
from lms.models.base import TenantScoped

log = logging.getLogger(__name__)

_TENANT = "lms.tenant_id"
_UNSCOPED = "lms.unscoped"


def current_tenant_id() -> int | None:
    """The tenant whose rows the current session sees, or None."""
    return db.session.info.get(_TENANT)


@contextmanager
def tenant_context(tenant_id: int) -> Iterator[None]:
    """Run a block as the given tenant: the way jobs and CLI commands enter a tenant.

    Rows added in the block are flushed before it ends, so they are stamped with this
    tenant even when the commit comes later, outside the block.
    """
    if tenant_id is None:
        raise TenantContextError("tenant_context() needs a tenant id")
    info = db.session.info
    previous = info.get(_TENANT)
    info[_TENANT] = tenant_id
    try:
        yield
        db.session.flush()
    finally:
        info[_TENANT] = previous


def set_tenant(tenant_id: int | None) -> None:
    """Make ``tenant_id`` the request's tenant until the app context ends."""
    db.session.info[_TENANT] = tenant_id


@contextmanager
def unscoped(reason: str) -> Iterator[None]:
    """Cross-tenant work (platform screens, sweeps over all tenants), named and logged."""
    info = db.session.info
    log.debug("unscoped access: %s", reason)
    info[_UNSCOPED] = info.get(_UNSCOPED, 0) + 1
    try:
        yield
    finally:
        info[_UNSCOPED] -= 1


def _is_unscoped(session: OrmSession) -> bool:
    return session.info.get(_UNSCOPED, 0) > 0


def _touches_tenant_rows(state: ORMExecuteState) -> bool:
    return any(issubclass(mapper.class_, TenantScoped) for mapper in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if _is_unscoped(state.session):
        return
    tenant_id = state.session.info.get(_TENANT)
    if tenant_id is None:
        if _touches_tenant_rows(state):
            raise TenantContextError("query of a tenant-owned model with no tenant active")
        return
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _guard_flush(session: OrmSession, flush_context: Any, instances: Any) -> None:
    tenant_id = session.info.get(_TENANT)
    unscoped_now = _is_unscoped(session)
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is not None:
                obj.tenant_id = tenant_id
            elif not type(obj).__table__.c.tenant_id.nullable:
                raise TenantContextError(f"new {type(obj).__name__} with no tenant active")
        elif tenant_id is not None and obj.tenant_id != tenant_id and not unscoped_now:
            raise TenantContextError(f"new {type(obj).__name__} belongs to another tenant")
    if tenant_id is None or unscoped_now:
        return
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and obj.tenant_id != tenant_id:
            raise TenantContextError(f"{type(obj).__name__} of another tenant cannot be changed here")
