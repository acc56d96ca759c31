"""Does every learner get each deadline reminder once — 7 days before, 1 day before, overdue — and
does a tenant of a hundred learners cost the job no more queries than one of ten?"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale, format_date

from lms.extensions import db
from lms.jobs import run_job
from lms.models import (
    EmailPreference,
    Membership,
    Module,
    ModuleGroup,
    Notification,
    ProgressOverride,
    SectionCompletion,
    Tenant,
)
from lms.models.enums import EmailFrequency, ModuleStatus, NotificationType, TenantRole
from lms.models.jobs import JobOutbox
from lms.models.types import utcnow
from lms.services import notifications
from lms.services.completion import record_progress
from lms.services.deadlines import assignments
from lms.services.reminders import due_reminders, send_deadline_reminders
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, assign, make_group, make_module, make_user, two_tenants
from tests.smtp import Inbox, smtp_for


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_for(app, monkeypatch) as inbox:
        yield inbox


@dataclass
class Floor:
    world: TwoTenants
    now: datetime
    week: Module  # due in 6 days
    day: Module  # due in 12 hours
    late: Module  # due 2 days ago
    later: Module  # due in 20 days


@pytest.fixture
def floor(app_ctx: Flask) -> Floor:
    """Ana (acme) joined "Floor" 30 days ago; four modules were assigned to it with deadlines around now."""
    world = two_tenants()
    now = utcnow()
    group = make_group(world.acme, "Floor", [world.ana], joined=now - timedelta(days=30))
    modules = {}
    for title, due_in in (("Forklift", 6), ("Ladders", 0.5), ("Fire exits", -2), ("Chemicals", 20)):
        modules[title] = make_module(world.acme, title)
        assign(modules[title], group, 10, at=now + timedelta(days=due_in) - timedelta(days=10))
    globex_group = make_group(world.globex, "Tla", [world.bor], joined=now - timedelta(days=30))
    assign(make_module(world.globex, "Viličar"), globex_group, 10, at=now - timedelta(days=5))
    return Floor(world, now, modules["Forklift"], modules["Ladders"], modules["Fire exits"], modules["Chemicals"])


def _run(tenant: Tenant, now: datetime) -> int:
    with tenant_context(tenant.id):
        return send_deadline_reminders(tenant, now)


def _reminders(tenant_id: int, user_id: int | None = None) -> list[tuple[str, str]]:
    with tenant_context(tenant_id):
        query = sa.select(Notification.title, Notification.link).where(
            Notification.type == NotificationType.DEADLINE_REMINDER
        )
        if user_id is not None:
            query = query.where(Notification.user_id == user_id)
        return list(db.session.execute(query.order_by(Notification.id)).all())


def test_reminders_go_out_a_week_before_a_day_before_and_when_overdue(floor: Floor) -> None:
    sent = _run(floor.world.acme, floor.now)

    assert sent == 3
    assert sorted(_reminders(floor.world.acme.id)) == sorted(
        [
            ("Deadline approaching: Forklift", f"/modules/{floor.week.id}"),
            ("Due within a day: Ladders", f"/modules/{floor.day.id}"),
            ("Overdue: Fire exits", f"/modules/{floor.late.id}"),
        ]
    )
    assert _reminders(floor.world.globex.id) == [], "another company's learners are not this run's"


def test_running_twice_the_same_day_sends_nothing_new(floor: Floor) -> None:
    _run(floor.world.acme, floor.now)

    assert _run(floor.world.acme, floor.now + timedelta(hours=2)) == 0
    assert len(_reminders(floor.world.acme.id)) == 3


def test_each_reminder_is_sent_once_as_a_deadline_comes_and_goes(floor: Floor) -> None:
    """Daily runs over three weeks remind about Chemicals (due in 20 days) exactly three times."""
    for day in range(25):
        _run(floor.world.acme, floor.now + timedelta(days=day))

    chemicals = [title for title, link in _reminders(floor.world.acme.id) if link == f"/modules/{floor.later.id}"]
    assert chemicals == ["Deadline approaching: Chemicals", "Due within a day: Chemicals", "Overdue: Chemicals"]


def test_a_changed_deadline_reminds_again(floor: Floor) -> None:
    _run(floor.world.acme, floor.now)
    with tenant_context(floor.world.acme.id):
        db.session.execute(
            sa.update(ModuleGroup).where(ModuleGroup.module_id == floor.week.id).values(deadline_days=13)
        )

    _run(floor.world.acme, floor.now + timedelta(days=2))
    titles = [title for title, link in _reminders(floor.world.acme.id) if link == f"/modules/{floor.week.id}"]
    assert titles == ["Deadline approaching: Forklift", "Deadline approaching: Forklift"]


def test_completed_modules_get_no_reminders(floor: Floor) -> None:
    """Forklift completed section by section, Fire exits by an override that allows a certificate."""
    acme, ana = floor.world.acme, floor.world.ana
    with tenant_context(acme.id):
        for section in floor.week.sections:
            db.session.add(SectionCompletion(user_id=ana.id, module_id=floor.week.id, section_id=section.id))
        db.session.add(ProgressOverride(user_id=ana.id, module_id=floor.late.id, reason="done", allow_certificate=True))
        db.session.flush()
        assert record_progress(ana.id, floor.week.id)
        assert record_progress(ana.id, floor.late.id)

    _run(acme, floor.now)

    assert [title for title, _ in _reminders(acme.id)] == ["Due within a day: Ladders"]


def test_inactive_members_and_accounts_get_no_reminders(floor: Floor) -> None:
    acme = floor.world.acme
    gone = make_user("gone@acme.test", (acme, TenantRole.EMPLOYEE))
    locked = make_user("locked@acme.test", (acme, TenantRole.EMPLOYEE))
    leavers = make_group(acme, "Leavers", [gone, locked], joined=floor.now - timedelta(days=30))
    assign(floor.late, leavers, 1)
    with tenant_context(acme.id):
        db.session.execute(sa.update(Membership).where(Membership.user_id == gone.id).values(is_active=False))
    locked.is_active = False
    db.session.flush()

    _run(acme, floor.now)

    with tenant_context(acme.id):
        recipients = set(db.session.scalars(sa.select(Notification.user_id)))
    assert recipients == {floor.world.ana.id}


def test_draft_modules_remind_no_one(floor: Floor) -> None:
    with tenant_context(floor.world.acme.id):
        db.session.execute(sa.update(Module).where(Module.id != floor.day.id).values(status=ModuleStatus.ARCHIVED))

    _run(floor.world.acme, floor.now)

    assert [title for title, _ in _reminders(floor.world.acme.id)] == ["Due within a day: Ladders"]


def test_email_copies_follow_each_learners_preference(floor: Floor, smtp: Inbox) -> None:
    acme = floor.world.acme
    daily = make_user("dana@acme.test", (acme, TenantRole.EMPLOYEE))
    assign(floor.late, make_group(acme, "Daily", [daily], joined=floor.now - timedelta(days=30)), 1)
    with tenant_context(acme.id):
        db.session.add(EmailPreference(user_id=daily.id, frequency=EmailFrequency.DAILY))

    _run(acme, floor.now)
    db.session.commit()

    assert len(_reminders(acme.id, daily.id)) == 1
    assert sorted(m["Subject"] for m in smtp.messages) == [
        "Deadline approaching: Forklift",
        "Due within a day: Ladders",
        "Overdue: Fire exits",
    ]
    assert {m["To"] for m in smtp.messages} == {"ana@acme.test"}


def test_the_job_reminds_every_company_in_its_own_language(floor: Floor) -> None:
    globex = floor.world.globex
    run_job("lms.services.schedule:deadline_reminders", (), {})

    assert len(_reminders(floor.world.acme.id)) == 3
    with tenant_context(globex.id):
        (message,) = db.session.scalars(sa.select(Notification.message))
        due = db.session.scalar(sa.select(ModuleGroup.created_at)) + timedelta(days=10)
    with force_locale("sl"):
        assert format_date(due.date(), "medium") in message


def _tenant_of(size: int) -> Tenant:
    tenant = Tenant(slug=f"size{size}", name=f"Size {size}", locale="en")
    db.session.add(tenant)
    db.session.flush()
    now = utcnow()
    learners = [make_user(f"l{n}@size{size}.test", (tenant, TenantRole.EMPLOYEE)) for n in range(size)]
    group = make_group(tenant, "All", learners, joined=now - timedelta(days=30))
    for title, due_in in (("A", 5), ("B", 0.5), ("C", -1), ("D", 30)):
        module = make_module(tenant, title, sections=2)
        assign(module, group, 10, at=now + timedelta(days=due_in) - timedelta(days=10))
        with tenant_context(tenant.id):
            for learner in learners[::3]:
                for section in module.sections[:1]:
                    db.session.add(SectionCompletion(user_id=learner.id, module_id=module.id, section_id=section.id))
    with tenant_context(tenant.id):
        db.session.add(EmailPreference(user_id=learners[0].id, frequency=EmailFrequency.WEEKLY))
    return tenant


def test_the_query_count_does_not_grow_with_the_number_of_learners(
    app_ctx: Flask, count_queries: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten times the learners: the same statements, and their mail in ten times the batch jobs."""
    monkeypatch.setattr(notifications, "BATCH_SIZE", 50)
    counts, sent, mail_jobs = [], [], []
    for size in (10, 100):
        tenant = _tenant_of(size)
        count_queries.clear()
        sent.append(_run(tenant, utcnow()))
        counts.append(len(count_queries))
        with tenant_context(tenant.id):
            mail_jobs.append(db.session.scalar(sa.select(sa.func.count(JobOutbox.id))))
        db.session.commit()

    assert sent == [30, 300]
    assert mail_jobs == [1, 6], "29 and 299 immediate copies (one learner chose weekly), 50 a job"
    assert counts[0] == counts[1], "\n".join(q.split("\n")[0][:120] for q in count_queries)
    assert counts[0] <= 8


def test_a_second_run_the_same_day_finds_nothing_and_writes_nothing(app_ctx: Flask, count_queries: list[str]) -> None:
    """The anti-join on the sent keys finds nothing: no reminder is built, no text, no insert."""
    tenant = _tenant_of(100)
    now = utcnow()
    assert _run(tenant, now) == 300

    count_queries.clear()
    with tenant_context(tenant.id):
        assert due_reminders(now + timedelta(hours=3)) == []
    assert _run(tenant, now + timedelta(hours=3)) == 0
    assert len(count_queries) == 2, "one query each time, nothing written"


def test_the_sweep_dates_deadlines_as_the_learners_dashboard_does(floor: Floor) -> None:
    """The sweep computes due dates in SQL; ``deadlines.assignments`` is the rule the dashboard shows.
    Several groups with other join and assignment times and other deadlines: the earliest counts."""
    acme, ana, now = floor.world.acme, floor.world.ana, floor.now
    carl = make_user("carl@acme.test", (acme, TenantRole.EMPLOYEE))
    early = make_group(acme, "Early", [ana, carl], joined=now - timedelta(days=3, hours=5))
    late = make_group(acme, "Late", [carl], joined=now - timedelta(days=40, minutes=7))
    assign(floor.week, early, 5, at=now - timedelta(days=20))
    assign(floor.later, early, 2, at=now - timedelta(days=1, hours=2))
    assign(floor.later, late, 45, at=now - timedelta(days=50))
    assign(floor.day, late, None)

    with tenant_context(acme.id):
        swept = {(r.user_id, r.module_id): r.due_at for r in due_reminders(now)}
        rule = {
            (a.user_id, a.module_id): a.due_at
            for a in assignments()
            if a.due_at is not None and a.due_at <= now + timedelta(days=7)
        }

    assert swept == rule
