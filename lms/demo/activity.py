"""The learners' activity part of ``seed-demo``: notifications, quiz attempts, certificates in
every state, XP histories with a holder of every rank and usage sessions.

Attempts are scored and certificates claimed by the services themselves, so the pages show
what real learning would have produced.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.i18n import tenant_locale
from lms.models import (
    Notification,
    ProgressOverride,
    Quiz,
    QuizAttempt,
    SectionCompletion,
    UserSession,
    XpTransaction,
)
from lms.models.enums import ModuleStatus, NotificationType, XpSourceType
from lms.services import certificates, completion, deadlines, quizzes, reminders, standings, xp, xp_rebuild
from lms.services.certificates import add_months
from lms.services.links import path_for

if TYPE_CHECKING:
    from lms.demo.seed import _TenantBuilder

# XP histories (issue 7: demo data): who completed how many published modules (with a top
# quiz score where there is a quiz; None = all) and the lifetime XP that manual awards bring them to,
# so every rank has a holder: MENTOR, MOJSTER, POMOCNIK, and VAJENEC for learner3.
XP_HISTORIES: dict[str, tuple[int | None, int]] = {
    "mentor": (None, 6400),
    "learner1": (None, 3900),
    "learner2": (2, 1800),
    "learner3": (1, 0),
}

MANUAL_REASONS = (
    _l("Led the onboarding workshop for new colleagues"),
    _l("Mentored an apprentice through the first month"),
    _l("Reported a safety hazard on the shop floor"),
    _l("Improved a module after learners' feedback"),
)
MANUAL_STEP = 800


def seed_notifications(builder: _TenantBuilder) -> None:
    """The bell of every demo account has something: a read welcome for all, and for the
    learners unread news of several types (issue 6: demo data)."""
    now = builder.now
    published = [m for m in builder.modules.values() if m.status is ModuleStatus.PUBLISHED]
    newest, assigned = published[-1], published[1]
    with tenant_locale(builder.tenant.id):
        for key, user in builder.users.items():
            db.session.add(
                Notification(
                    user_id=user.id,
                    type=NotificationType.SYSTEM,
                    title=_("Welcome to %(company)s on Mojster", company=builder.tenant.name),
                    message=_("Your modules are on the My learning page."),
                    link=path_for("learner.home"),
                    is_read=True,
                    read_at=now - timedelta(days=13),
                    created_at=now - timedelta(days=14),
                )
            )
            if not key.startswith("learner"):
                continue
            db.session.add(
                Notification(
                    user_id=user.id,
                    type=NotificationType.NEW_MODULE,
                    title=_("New module: %(module)s", module=newest.title),
                    link=path_for("learner.module_page", module_id=newest.id),
                    created_at=now - timedelta(days=2),
                )
            )
        # The reminder each one would get today, worded by the sweep itself: learner3 is overdue.
        for key in ("learner2", "learner3"):
            user = builder.users[key]
            due = next(iter(deadlines.assignments([user.id], [assigned.id])), None)
            if due is None or due.due_at is None:
                continue
            kind = reminders.OVERDUE if due.due_at < now else reminders.WEEK
            title, message = reminders.texts(
                reminders.Reminder(user.id, assigned.id, due.due_at, kind, assigned.title, ""), builder.tenant
            )
            db.session.add(
                Notification(
                    user_id=user.id,
                    type=NotificationType.DEADLINE_REMINDER,
                    title=title,
                    message=message,
                    link=path_for("learner.module_page", module_id=assigned.id),
                    created_at=now - timedelta(hours=3),
                )
            )
        db.session.add(
            Notification(
                user_id=builder.users["learner1"].id,
                type=NotificationType.MODULE_UPDATED,
                title=_("Module updated: %(module)s", module=published[0].title),
                link=path_for("learner.module_page", module_id=published[0].id),
                is_read=True,
                read_at=now - timedelta(days=1),
                created_at=now - timedelta(days=3),
            )
        )


def seed_quiz_attempts(builder: _TenantBuilder) -> None:
    """Passed and failed attempts (issue 6), scored by the quiz rules, for the attempts list and result pages.

    On the first quiz learner1 failed once and then passed, learner2 passed at once and
    learner4 ran out of time (when it is timed); learner3 failed the second quiz.
    """
    offered = [
        module.quiz
        for module in builder.modules.values()
        if module.status is ModuleStatus.PUBLISHED and module.quiz is not None and not module.prerequisites
    ]
    if not offered:
        return
    first, second = offered[0], offered[min(1, len(offered) - 1)]
    plan: list[tuple[str, Quiz, list[str]]] = [
        ("learner1", first, ["fail", "pass"]),
        ("learner2", first, ["pass"]),
        ("learner3", second, ["fail"]),
    ]
    if first.time_limit:
        plan.append(("learner4", first, ["late"]))
    for key, quiz, tries in plan:
        for number, how in enumerate(tries, start=1):
            started = builder.now - timedelta(days=6 - 2 * number, hours=3)
            answers = {
                question.id: sorted(quizzes.correct_options(question))
                if how == "pass" or index == 0
                else [next(i for i, option in enumerate(question.options) if not option["correct"])]
                for index, question in enumerate(quiz.questions)
            }
            score, _results = quizzes.grade(quiz.questions, answers)
            late = how == "late"
            db.session.add(
                QuizAttempt(
                    quiz_id=quiz.id,
                    user_id=builder.users[key].id,
                    attempt_number=number,
                    started_at=started,
                    submitted_at=started + timedelta(minutes=(quiz.time_limit + 4) if late else 6),
                    score=0.0 if late else score,
                    passed=not late and score >= quiz.passing_score,
                    answers={str(question_id): chosen for question_id, chosen in answers.items()},
                    failure_reason=quizzes.TIME_LIMIT if late else None,
                )
            )


def seed_certificates(builder: _TenantBuilder) -> None:
    """Completed modules with certificates (issue 6): valid, renewal due within 30 days, expired,
    revoked, and one earned through an override, so the certificate screens show every status.

    The holders' sections are completed as of the completion date. PDFs are not rendered here:
    a download renders a missing one, and the admin's "Regenerate PDF" stores it.
    """
    now = builder.now
    users = builder.users
    published = [m for m in builder.modules.values() if m.status is ModuleStatus.PUBLISHED]
    renewable = [m for m in published if m.validity_months and not m.prerequisites]
    first, expiring, expired = published[0], renewable[0], renewable[-1]
    plan = [
        ("learner1", first, now - timedelta(days=5)),
        ("learner2", expiring, add_months(now, -expiring.validity_months) + timedelta(days=20)),
        ("learner3", expired, add_months(now, -expired.validity_months) - timedelta(days=10)),
        ("learner4", first, now - timedelta(days=40)),
        ("learner5", expiring, now - timedelta(days=8)),
    ]
    db.session.flush()
    done = {
        tuple(row) for row in db.session.execute(sa.select(SectionCompletion.user_id, SectionCompletion.section_id))
    }
    with tenant_locale(builder.tenant.id):
        db.session.add(
            ProgressOverride(
                user_id=users["learner5"].id,
                module_id=expiring.id,
                override_by_id=users["hr"].id,
                reason=_("Completed the same training with the previous employer; HR checked the certificate."),
                allow_certificate=True,
                created_at=now - timedelta(days=8),
            )
        )
    db.session.flush()
    held = {}
    for key, module, completed_at in plan:
        user = users[key]
        for section in module.sections:
            if (user.id, section.id) not in done:
                db.session.add(
                    SectionCompletion(
                        user_id=user.id, module_id=module.id, section_id=section.id, completed_at=completed_at
                    )
                )
        # What it certifies, as a real completion records it: the override, the passing attempt
        # (seed_quiz_attempts), or the sections themselves.
        evidence = completion.evidence_for(user.id, module.id) or completion.Evidence()
        held[key] = certificates.claim(
            user.id,
            module,
            completed_at=completed_at,
            previous=None,
            quiz_attempt_id=evidence.quiz_attempt_id,
            progress_override_id=evidence.progress_override_id,
        )
    revoked = held["learner4"]
    revoked.revoked_at = now - timedelta(days=3)
    with tenant_locale(builder.tenant.id):
        revoked.revoked_reason = _("Issued by mistake: a colleague completed the module on this account.")


def seed_xp_histories(builder: _TenantBuilder) -> None:
    """XP earned through the ledger (``xp.award`` / ``xp.adjust``), as learning would earn it,
    then spread over the past weeks so the history pages and the monthly leaderboard differ
    (and the monthly totals rebuilt from the moved ledger).

    learner1 also has a correction (a negative adjustment): it lowers the balance, not the rank.
    """
    published = [m for m in builder.modules.values() if m.status is ModuleStatus.PUBLISHED]
    hr = builder.users["hr"].id
    with tenant_locale(builder.tenant.id):
        for key, (modules, target) in XP_HISTORIES.items():
            user_id = builder.users[key].id
            for module in published[:modules]:
                amount = xp.amount_for("module_completed", module.difficulty.name)
                xp.award(user_id, XpSourceType.MODULE_COMPLETED, str(module.id), amount, module.title)
                if module.quiz is not None:
                    xp.award_quiz_score(user_id, module.quiz.id, module.quiz.title, 100.0)
            lifetime, step = standings.standing(user_id).lifetime_xp, 0
            while lifetime < target:
                amount = min(MANUAL_STEP, target - lifetime)
                reason = str(MANUAL_REASONS[step % len(MANUAL_REASONS)])
                xp.adjust(user_id, amount, reason, hr, key=f"demo-xp:{key}:{step}")
                lifetime, step = lifetime + amount, step + 1
        xp.adjust(
            builder.users["learner1"].id,
            -150,
            _("Correction: the workshop was counted twice"),
            hr,
            key="demo-xp:learner1:correction",
        )
    db.session.flush()
    history = db.session.scalars(sa.select(XpTransaction).order_by(XpTransaction.id.desc())).all()
    for index, transaction in enumerate(history):
        transaction.created_at = builder.now - timedelta(days=3 * index, hours=index % 5)
    # The ledger moved back in time: its monthly totals follow it (issue 12, item 2).
    xp_rebuild.rebuild(builder.tenant.id)


# Usage sessions (issue 13, item 5): how many visits a week each account makes, so the
# usage charts tell a busy learner from an occasional one; each lasts 5 to 40 minutes.
USAGE_WEEKS = 12
USAGE_PER_WEEK: dict[str, int] = {
    "hr": 5,
    "learner1": 5,
    "mentor": 4,
    "learner2": 4,
    "manager": 3,
    "learner4": 3,
    "learner3": 2,
    "learner5": 1,
    "viewer": 1,
}


def seed_usage_sessions(builder: _TenantBuilder) -> None:
    """Visits over the last 12 weeks, at most one a day per account, during working hours (UTC),
    ending before today. The same every run: the spread is drawn from the company's slug."""
    rng = random.Random(f"usage:{builder.tenant.slug}")  # noqa: S311 - demo timestamps, not secrets
    today = builder.now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for key, per_week in USAGE_PER_WEEK.items():
        for week in range(USAGE_WEEKS):
            visits = min(7, max(0, per_week + rng.randint(-1, 1)))
            for day in rng.sample(range(7), visits):
                started = today - timedelta(days=7 * week + day + 1, hours=-rng.randrange(6, 17))
                started += timedelta(minutes=rng.randrange(60))
                duration = rng.randrange(5 * 60, 40 * 60 + 1)
                rows.append(
                    {
                        "tenant_id": builder.tenant.id,
                        "user_id": builder.users[key].id,
                        "started_at": started,
                        "last_ping_at": started + timedelta(seconds=duration),
                        "duration_seconds": duration,
                        "created_at": started,
                        "updated_at": started,
                    }
                )
    db.session.execute(sa.insert(UserSession), rows)
