"""The current tenant and the automatic scoping of queries (DESIGN.md: tenancy).

The active tenant lives in the SQLAlchemy session's ``info``; Flask-SQLAlchemy gives
each app context its own session, so a request, a job and a CLI command each carry
their own context and nothing leaks between them.

- ``do_orm_execute`` adds ``with_loader_criteria(TenantScoped, tenant_id == current)``
  to every ORM SELECT, UPDATE and DELETE, relationship and ``session.get`` loads included.
- Fail closed (issue 10): with no tenant active and outside ``unscoped()``, any statement
  run through the session whose FROM touches a tenant-owned table raises
  ``TenantContextError``, whatever its shape: ORM or Core, joins, subqueries, CTEs,
  EXISTS, aggregates, UPDATE and DELETE.
- An INSERT run through the session (ORM or Core, bulk, ``from_select``, ON CONFLICT)
  is checked as a flushed object is: inside a tenant every row must name that tenant,
  with none active it is refused.
- ``before_flush`` stamps ``tenant_id`` on new rows and refuses rows of another tenant.

The innermost of ``tenant_context()`` and ``unscoped()`` decides. Not covered, as DESIGN.md
says: ``text()`` SQL; Core statements over ``Table`` objects while a tenant is active
(the loader criteria only reach ORM entities: such code filters by tenant itself); and
anything executed on an engine or connection (``db.engine.connect()``,
``session.connection().execute``), which never passes the session's hook. Request code
uses none of these; ``tests/test_tenancy.py`` pins where the last one is allowed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import Insert

from lms.errors import TenantContextError
from lms.extensions import Session, db
from lms.models.base import TenantScoped

log = logging.getLogger(__name__)

_TENANT = "lms.tenant_id"
_UNSCOPED = "lms.unscoped"
_UPSERTS = (postgresql.Insert, sqlite.Insert)
_CONFLICT_UPDATES = (postgresql.dml.OnConflictDoUpdate, sqlite.dml.OnConflictDoUpdate)


def current_tenant_id() -> int | None:
    """The tenant whose rows the current session sees, or None."""
    return db.session.info.get(_TENANT)


@contextmanager
def tenant_context(tenant_id: int) -> Iterator[None]:
    """Run a block as the given tenant: the way jobs and CLI commands enter a tenant.

    It scopes even inside ``unscoped()``: the innermost block decides, so code that names
    its tenant is never widened by a caller's cross-tenant block (issue 10). Rows pending
    before the block are flushed first, under the context they were added in; rows added
    in the block are flushed before it ends, so they are stamped with this tenant even
    when the commit comes later, outside the block.
    """
    if tenant_id is None:
        raise TenantContextError("tenant_context() needs a tenant id")
    session = db.session
    session.flush()
    info = session.info
    previous = info.get(_TENANT), info.get(_UNSCOPED, False)
    info[_TENANT], info[_UNSCOPED] = tenant_id, False
    try:
        yield
        session.flush()
    finally:
        info[_TENANT], info[_UNSCOPED] = previous


def set_tenant(tenant_id: int | None) -> None:
    """Make ``tenant_id`` the request's tenant until the app context ends."""
    db.session.info[_TENANT] = tenant_id


@contextmanager
def unscoped(reason: str, *, level: int = logging.INFO) -> Iterator[None]:
    """Cross-tenant work (platform screens, sweeps over all tenants), named and logged.

    Logged at INFO, so the log says who lifted the scope and why (issue 10); code that
    reads one named tenant uses ``tenant_context`` instead and leaves no such line. The one
    read every signed-in request makes (the user's own memberships) logs at DEBUG: at INFO it
    was a line per page view, burying the lines that matter (issue 12). Rows
    pending before the block are flushed first under the guard in force, so lifting the
    scope never lets them through unchecked. A ``tenant_context`` inside scopes again.
    """
    session = db.session
    session.flush()
    log.log(level, "unscoped access: %s", reason)
    info = session.info
    previous = info.get(_UNSCOPED, False)
    info[_UNSCOPED] = True
    try:
        yield
    finally:
        info[_UNSCOPED] = previous


def _is_unscoped(session: OrmSession) -> bool:
    return bool(session.info.get(_UNSCOPED))


@functools.cache
def tenant_tables() -> frozenset[sa.Table]:
    """The tables of every tenant-owned model, link tables included.

    Computed on the first statement, when ``create_app`` has imported every model.
    """
    return frozenset(
        table
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TenantScoped)
        for table in mapper.tables
    )


def _tenant_tables_in(statement: Any) -> set[str]:
    """Names of the tenant-owned tables anywhere in the statement, subqueries and CTEs included.

    A full walk of the expression (tens of microseconds), so the hook runs it only where
    no loader criteria protect the statement: with no tenant active, a rare case
    (sign-in pages, platform screens).
    """
    owned = tenant_tables()
    return {table.name for table in visitors.iterate(statement) if isinstance(table, sa.Table) and table in owned}


@functools.lru_cache(maxsize=1024)
def _criteria(tenant_id: int) -> Any:
    """One option per tenant, built once per process: building it was a part of every statement's cost."""
    return with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    if _is_unscoped(state.session):
        return
    tenant_id = state.session.info.get(_TENANT)
    if state.is_insert:
        _check_insert(state, tenant_id)
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if tenant_id is None:
        touched = _tenant_tables_in(state.statement)
        if touched:
            raise TenantContextError(f"query of {', '.join(sorted(touched))} with no tenant active")
        return
    state.statement = state.statement.options(_criteria(tenant_id))


def _check_insert(state: ORMExecuteState, tenant_id: int | None) -> None:
    """An INSERT through the session writes rows of the current tenant only (issue 10).

    ORM bulk and Core inserts skip ``before_flush``, so nothing stamps them: every row must
    name the current tenant itself (as ``lms.models.upserts`` asks of its callers). An
    ``INSERT … SELECT`` gets the loader criteria, so its SELECT reads this tenant's rows,
    and must insert the tenant as a literal. An ON CONFLICT DO UPDATE must name
    ``tenant_id`` in its conflict target, so the row it updates is this tenant's too.
    """
    statement: Insert = state.statement
    if statement.table not in tenant_tables():
        return
    name = statement.table.name
    if tenant_id is None:
        raise TenantContextError(f"insert into {name} with no tenant active")
    if any(value != tenant_id for value in _inserted_tenant_ids(statement, state.parameters)):
        raise TenantContextError(f"insert into {name} of a row that does not name tenant {tenant_id}")
    if isinstance(statement, _UPSERTS) and not _updates_only_its_tenant(statement):
        raise TenantContextError(f"upsert into {name} whose conflict target leaves out tenant_id")
    if statement.select is not None:
        state.statement = statement.options(_criteria(tenant_id))


def _updates_only_its_tenant(statement: Insert) -> bool:
    """Every ON CONFLICT DO UPDATE of the statement matches rows by a target that includes ``tenant_id``."""
    return all(
        "tenant_id" in map(_key, element.inferred_target_elements or ())
        for element in visitors.iterate(statement)
        if isinstance(element, _CONFLICT_UPDATES)
    )


def _inserted_tenant_ids(statement: Insert, parameters: Any) -> list[Any]:
    """Every ``tenant_id`` the INSERT writes, ``None`` for a row naming none (or an expression).

    Values come from SQLAlchemy's own record of the statement (``_values``,
    ``_multi_values``, ``_select_names``: 2.x has no public reader) and from the execute
    parameters, which override them. Should those names change, no value is found and
    every insert is refused: the tests fail, nothing leaks.
    """
    stated = [_literal(v) for k, v in (statement._values or {}).items() if _key(k) == "tenant_id"]
    if statement.select is not None:
        names = [_key(n) for n in statement._select_names]
        column = statement.select.selected_columns[names.index("tenant_id")] if "tenant_id" in names else None
        stated = [_literal(column)]
    for batch in statement._multi_values or ():
        stated += [_literal(_row_tenant_id(row)) for row in batch]
    rows = [parameters] if isinstance(parameters, dict) else list(parameters or ())
    given = [row["tenant_id"] for row in rows if "tenant_id" in row]
    if not stated and len(given) < max(len(rows), 1):
        return [None]
    return stated + given


def _row_tenant_id(row: Any) -> Any:
    """A multi-VALUES row by column or name; a positional one counts as naming no tenant."""
    if isinstance(row, dict):
        return next((value for key, value in row.items() if _key(key) == "tenant_id"), None)
    return None


def _key(column: Any) -> Any:
    return getattr(column, "key", column)


def _literal(value: Any) -> Any:
    """A plain value as it is; a bound literal's value; any other SQL expression counts as unnamed."""
    if isinstance(value, sa.BindParameter):
        return value.effective_value
    if isinstance(value, sa.ClauseElement) or value is None:
        return None
    return value


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
