"""Does the manager dashboard count a group right, and does "send reminder" remind each overdue learner once a day?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import (
    AuditLog,
    Group,
    Module,
    ModuleSelfAssessment,
    Notification,
    QuizAttempt,
    SectionCompletion,
    Tenant,
    User,
    UserPermission,
    UserSession,
)
from lms.models.enums import AuditAction, NotificationType, Permission, TenantRole
from lms.models.types import utcnow
from lms.permissions import EVERYWHERE, OutOfReach, Reach
from lms.services import manager_dashboard
from lms.services.manager_dashboard import GroupNotFound, NothingThere
from lms.tenancy import tenant_context
from tests.factories import (
    TwoTenants,
    assign,
    make_certificate,
    make_group,
    make_module,
    make_quiz,
    make_user,
    two_tenants,
)


@dataclass
class ManagerWorld:
    """acme: group Welders (ana certified, bea overdue, cid certified and expiring) and group Drivers
    (dan overdue); Mira manages Drivers only (a scoped grant); globex: group Pilots with bor overdue."""

    world: TwoTenants
    welders: Group
    drivers: Group
    pilots: Group
    safety: Module
    bea: User
    cid: User
    dan: User
    mira: User


def _attempt(module: Module, user: User, number: int, *, passed: bool) -> None:
    with tenant_context(module.tenant_id):
        quiz_id = module.quiz.id
        db.session.add(
            QuizAttempt(
                quiz_id=quiz_id,
                user_id=user.id,
                attempt_number=number,
                submitted_at=utcnow(),
                score=100 if passed else 10,
                passed=passed,
            )
        )
        db.session.flush()


def build_world() -> ManagerWorld:
    world = two_tenants()
    acme, globex = world.acme, world.globex
    month_ago = utcnow() - timedelta(days=30)
    bea = make_user("bea@acme.test", (acme, TenantRole.EMPLOYEE), name="Bea Berg")
    cid = make_user("cid@acme.test", (acme, TenantRole.EMPLOYEE), name="Cid Cook")
    dan = make_user("dan@acme.test", (acme, TenantRole.EMPLOYEE), name="Dan Dale")
    mira = make_user("mira@acme.test", (acme, TenantRole.EMPLOYEE), name="Mira Manager")
    welders = make_group(acme, "Welders", [world.ana, bea, cid], joined=month_ago)
    drivers = make_group(acme, "Drivers", [dan], joined=month_ago)
    pilots = make_group(globex, "Pilots", [world.bor], joined=month_ago)
    safety = make_module(acme, "Safety")
    with tenant_context(acme.id):
        safety.validity_months = 12
        db.session.flush()
    make_quiz(safety)
    driving = make_module(acme, "Driving")
    flying = make_module(globex, "Flying")
    assign(safety, welders, 5, mandatory=True, at=month_ago)
    assign(driving, drivers, 5, at=month_ago)
    assign(flying, pilots, 5, at=month_ago)
    make_certificate(safety, world.ana)
    make_certificate(safety, cid, completed_days_ago=350)
    _attempt(safety, world.ana, 1, passed=True)
    _attempt(safety, bea, 1, passed=False)
    _attempt(safety, bea, 2, passed=True)
    with tenant_context(acme.id):
        db.session.add_all(
            [
                ModuleSelfAssessment(user_id=world.ana.id, module_id=safety.id, rating=4),
                ModuleSelfAssessment(user_id=bea.id, module_id=safety.id, rating=2),
                UserSession(
                    user_id=world.ana.id,
                    started_at=utcnow() - timedelta(hours=2),
                    last_ping_at=utcnow() - timedelta(hours=1),
                    duration_seconds=5400,
                ),
                SectionCompletion(
                    user_id=bea.id, module_id=safety.id, section_id=safety.sections[0].id, completed_at=utcnow()
                ),
                UserPermission(
                    user_id=mira.id, permission=Permission.VIEW_MANAGER_DASHBOARD, scope={"group_ids": [drivers.id]}
                ),
            ]
        )
        db.session.flush()
    return ManagerWorld(world, welders, drivers, pilots, safety, bea, cid, dan, mira)


@pytest.fixture
def mw(app_ctx: Flask) -> ManagerWorld:
    return build_world()


def test_a_groups_figures_count_its_members_certificates_quizzes_ratings_and_time(mw: ManagerWorld) -> None:
    now = utcnow()
    with tenant_context(mw.world.acme.id):
        figures = manager_dashboard.dashboard(mw.welders, now, "Europe/Ljubljana")

    assert figures.members == 3
    (safety,) = figures.modules
    assert (safety.title, safety.certified, safety.completion_rate) == ("Safety", 2, 67)
    assert (safety.rating, safety.ratings) == (3.0, 2)
    assert figures.quiz_pass_rate == 67, "2 of 3 submitted attempts passed"
    assert figures.attempts_per_learner == 1.5, "3 attempts by 2 learners who tried"
    assert figures.seconds_spent == 5400
    assert len(figures.weeks) == 12
    assert figures.weeks[-1].completions == 1, "ana completed this week; cid's certificate is from long ago"
    assert figures.weeks[-1].active_learners == 2, "ana had a session, bea completed a section"
    assert figures.weeks[0].start.weekday() == 0


def test_overdue_are_the_members_without_a_standing_certificate_past_their_due_date(mw: ManagerWorld) -> None:
    now = utcnow()
    with tenant_context(mw.world.acme.id):
        figures = manager_dashboard.dashboard(mw.welders, now, "UTC")

    assert [(row.name, row.module_title, row.days) for row in figures.overdue] == [("Bea Berg", "Safety", 25)]
    assert (figures.overdue_learners, figures.overdue_assignments, figures.pages) == (1, 1, 1)
    assert [(row.name, row.module_title) for row in figures.expiring] == [("Cid Cook", "Safety")]
    assert figures.expiring_total == 1


def test_a_page_beyond_the_overdue_list_is_nothing_there(mw: ManagerWorld) -> None:
    with tenant_context(mw.world.acme.id), pytest.raises(NothingThere):
        manager_dashboard.dashboard(mw.welders, utcnow(), "UTC", page=2)


def test_the_picker_and_the_group_follow_the_managers_reach(mw: ManagerWorld) -> None:
    with tenant_context(mw.world.acme.id):
        assert [group.name for group in manager_dashboard.groups_within(EVERYWHERE)] == ["Drivers", "Welders"]
        scoped = Reach(frozenset({mw.drivers.id}))
        assert [group.name for group in manager_dashboard.groups_within(scoped)] == ["Drivers"]
        assert manager_dashboard.group_for(mw.drivers.id, scoped) == mw.drivers
        with pytest.raises(OutOfReach):
            manager_dashboard.group_for(mw.welders.id, scoped)
        with pytest.raises(GroupNotFound):
            manager_dashboard.group_for(mw.pilots.id, EVERYWHERE)


def _remind(mw: ManagerWorld, group: Group) -> int:
    with tenant_context(mw.world.acme.id):
        tenant = db.session.get(Tenant, mw.world.acme.id)
        reminded = manager_dashboard.send_reminders(tenant, group, utcnow())
    db.session.commit()
    return reminded


def test_a_reminder_reaches_each_overdue_learner_once_a_day(mw: ManagerWorld) -> None:
    assert _remind(mw, mw.welders) == 1
    assert _remind(mw, mw.welders) == 0, "a second click the same day sends nothing"

    with tenant_context(mw.world.acme.id):
        sent = db.session.execute(sa.select(Notification.user_id, Notification.type, Notification.title)).all()
        audits = db.session.execute(
            sa.select(AuditLog.entity_type, AuditLog.details).where(AuditLog.action == AuditAction.RECORD_CREATED)
        ).all()
    assert sent == [(mw.bea.id, NotificationType.DEADLINE_REMINDER, "Reminder from your manager: Safety")]
    assert [(kind, details["learners"]) for kind, details in audits] == [("deadline_reminders", 1)]


def test_nobody_overdue_writes_nothing(mw: ManagerWorld) -> None:
    with tenant_context(mw.world.acme.id):
        empty = Group(name="Office")
        db.session.add(empty)
        db.session.flush()
    assert _remind(mw, empty) == 0
    with tenant_context(mw.world.acme.id):
        assert db.session.scalar(sa.select(sa.func.count(AuditLog.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
