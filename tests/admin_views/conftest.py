"""Two companies with a person in each role, and clients signed in as them.

Values are plain ids: each request of a test client runs in an app context of its own,
so the tests read what the requests wrote through ``rows`` and ``audit_rows``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import AuditLog, Membership, Tenant, User
from lms.models.enums import AuditAction, TenantRole
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_user, sign_in, two_tenants


@dataclass
class Companies:
    acme_id: int
    globex_id: int
    user_ids: dict[str, int]
    membership_ids: dict[str, int]


@pytest.fixture
def companies(app: Flask) -> Companies:
    """acme: Olga (OWNER), Adam (ADMIN), Hana (HR), Ana (EMPLOYEE); globex: Bor (EMPLOYEE), Greta (OWNER)."""
    with app.app_context():
        world = two_tenants()
        users = {
            "owner": make_user("olga@acme.test", (world.acme, TenantRole.OWNER), name="Olga Owner"),
            "admin": make_user("adam@acme.test", (world.acme, TenantRole.ADMIN), name="Adam Admin"),
            "hr": make_user("hana@acme.test", (world.acme, TenantRole.HR), name="Hana Hr"),
            "employee": world.ana,
            "globex_employee": world.bor,
            "globex_owner": make_user("greta@globex.test", (world.globex, TenantRole.OWNER), name="Greta Globex"),
        }
        with unscoped("test fixture"):
            memberships = {
                key: db.session.scalar(sa.select(Membership.id).where(Membership.user_id == user.id))
                for key, user in users.items()
            }
        result = Companies(
            acme_id=world.acme.id,
            globex_id=world.globex.id,
            user_ids={key: user.id for key, user in users.items()},
            membership_ids=memberships,
        )
        db.session.commit()
    return result


@pytest.fixture
def client_as(app: Flask, companies: Companies) -> Callable[..., FlaskClient]:
    """A client signed in as one of ``companies``' people, in acme unless told otherwise."""

    def make(key: str, tenant: str = "acme") -> FlaskClient:
        client = app.test_client()
        with app.app_context():
            user = db.session.get(User, companies.user_ids[key])
            place = db.session.get(Tenant, getattr(companies, f"{tenant}_id"))
            sign_in(client, user, place)
        return client

    return make


@pytest.fixture
def rows(app: Flask) -> Callable[..., list[Any]]:
    """``rows(tenant_id, statement)``: what a statement returns in that company right now."""

    def run(tenant_id: int | None, statement: sa.Select[Any]) -> list[Any]:
        with app.app_context():
            if tenant_id is None:
                with unscoped("test assertion"):
                    return list(db.session.execute(statement).all())
            with tenant_context(tenant_id):
                return list(db.session.execute(statement).all())

    return run


@pytest.fixture
def audit_rows(rows: Callable[..., list[Any]]) -> Callable[..., list[tuple[str, str | None, dict[str, Any]]]]:
    """``audit_rows(tenant_id, action)``: the audit entries of one company (None: the platform's)."""

    def find(tenant_id: int | None, action: AuditAction) -> list[tuple[str, str | None, dict[str, Any]]]:
        statement = sa.select(AuditLog.entity_type, AuditLog.entity_id, AuditLog.details).where(
            AuditLog.action == action,
            AuditLog.tenant_id.is_(None) if tenant_id is None else AuditLog.tenant_id == tenant_id,
        )
        return [tuple(row) for row in rows(None, statement.order_by(AuditLog.id))]

    return find
