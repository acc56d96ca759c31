"""Builders for test data; every test that needs tenants gets two."""

from __future__ import annotations

from dataclasses import dataclass

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
