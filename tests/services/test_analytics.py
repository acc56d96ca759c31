"""Do the analytics count the right learners, days, modules, durations, stops and answers? (issue 13, item 4)

One small world of two companies, built by hand so each number can be checked by eye:
acme's learners are Ana and Cene (group Sales), Dora and Eva (group Support); Eva is in
globex too, and what she does there must not count in acme; Fran's membership is switched
off, so nothing he does counts. acme keeps Ljubljana time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import (
    ActivityPeriod,
    ActivityRollup,
    Membership,
    Module,
    Quiz,
    QuizAttempt,
    Section,
    SectionCompletion,
    Tenant,
    User,
    UserModuleLastAccess,
    UserSession,
)
from lms.models.enums import ModuleStatus, TenantRole
from lms.models.types import utcnow
from lms.permissions import EVERYWHERE, Reach
from lms.services import activity, analytics
from lms.services.progress import record_access
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_certificate, make_group, make_module, make_quiz, make_user, two_tenants

ZONE = "Europe/Ljubljana"


@dataclass
class World:
    acme_id: int
    globex_id: int
    people: dict[str, int]
    groups: dict[str, int]
    modules: dict[str, int]
    sections: dict[str, list[int]]
    quizzes: dict[str, int]
    questions: dict[str, list[int]]


def build_world() -> World:
    """The two companies, people, groups, modules and quizzes; no activity yet."""
    world = two_tenants()
    acme, globex = world.acme, world.globex
    acme.timezone = ZONE
    users = {
        "ana": world.ana,
        "bor": world.bor,
        "cene": make_user("cene@acme.test", (acme, TenantRole.EMPLOYEE), name="Cene"),
        "dora": make_user("dora@acme.test", (acme, TenantRole.EMPLOYEE), name="Dora"),
        "eva": make_user("eva@acme.test", (acme, TenantRole.EMPLOYEE), (globex, TenantRole.EMPLOYEE), name="Eva"),
        "fran": make_user("fran@acme.test", (acme, TenantRole.EMPLOYEE), name="Fran"),
        "hana": make_user("hana@acme.test", (acme, TenantRole.HR), name="Hana"),
    }
    with unscoped("test: Fran's membership is switched off"):
        db.session.execute(sa.update(Membership).where(Membership.user_id == users["fran"].id).values(is_active=False))
    groups = {
        "sales": make_group(acme, "Sales", [users["ana"], users["cene"]]),
        "support": make_group(acme, "Support", [users["dora"], users["eva"], users["fran"]]),
        "globex": make_group(globex, "Globex team", [users["bor"], users["eva"]]),
    }
    modules = {
        "forklift": make_module(acme, "Forklift safety", sections=3),
        "fire": make_module(acme, "Fire drill", sections=1),
        "unused": make_module(acme, "Unused module", sections=1),
        "draft": make_module(acme, "Draft module", sections=1, status=ModuleStatus.DRAFT),
        "secret": make_module(globex, "Globex secret module", sections=2),
    }
    quizzes = {"forklift": make_quiz(modules["forklift"]), "secret": make_quiz(modules["secret"])}
    db.session.flush()
    return World(
        acme_id=acme.id,
        globex_id=globex.id,
        people={key: user.id for key, user in users.items()},
        groups={key: group.id for key, group in groups.items()},
        modules={key: module.id for key, module in modules.items()},
        sections={key: [section.id for section in module.sections] for key, module in modules.items()},
        quizzes={key: quiz.id for key, quiz in quizzes.items()},
        questions={key: [question.id for question in quiz.questions] for key, quiz in quizzes.items()},
    )


def complete(world: World, who: str, module: str, part: int, at: datetime) -> None:
    """``who`` completes section ``part`` (1-based) of ``module`` at ``at``, in the module's company."""
    tenant = world.globex_id if module == "secret" else world.acme_id
    with tenant_context(tenant):
        db.session.add(
            SectionCompletion(
                user_id=world.people[who],
                module_id=world.modules[module],
                section_id=world.sections[module][part - 1],
                completed_at=at,
            )
        )
        record_access(world.people[who], world.modules[module], tenant, at)  # as completing on the page does
        db.session.flush()


def attempt(
    world: World, who: str, quiz: str, answers: dict[int, list[int]] | None, at: datetime, number: int = 1
) -> None:
    """An attempt at ``quiz``; ``answers`` by question position (0-based); None: still open."""
    tenant = world.globex_id if quiz == "secret" else world.acme_id
    with tenant_context(tenant):
        db.session.add(
            QuizAttempt(
                quiz_id=world.quizzes[quiz],
                user_id=world.people[who],
                attempt_number=number,
                started_at=at,
                submitted_at=None if answers is None else at + timedelta(minutes=5),
                answers={str(world.questions[quiz][index]): chosen for index, chosen in (answers or {}).items()},
            )
        )
        record_access(world.people[who], world.modules[quiz], tenant, at)  # as starting it on the page does
        db.session.flush()


def session(world: World, who: str, started: datetime, minutes: int = 10, tenant: str = "acme") -> None:
    with tenant_context(getattr(world, f"{tenant}_id")):
        db.session.add(
            UserSession(
                user_id=world.people[who],
                started_at=started,
                last_ping_at=started + timedelta(minutes=minutes),
                duration_seconds=minutes * 60,
            )
        )
        db.session.flush()


def module_of(world: World, key: str) -> Module:
    with tenant_context(world.acme_id):
        return db.session.get(Module, world.modules[key])


@pytest.fixture
def world(app_ctx: Flask) -> World:
    return build_world()


def sales(world: World) -> Reach:
    return Reach(frozenset({world.groups["sales"]}))


# --- Active learners ------------------------------------------------------------------------

# Tuesday 31 March 2026; Ljubljana moved to summer time (UTC+2) on Sunday 29 March at 01:00 UTC.
TODAY = date(2026, 3, 31)


def _at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_learners_are_counted_on_their_local_day_across_the_summer_time_change(world: World) -> None:
    complete(world, "ana", "forklift", 1, _at(30, 22, 30))  # 00:30 on 31 March in Ljubljana (UTC+2)
    session(world, "cene", _at(30, 21, 30), minutes=5)  # 23:30 on 30 March, summer time
    attempt(world, "dora", "forklift", {0: [0]}, _at(27, 23, 30))  # 00:30 on 28 March, winter time (UTC+1)
    complete(world, "eva", "fire", 1, _at(25, 9))
    complete(world, "ana", "fire", 1, _at(31, 8))  # Ana twice on the 31st: one learner
    session(world, "eva", _at(31, 10), tenant="globex")  # Eva's day in globex does not count in acme
    session(world, "fran", _at(31, 10))  # Fran's membership is off

    with tenant_context(world.acme_id):
        days = analytics.active_per_day(EVERYWHERE, ZONE, TODAY)

    assert len(days) == 30
    assert (days[0].start, days[-1].start) == (date(2026, 3, 2), TODAY)
    counted = {period.start: period.learners for period in days if period.learners}
    assert counted == {date(2026, 3, 31): 1, date(2026, 3, 30): 1, date(2026, 3, 28): 1, date(2026, 3, 25): 1}


def test_a_session_over_midnight_counts_on_both_days(world: World) -> None:
    session(world, "cene", _at(29, 21, 50), minutes=20)  # 23:50 to 00:10 in Ljubljana

    with tenant_context(world.acme_id):
        days = analytics.active_per_day(EVERYWHERE, ZONE, TODAY)

    assert {period.start for period in days if period.learners} == {date(2026, 3, 29), date(2026, 3, 30)}


def test_weeks_run_monday_to_sunday_in_the_companys_zone(world: World) -> None:
    complete(world, "ana", "forklift", 1, _at(29, 21, 30))  # Sunday 29 March, 23:30 local: last week
    complete(world, "cene", "forklift", 1, _at(29, 22, 30))  # Monday 30 March, 00:30 local: this week
    complete(world, "ana", "forklift", 2, _at(31, 9))
    attempt(world, "dora", "forklift", {0: [0]}, _at(5, 12, month=1))  # 5 January: before the 12 weeks

    with tenant_context(world.acme_id):
        weeks = analytics.active_per_week(EVERYWHERE, ZONE, TODAY)

    assert len(weeks) == 12
    assert (weeks[0].start, weeks[-1].start) == (date(2026, 1, 12), date(2026, 3, 30))
    assert [period.learners for period in weeks[-2:]] == [1, 2]
    assert sum(period.learners for period in weeks) == 3


def test_a_scoped_reach_counts_only_its_groups_learners(world: World) -> None:
    complete(world, "ana", "forklift", 1, _at(31, 8))
    complete(world, "dora", "forklift", 1, _at(31, 8))

    with tenant_context(world.acme_id):
        everyone = analytics.active_per_day(EVERYWHERE, ZONE, TODAY)[-1].learners
        scoped = analytics.active_per_day(sales(world), ZONE, TODAY)[-1].learners

    assert (everyone, scoped) == (2, 1)


# --- Module usage ---------------------------------------------------------------------------


def test_modules_are_ranked_by_learners_active_in_them_in_the_last_90_days(world: World) -> None:
    now = utcnow()
    complete(world, "ana", "forklift", 1, now - timedelta(days=1))
    complete(world, "ana", "forklift", 2, now - timedelta(days=1))  # Ana once, with two sections
    attempt(world, "cene", "forklift", {0: [0]}, now - timedelta(days=2))
    with tenant_context(world.acme_id):
        db.session.add(
            UserModuleLastAccess(user_id=world.people["dora"], module_id=world.modules["fire"], accessed_at=now)
        )
    complete(world, "eva", "fire", 1, now - timedelta(days=100))  # too long ago
    complete(world, "ana", "draft", 1, now)  # a draft is not ranked
    complete(world, "eva", "secret", 1, now)  # globex's module
    complete(world, "fran", "unused", 1, now)  # Fran does not count

    with tenant_context(world.acme_id):
        uses = analytics.module_usage(EVERYWHERE, now)
        scoped = analytics.module_usage(sales(world), now)

    ranked = [(use.title, use.learners) for use in uses]
    assert ranked == [("Forklift safety", 2), ("Fire drill", 1), ("Unused module", 0)]
    assert [use.title for use in analytics.least_used(uses)] == ["Unused module", "Fire drill", "Forklift safety"]
    assert [(use.title, use.learners) for use in scoped] == [
        ("Forklift safety", 2),
        ("Fire drill", 0),
        ("Unused module", 0),
    ]


def test_top_and_bottom_ten_include_modules_nobody_used(app_ctx: Flask) -> None:
    world = two_tenants()
    modules = [make_module(world.acme, f"Module {index:02d}", sections=1) for index in range(25)]
    now = utcnow()
    with tenant_context(world.acme.id):
        db.session.add(UserModuleLastAccess(user_id=world.ana.id, module_id=modules[24].id, accessed_at=now))
        db.session.flush()
        uses = analytics.module_usage(EVERYWHERE, now)

    assert [use.title for use in analytics.most_used(uses)][:2] == ["Module 24", "Module 00"]
    assert len(analytics.most_used(uses)) == len(analytics.least_used(uses)) == 10
    assert [use.learners for use in analytics.least_used(uses)] == [0] * 10


# --- Median time to complete ----------------------------------------------------------------


def test_median_time_runs_from_the_first_step_to_the_certificate(world: World) -> None:
    now = utcnow()
    forklift = module_of(world, "forklift")
    for who, days_to_complete in (("ana", 2), ("cene", 3), ("dora", 10)):
        complete(world, who, "forklift", 1, now - timedelta(days=5 + days_to_complete))
        complete(world, who, "forklift", 2, now - timedelta(days=5, hours=1))
        make_certificate(forklift, db.session.get(User, world.people[who]), completed_days_ago=5)
    # Eva started with the quiz, 4 days and 6 hours before her certificate.
    attempt(world, "eva", "forklift", {0: [0]}, now - timedelta(days=10, hours=6))
    complete(world, "eva", "forklift", 1, now - timedelta(days=7))
    make_certificate(forklift, db.session.get(User, world.people["eva"]), completed_days_ago=6)
    # Not counted: Fran (membership off); a certificate of 13 months ago.
    complete(world, "fran", "forklift", 1, now - timedelta(days=30))
    make_certificate(forklift, db.session.get(User, world.people["fran"]), completed_days_ago=1)
    fire = module_of(world, "fire")
    complete(world, "ana", "fire", 1, now - timedelta(days=400))
    make_certificate(fire, db.session.get(User, world.people["ana"]), completed_days_ago=396)

    with tenant_context(world.acme_id):
        times = analytics.completion_times(EVERYWHERE, now)
        scoped = analytics.completion_times(sales(world), now)

    assert [(time.title, time.completions) for time in times] == [("Forklift safety", 4)]
    # 2, 3, 4 days 6 h and 10 days: the middle two averaged.
    assert times[0].median_seconds == pytest.approx(timedelta(days=3, hours=15).total_seconds(), abs=2)
    assert analytics.duration_words(times[0].median_seconds) == "3 days 15 h"
    assert scoped[0].median_seconds == pytest.approx(timedelta(days=2, hours=12).total_seconds(), abs=2)


def test_an_odd_number_of_completions_has_the_middle_one_as_median(world: World) -> None:
    now = utcnow()
    fire = module_of(world, "fire")
    for who, hours in (("ana", 1), ("cene", 5), ("dora", 50)):
        complete(world, who, "fire", 1, now - timedelta(days=1, hours=hours))
        make_certificate(fire, db.session.get(User, world.people[who]), completed_days_ago=1)

    with tenant_context(world.acme_id):
        (time,) = analytics.completion_times(EVERYWHERE, now)

    assert time.median_seconds == pytest.approx(5 * 3600, abs=2)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(30, "1 min"), (12 * 60, "12 min"), (5 * 3600 + 20 * 60, "5 h 20 min"), (3600, "1 h"), (86400, "1 day")],
)
def test_durations_read_as_words(app_ctx: Flask, seconds: float, words: str) -> None:
    assert analytics.duration_words(seconds) == words


# --- Drop-off -------------------------------------------------------------------------------


def test_drop_off_shows_completions_and_where_learners_stop(world: World) -> None:
    now = utcnow()
    for part in (1, 2):
        complete(world, "ana", "forklift", part, now)  # stops at 2
    complete(world, "cene", "forklift", 1, now)  # stops at 1
    complete(world, "eva", "forklift", 3, now)  # skipped ahead: her furthest is 3
    for part in (1, 2, 3):
        complete(world, "dora", "forklift", part, now)  # completed the module: stops nowhere
    make_certificate(module_of(world, "forklift"), db.session.get(User, world.people["dora"]))
    complete(world, "fran", "forklift", 1, now)

    with tenant_context(world.acme_id):
        with unscoped("test: reorder"):
            first = db.session.get(Section, world.sections["forklift"][0])
        first.sort_order = 5  # the first section now comes last
        db.session.flush()
        steps = analytics.drop_off(EVERYWHERE, world.modules["forklift"])
        scoped = analytics.drop_off(sales(world), world.modules["forklift"])

    assert [(s.position, s.title, s.completed, s.stopped) for s in steps] == [
        (1, "Forklift safety: part 2", 2, 0),
        (2, "Forklift safety: part 3", 2, 1),
        (3, "Forklift safety: part 1", 3, 2),
    ]
    assert [(s.completed, s.stopped) for s in scoped] == [(1, 0), (0, 0), (2, 2)]


# --- Item analysis --------------------------------------------------------------------------


def test_item_analysis_gives_each_questions_right_share_and_most_chosen_wrong_answer(world: World) -> None:
    now = utcnow()
    # Questions: 0 single (Red*, Green, Blue); 1 multiple (Helmet*, Gloves*, Cake); 2 true/false (True, False*).
    attempt(world, "ana", "forklift", {0: [0], 1: [0], 2: [0]}, now)  # Q1 right; Q2 partial; Q3 wrong
    attempt(world, "cene", "forklift", {0: [1], 1: [0, 1], 2: [1]}, now)  # Q1 Green; Q2, Q3 right
    attempt(world, "dora", "forklift", {0: [1], 1: [0, 1, 2], 2: [0]}, now)  # Q1 Green; Q2 Cake; Q3 True
    attempt(world, "dora", "forklift", None, now, number=2)  # still open
    attempt(world, "eva", "forklift", {}, now)  # closed by the time limit, nothing answered
    attempt(world, "fran", "forklift", {0: [2], 1: [2], 2: [0]}, now)  # membership off
    attempt(world, "eva", "secret", {0: [2], 1: [2], 2: [0]}, now)  # globex's quiz

    with tenant_context(world.acme_id):
        quiz = db.session.get(Quiz, world.quizzes["forklift"])
        result = analytics.item_analysis(EVERYWHERE, quiz)
        scoped = analytics.item_analysis(sales(world), quiz)

    assert result.attempts == 3
    rows = [
        (item.question.text, round(item.correct_percent), item.wrong_option, round(item.wrong_percent))
        for item in result.items
    ]
    assert rows == [
        ("Which colour is a stop sign?", 33, "Green", 67),
        ("Which are protective equipment?", 33, "Cake", 33),
        ("Emergency exits may be blocked.", 33, "True", 67),
    ]
    assert scoped.attempts == 2
    assert [(round(i.correct_percent), i.wrong_option) for i in scoped.items] == [
        (50, "Green"),
        (50, None),
        (50, "True"),
    ]


def test_item_analysis_counts_a_drawn_question_only_in_the_attempts_that_asked_it(world: World) -> None:
    now = utcnow()
    attempt(world, "ana", "forklift", {0: [0]}, now)  # drew only Q1, right
    attempt(world, "cene", "forklift", {2: [0]}, now)  # drew only Q3, wrong ("True")
    with tenant_context(world.acme_id):
        questions = world.questions["forklift"]
        drawn = {"ana": [questions[0]], "cene": [questions[2]]}
        for who, ids in drawn.items():
            db.session.execute(
                sa.update(QuizAttempt)
                .where(QuizAttempt.user_id == world.people[who])
                .values(drawn_questions=[{"id": question_id, "options": [0, 1, 2]} for question_id in ids])
            )
        quiz = db.session.get(Quiz, world.quizzes["forklift"])
        result = analytics.item_analysis(EVERYWHERE, quiz)

    assert result.attempts == 2
    assert [(item.asked, round(item.correct_percent), item.wrong_option) for item in result.items] == [
        (1, 100, None),
        (0, 0, None),  # nobody was asked it: not "everyone got it wrong"
        (1, 0, "True"),
    ]


# --- The nightly rollup (services/activity.py) ------------------------------------------------


def _busy_month(world: World) -> None:
    complete(world, "ana", "forklift", 1, _at(30, 22, 30))
    session(world, "cene", _at(29, 21, 50), minutes=20)  # over midnight: two days
    attempt(world, "dora", "forklift", {0: [0]}, _at(27, 23, 30))
    complete(world, "eva", "fire", 1, _at(25, 9))
    complete(world, "ana", "fire", 1, _at(2, 8, month=2))
    session(world, "eva", _at(30, 10), tenant="globex")


def _counts(world: World) -> tuple[list[int], list[int], list[int]]:
    with tenant_context(world.acme_id):
        return (
            [period.learners for period in analytics.active_per_day(EVERYWHERE, ZONE, TODAY)],
            [period.learners for period in analytics.active_per_week(EVERYWHERE, ZONE, TODAY)],
            [period.learners for period in analytics.active_per_day(sales(world), ZONE, TODAY)],
        )


def test_rolled_up_days_count_the_same_as_the_live_ones_and_today_stays_live(world: World) -> None:
    _busy_month(world)
    live = _counts(world)

    with tenant_context(world.acme_id):
        acme = db.session.get(Tenant, world.acme_id)
        added = activity.roll_up(acme, TODAY)
        again = activity.roll_up(acme, TODAY)
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(ActivityPeriod))
    complete(world, "cene", "fire", 1, _at(31, 9))  # today, after the rollup

    assert (added, again) == (activity.KEPT_DAYS + 1, 0)  # back to the Monday 13 weeks ago
    # Days: Cene twice, Ana, Dora, Eva (acme's only, closed days only); weeks: Ana (February),
    # and Cene, Dora and Eva in the week of 23 March.
    assert rows == 9
    day, week, scoped = _counts(world)
    assert (day[:-1], week[:-1], scoped[:-1]) == (live[0][:-1], live[1][:-1], live[2][:-1])
    assert (live[0][-1], day[-1]) == (1, 2)  # Ana's 00:30 today, then Cene: today is read live


def test_a_rollup_without_new_days_adds_nothing_and_a_zone_change_rolls_up_again(world: World) -> None:
    _busy_month(world)
    with tenant_context(world.acme_id):
        acme = db.session.get(Tenant, world.acme_id)
        activity.roll_up(acme, TODAY)
        acme.timezone = "America/New_York"
        db.session.flush()
        rolled_again = activity.roll_up(acme, TODAY)
        marker = db.session.scalar(sa.select(ActivityRollup))
        new_york = [period.learners for period in analytics.active_per_day(EVERYWHERE, "America/New_York", TODAY)]
        db.session.execute(sa.delete(ActivityPeriod))
        db.session.execute(sa.delete(ActivityRollup))
        live_new_york = [period.learners for period in analytics.active_per_day(EVERYWHERE, "America/New_York", TODAY)]

    assert rolled_again == activity.KEPT_DAYS + 1
    assert (marker.timezone, marker.through) == ("America/New_York", activity.day_number(TODAY) - 1)
    assert new_york == live_new_york


def test_days_that_left_the_window_are_dropped(world: World) -> None:
    complete(world, "ana", "fire", 1, _at(2, 8, month=2))
    with tenant_context(world.acme_id):
        acme = db.session.get(Tenant, world.acme_id)
        activity.roll_up(acme, TODAY)
        kept = db.session.scalar(sa.select(sa.func.count()).select_from(ActivityPeriod))
        activity.roll_up(acme, TODAY + timedelta(days=60))
        left = db.session.scalar(sa.select(sa.func.count()).select_from(ActivityPeriod))

    assert (kept, left) == (2, 0)  # her day and her week, then neither
