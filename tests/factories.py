"""Builders for test data; every test that needs tenants gets two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lms.extensions import db
from lms.models import Group, Membership, Module, ModuleGroup, Quiz, QuizQuestion, Section, Tenant, User, UserGroup
from lms.models.enums import ModuleStatus, QuestionType, SectionType, TenantPlan, TenantRole
from lms.models.types import utcnow
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
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        if tenant is not None:
            session["tenant_id"] = tenant.id


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
