"""Builders for test data; every test that needs tenants gets two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lms.extensions import db
from lms.models import (
    Certificate,
    Group,
    Membership,
    Module,
    ModuleGroup,
    Quiz,
    QuizQuestion,
    Section,
    Tenant,
    User,
    UserGroup,
    UserXpBalance,
)
from lms.models.enums import ModuleStatus, QuestionType, SectionType, TenantPlan, TenantRole
from lms.models.types import utcnow
from lms.services import certificates
from lms.tenancy import tenant_context, unscoped


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
    sign_in_as(client, user.get_id(), None if tenant is None else tenant.id)


def sign_in_as(client: FlaskClient, login_id: str, tenant_id: object | None) -> None:
    """``sign_in`` by the session's own values: a login id, and a tenant id (any value, for sweeps)."""
    with client.session_transaction() as session:
        session["_user_id"] = login_id
        session["_fresh"] = True
        if tenant_id is not None:
            session["tenant_id"] = tenant_id


def signed_in_client(app: Flask, login_id: str, tenant_id: object | None) -> FlaskClient:
    """A fresh client of ``app`` signed in with ``sign_in_as``: each request gets its own app context."""
    client = app.test_client()
    sign_in_as(client, login_id, tenant_id)
    return client


def sign_in_with_password(client: FlaskClient, email: str, password: str) -> TestResponse:
    return client.post("/login", data={"email": email, "password": password})


def make_module(
    tenant: Tenant,
    title: str,
    *,
    sections: int = 2,
    status: ModuleStatus = ModuleStatus.PUBLISHED,
    prerequisites: list[Module] | None = None,
) -> Module:
    """A module with numbered TEXT sections, inside the tenant."""
    with tenant_context(tenant.id):
        module = Module(title=title, description=f"About {title}.", status=status)
        for index in range(sections):
            module.sections.append(
                Section(
                    title=f"{title}: part {index + 1}",
                    type=SectionType.TEXT,
                    content=f"<p>Part {index + 1} of {title}.</p>",
                    search_text=f"Part {index + 1} of {title}.",
                    sort_order=index,
                )
            )
        db.session.add(module)
        db.session.flush()
        if prerequisites:
            module.prerequisites = prerequisites
            db.session.flush()
    return module


def make_group(tenant: Tenant, name: str, members: list[User], joined: datetime | None = None) -> Group:
    with tenant_context(tenant.id):
        group = Group(name=name)
        db.session.add(group)
        db.session.flush()
        for user in members:
            db.session.add(UserGroup(user_id=user.id, group_id=group.id, created_at=joined or utcnow()))
        db.session.flush()
    return group


def assign(
    module: Module, group: Group, deadline_days: int | None, *, mandatory: bool = False, at: datetime | None = None
) -> ModuleGroup:
    with tenant_context(module.tenant_id):
        row = ModuleGroup(
            module_id=module.id,
            group_id=group.id,
            deadline_days=deadline_days,
            is_mandatory=mandatory,
            created_at=at or utcnow(),
        )
        db.session.add(row)
        db.session.flush()
    return row


# (type, text, [(option text, correct)], points); 4 points in all.
QUIZ_QUESTIONS: list[tuple[QuestionType, str, list[tuple[str, bool]], int]] = [
    (QuestionType.SINGLE_CHOICE, "Which colour is a stop sign?", [("Red", True), ("Green", False), ("Blue", False)], 1),
    (
        QuestionType.MULTIPLE_CHOICE,
        "Which are protective equipment?",
        [("Helmet", True), ("Gloves", True), ("Cake", False)],
        2,
    ),
    (QuestionType.TRUE_FALSE, "Emergency exits may be blocked.", [("True", False), ("False", True)], 1),
]


def make_quiz(
    module: Module,
    questions: list[tuple[QuestionType, str, list[tuple[str, bool]], int]] | None = None,
    *,
    title: str = "",
    passing_score: int = 70,
    max_attempts: int | None = None,
    time_limit: int | None = None,
) -> Quiz:
    """The module's quiz, by default with ``QUIZ_QUESTIONS`` in that order."""
    with tenant_context(module.tenant_id):
        quiz = Quiz(
            module_id=module.id,
            title=title or f"{module.title} quiz",
            passing_score=passing_score,
            max_attempts=max_attempts,
            time_limit=time_limit,
        )
        for index, (type_, text, options, points) in enumerate(QUIZ_QUESTIONS if questions is None else questions):
            quiz.questions.append(
                QuizQuestion(
                    type=type_,
                    text=text,
                    options=[{"text": option, "correct": correct} for option, correct in options],
                    points=points,
                    sort_order=index,
                )
            )
        db.session.add(quiz)
        db.session.flush()
    return quiz


def make_certificate(
    module: Module, user: User, *, completed_days_ago: int = 0, previous: Certificate | None = None
) -> Certificate:
    """The user's certificate of ``module`` as the certificate service claims it (``certificates.claim``)."""
    with tenant_context(module.tenant_id):
        completed = utcnow() - timedelta(days=completed_days_ago)
        certificate = certificates.claim(user.id, module, completed_at=completed, previous=previous)
        db.session.flush()
    return certificate


def xp_balance_row(user_id: int) -> UserXpBalance | None:
    """The user's balance row as the database holds it now, in the current tenant."""
    db.session.expire_all()
    return db.session.scalar(sa.select(UserXpBalance).where(UserXpBalance.user_id == user_id))
