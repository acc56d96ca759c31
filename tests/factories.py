"""Builders for test data; every test that needs tenants gets two."""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lms.extensions import db
from lms.models import Membership, Tenant, User
from lms.models.enums import TenantPlan, TenantRole
from lms.tenancy import unscoped


def make_tenant(slug: str, *, locale: str = "en", plan: TenantPlan = TenantPlan.PRO) -> Tenant:
    tenant = Tenant(slug=slug, name=slug.capitalize(), locale=locale, plan=plan)
    db.session.add(tenant)
    db.session.flush()
    return tenant


def make_user(email: str, *memberships: tuple[Tenant, TenantRole], name: str = "") -> User:
    user = User(email=email, name=name or email.split("@")[0].capitalize())
    db.session.add(user)
    db.session.flush()
    with unscoped("test factory"):
        for tenant, role in memberships:
            db.session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=role))
        db.session.flush()
    return user


@dataclass
class TwoTenants:
    acme: Tenant
    globex: Tenant
    ana: User
    bor: User


def two_tenants() -> TwoTenants:
    """acme with Ana, globex with Bor: the least a tenancy test needs."""
    acme = make_tenant("acme")
    globex = make_tenant("globex", locale="sl")
    ana = make_user("ana@acme.test", (acme, TenantRole.EMPLOYEE))
    bor = make_user("bor@globex.test", (globex, TenantRole.EMPLOYEE))
    return TwoTenants(acme, globex, ana, bor)


def sign_in(client: FlaskClient, user: User, tenant: Tenant | None = None) -> None:
    """Put the user (and the chosen tenant) in the client's session, as /login would."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        if tenant is not None:
            session["tenant_id"] = tenant.id


def sign_in_with_password(client: FlaskClient, email: str, password: str) -> TestResponse:
    return client.post("/login", data={"email": email, "password": password})
